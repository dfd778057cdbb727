"""A value too large for a 64-bit float ('1e400', read as infinity) is an invalid number, reported with its
file, row and column and left out. Before, it was read as infinity and came out only as 'numerator above
denominator' (or not at all, for a measure that is not compared with another)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.etl.scheduler.conftest import tiny_config


def _run(config_path: Path):
    from core import catalogue
    from core.config import load_config
    from etl.pipeline import run

    config = load_config(config_path)
    run(config)
    _, found = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    return found


def test_1e400_in_a_csv_is_an_invalid_number_not_a_numerator_above_its_denominator(tmp_path):
    config = tiny_config(tmp_path)
    services = tmp_path / "in" / "services.csv"
    lines = services.read_text().splitlines()
    row = next(n for n, line in enumerate(lines) if line.startswith("applications_online,T12,2023"))
    lines[row] = "applications_online,T12,2023,1e400,"
    services.write_text("\n".join(lines) + "\n")
    found = _run(config)
    assert "numerator_above_denominator" not in set(found["rule"])
    bad = found[found["rule"] == "not_a_number"]
    assert len(bad) == 1
    f = bad.iloc[0]
    assert f["file"].endswith("services.csv") and f["row"] == row + 1 and f["column"] == "value"
    assert f["area_code"] == "T12" and f["period"] == "2023"
    assert "'1e400'" in f["message"] and "not a finite number" in f["message"]


def test_infinity_in_a_parquet_column_is_an_invalid_number(tmp_path):
    config = tiny_config(tmp_path)
    csv = pd.read_csv(tmp_path / "in" / "services.csv", dtype={"flag": str})
    csv["value"] = csv["value"].astype("float64")
    csv.loc[(csv["measure"] == "applications_online") & (csv["area_code"] == "T21") & (csv["year"] == 2022),
            "value"] = float("inf")
    pq.write_table(pa.Table.from_pandas(csv, preserve_index=False), tmp_path / "in" / "services.parquet")
    text = config.read_text().replace("format: csv", "format: parquet").replace("in/services.csv",
                                                                                "in/services.parquet")
    config.write_text(text)
    found = _run(config)
    assert "numerator_above_denominator" not in set(found["rule"])
    bad = found[found["rule"] == "not_a_number"]
    assert len(bad) == 1 and bad.iloc[0]["area_code"] == "T21" and bad.iloc[0]["column"] == "value"
    assert "'inf'" in bad.iloc[0]["message"]
