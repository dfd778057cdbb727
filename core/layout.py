"""Where a release keeps what: the file names and the by-area split that the writer and every reader share.

<release>/indicator_values.parquet     every row, one indicator per row group
<release>/by_area/part-NNNNN.parquet   the same rows in files of AREAS_PER_BUCKET consecutive areas each
<release>/level_ranges.parquet         each indicator's quartiles per level and period (public totals only)
"""

from __future__ import annotations

AREAS_PER_BUCKET = 20
BY_AREA = "by_area"
LEVEL_RANGES = "level_ranges.parquet"
#: Frictionless reads Parquet through pandas, where an empty (null) cell of an integer column becomes NaN:
#: "nan" is declared missing so that it reads as the null it is in the file.
PARQUET_MISSING = ["", "nan"]


def bucket_file(bucket: int) -> str:
    """The by-area file of a bucket, relative to the release folder."""
    return f"{BY_AREA}/part-{bucket:05d}.parquet"
