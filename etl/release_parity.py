"""Whether two releases hold the same figures: a release computed on a Spark cluster checked against one computed
on DuckDB from the same sources and config (docs/scale-out.md).

Every Parquet table of the release is compared column by column: the same columns and types, the same rows in
the same order, text and integers equal, floating-point values within a relative tolerance (two engines add in
different orders: the last bits of a sum may differ), nulls in the same places. The withheld cells are compared
on their own, so that a difference there is said as such. Other files are compared byte for byte, except the
ones that record the run (manifest, run metadata, checksums of the files compared above).

    python -m etl.release_parity <release folder A> <release folder B>

prints the differences and exits 1 when there are any.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: files that record the run (its id, time, durations, checksums), not the figures
RUN_RECORDS = ("manifest.json", "manifest.sha256", "run.json", "datapackage.json")


def differences(a: Path, b: Path, rtol: float = 1e-12) -> list[str]:
    """What differs between the release folders ``a`` and ``b`` (empty: the same figures)."""
    a, b = Path(a), Path(b)
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    found = [f"{f}: only in {a}" for f in sorted(files_a - files_b)]
    found += [f"{f}: only in {b}" for f in sorted(files_b - files_a)]
    for name in sorted(files_a & files_b):
        if name.endswith(".parquet"):
            found += [f"{name}: {d}" for d in table_differences(pq.read_table(a / name), pq.read_table(b / name),
                                                                rtol)]
        elif Path(name).name not in RUN_RECORDS and (a / name).read_bytes() != (b / name).read_bytes():
            found.append(f"{name}: the bytes differ")
    if "indicator_values.parquet" in files_a & files_b:
        found += withheld_differences(a / "indicator_values.parquet", b / "indicator_values.parquet")
    return found


def table_differences(ta: pa.Table, tb: pa.Table, rtol: float = 1e-12) -> list[str]:
    if ta.column_names != tb.column_names:
        return [f"columns {ta.column_names} != {tb.column_names}"]
    if ta.num_rows != tb.num_rows:
        return [f"{ta.num_rows} rows != {tb.num_rows} rows"]
    found = []
    for name in ta.column_names:
        ca, cb = _plain(ta.column(name)), _plain(tb.column(name))
        if ca.type != cb.type:
            found.append(f"column {name}: type {ca.type} != {cb.type}")
            continue
        nulls_a, nulls_b = ca.is_null().to_numpy(zero_copy_only=False), cb.is_null().to_numpy(zero_copy_only=False)
        if not np.array_equal(nulls_a, nulls_b):
            row = int(np.flatnonzero(nulls_a != nulls_b)[0])
            found.append(f"column {name}: null in one release only, first at row {row}")
            continue
        if pa.types.is_floating(ca.type):
            va = ca.to_numpy(zero_copy_only=False)[~nulls_a]
            vb = cb.to_numpy(zero_copy_only=False)[~nulls_b]
            close = np.isclose(va, vb, rtol=rtol, atol=0.0, equal_nan=True)
            if not close.all():
                i = int(np.flatnonzero(~close)[0])
                found.append(f"column {name}: {int((~close).sum())} values differ by more than {rtol:g} relative "
                             f"(first {va[i]!r} != {vb[i]!r})")
        elif not ca.equals(cb):
            same = pc.fill_null(pc.equal(ca, cb), True).to_numpy(zero_copy_only=False)
            i = int(np.flatnonzero(~same)[0]) if (~same).any() else 0
            found.append(f"column {name}: {int((~same).sum())} values differ (first at row {i}: "
                         f"{ca[i].as_py()!r} != {cb[i].as_py()!r})")
    return found


def withheld_differences(a: Path, b: Path) -> list[str]:
    """The cells withheld in one release and not in the other."""
    keys = ["indicator", "area_code", "period", "breakdown"]

    def withheld(path: Path) -> set[tuple]:
        t = pq.read_table(path, columns=[*keys, "status"])
        t = t.filter(pc.equal(_plain(t.column("status")), "suppressed"))
        return set(zip(*(_plain(t.column(k)).to_pylist() for k in keys), strict=True))

    wa, wb = withheld(a), withheld(b)
    return ([f"withheld in A only: {c}" for c in sorted(wa - wb)[:20]]
            + [f"withheld in B only: {c}" for c in sorted(wb - wa)[:20]])


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded text as plain text: the encoding is storage, not content."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-3].strip(), file=sys.stderr)
        return 2
    found = differences(Path(args[0]), Path(args[1]))
    for line in found:
        print(line)
    print("the same figures" if not found else f"{len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
