"""Planned reads (row groups settled by their statistics, masks from the filter columns) and the parallel
CSV writer give exactly the rows and bytes of a plain reference: the whole file read, filtered row by row
in Python, suppressed cells withheld, and written by one pyarrow CSVWriter."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from core.layout import bucket_file
from dashboard.api import formats, reading
from dashboard.release_reader import Release
from tests.dashboard.api.conftest import remanifest

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

WITHHELD = reading.WITHHELD


def span(period: str) -> tuple[date, date]:
    """First and last day of a period (2020, 2020-Q3, 2020-07), worked out independently of reading.py."""
    year = int(period[:4])
    if len(period) == 4:
        first, last = 1, 12
    elif "Q" in period:
        first = 3 * int(period[-1]) - 2
        last = first + 2
    else:
        first = last = int(period[5:7])
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return date(year, first, 1), end - timedelta(days=1)


def reference_csv(release: Release, q: reading.ValueQuery, bom: bool = False) -> bytes:
    """The expected CSV, computed without the plan, the masks or the thread pool (and the area names joined
    row by row from the release's areas table)."""
    if q.areas is not None and q.indicators is None:  # a few areas of all indicators: their by-area files
        bucket = dict(zip(release.areas["area_code"], release.areas["bucket"], strict=True))
        paths = sorted({release.path / bucket_file(int(bucket[a])) for a in q.areas})
        t = pa.concat_tables([pq.read_table(p) for p in paths])
    else:
        t = pq.read_table(release.path / reading.BY_INDICATOR)
    public = set(release.indicator_ids)
    keep = []
    for row in t.select(["indicator", "visibility", "area_code", "level", "parent_code", "breakdown",
                         "period"]).to_pylist():
        ok = row["indicator"] in public and (q.indicators is None or row["indicator"] in q.indicators)
        ok = ok and (release.include_internal or row["visibility"] == "public")
        for col, vals in (("area_code", q.areas), ("level", q.levels), ("parent_code", q.parents),
                          ("breakdown", q.breakdowns)):
            ok = ok and (vals is None or row[col] in vals)
        if q.period_from:
            ok = ok and row["period"] is not None and span(row["period"])[0] >= span(q.period_from)[0]
        if q.period_to:
            ok = ok and row["period"] is not None and span(row["period"])[1] <= span(q.period_to)[1]
        keep.append(ok)
    t = t.filter(pa.array(keep))
    hidden = [s == "suppressed" for s in t["status"].to_pylist()]
    for name in WITHHELD:
        if name in t.column_names:
            i = t.column_names.index(name)
            t = t.set_column(i, name, pc.if_else(pa.array(hidden), pa.scalar(None, t.schema.field(i).type),
                                                 t[name]))
    # every published row names its area (area_name after area_code), from the release's own areas table
    names = dict(zip(release.areas["area_code"], release.areas["name"], strict=True))
    t = t.add_column(t.column_names.index("area_code") + 1, "area_name",
                     pa.array([names.get(c) for c in t["area_code"].to_pylist()], pa.string()))
    out = io.BytesIO()
    if bom:
        out.write(formats.BOM)
    with pacsv.CSVWriter(out, t.schema, write_options=pacsv.WriteOptions(quoting_style="needed")) as w:
        w.write_table(t)
    return out.getvalue()


@pytest.fixture(scope="module")
def small_groups(api_store, tmp_path_factory) -> Release:
    """The current test release with row groups of 40 rows, so that statistics settle some groups, drop
    others and leave the rest to masks."""
    src = Release(Path(api_store["store"]) / "releases" / api_store["new"])
    dst = tmp_path_factory.mktemp("small-groups") / src.id
    shutil.copytree(src.path, dst)
    t = pq.read_table(dst / reading.BY_INDICATOR)
    pq.write_table(t, dst / reading.BY_INDICATOR, row_group_size=40)
    remanifest(dst)
    return Release(dst)


def queries(release: Release) -> list[reading.ValueQuery]:
    inds = sorted(release.indicator_ids)
    areas = release.areas["area_code"].tolist()
    parents = [p for p in release.areas["parent_code"].dropna().unique().tolist()][:2]
    periods = sorted(set(pq.read_table(release.path / reading.BY_INDICATOR, columns=["period"])["period"]
                         .drop_null().to_pylist()))
    breakdowns = sorted(reading.known_breakdowns(release))
    return [
        reading.ValueQuery(),
        reading.ValueQuery(indicators=tuple(inds[:2])),
        reading.ValueQuery(indicators=tuple(inds[:2]), levels=(release.levels[-1],)),
        reading.ValueQuery(levels=(release.levels[0],)),
        reading.ValueQuery(indicators=(inds[0],), areas=(areas[0], areas[-1])),  # scattered rows
        reading.ValueQuery(areas=(areas[1], areas[len(areas) // 2])),  # the by-area files
        reading.ValueQuery(parents=tuple(parents)),
        reading.ValueQuery(breakdowns=(breakdowns[0],)),
        reading.ValueQuery(period_from=periods[len(periods) // 2]),
        reading.ValueQuery(period_to=periods[len(periods) // 3][:4]),  # a year includes its quarters
        reading.ValueQuery(indicators=(inds[-1],), period_from=periods[0], period_to=periods[0]),
        reading.ValueQuery(levels=(release.levels[0],), areas=(areas[-1],), indicators=(inds[0],)),
    ]


def planned_csv(release: Release, q: reading.ValueQuery, bom: bool = False) -> bytes:
    parts = reading.plan(release, q)
    body = b"".join(formats.csv_stream(reading.value_schema(release), reading.batches(release, q, parts=parts),
                                       bom))
    return body


def test_planned_csv_equals_the_reference_byte_for_byte(small_groups, monkeypatch):
    monkeypatch.setattr(formats, "CSV_ROWS", 7)  # many pieces in flight: the order must hold
    for q in queries(small_groups):
        expected = reference_csv(small_groups, q)
        assert planned_csv(small_groups, q) == expected, q
        assert reading.count(small_groups, q) == expected.count(b"\n") - 1, q


def test_scattered_rows_are_filtered_the_same_as_runs_are_sliced(small_groups, monkeypatch):
    q = reading.ValueQuery(levels=(small_groups.levels[-1],))
    sliced = planned_csv(small_groups, q)
    monkeypatch.setattr(reading, "MAX_RUNS", 0)
    assert planned_csv(small_groups, q) == sliced == reference_csv(small_groups, q)


def test_statistics_settle_groups_without_reading_them(small_groups):
    """Row groups of one public indicator need no mask; those of other indicators are not in the plan."""
    ind = sorted(small_groups.indicator_ids)[0]
    parts = reading.plan(small_groups, reading.ValueQuery(indicators=(ind,)))
    md = pq.read_metadata(small_groups.path / reading.BY_INDICATOR)
    col = md.schema.to_arrow_schema().get_field_index("indicator")
    for p in parts:
        st = md.row_group(p.group).column(col).statistics
        assert st.min <= ind <= st.max
        if st.min == st.max:
            assert p.mask is None and p.rows == md.row_group(p.group).num_rows
    assert any(p.mask is None for p in parts)
    internal = set(small_groups._all_indicators["id"]) - small_groups.indicator_ids
    assert internal, "the test release has an internal indicator"
    assert reading.plan(small_groups, reading.ValueQuery(indicators=tuple(internal))) == []


def test_internal_reader_sees_internal_rows_public_does_not(small_groups):
    internal = Release(small_groups.path, include_internal=True)
    ids = sorted(set(internal.indicators["id"]) - small_groups.indicator_ids)
    q = reading.ValueQuery(indicators=tuple(ids))
    assert reading.count(internal, q) > 0
    assert planned_csv(internal, q) == reference_csv(internal, q)
    assert reading.count(small_groups, q) == 0


def test_bom_and_empty_result_keep_the_header(small_groups):
    q = reading.ValueQuery(indicators=(sorted(small_groups.indicator_ids)[0],), period_from="2999")
    assert reading.count(small_groups, q) == 0
    body = planned_csv(small_groups, q, bom=True)
    assert body == reference_csv(small_groups, q, bom=True) and body.startswith(formats.BOM)
    assert body.count(b"\n") == 1


def test_a_download_closed_early_stops_cleanly(small_groups, monkeypatch):
    monkeypatch.setattr(formats, "CSV_ROWS", 5)
    gen = formats.csv_stream(reading.value_schema(small_groups), reading.batches(small_groups, reading.ValueQuery()))
    assert next(gen).startswith(b'"indicator",')
    assert next(gen).count(b"\n") == 5
    gen.close()  # pending pieces are cancelled; nothing raises
    again = planned_csv(small_groups, reading.ValueQuery())
    assert again == reference_csv(small_groups, reading.ValueQuery())


@pytest.fixture(scope="module")
def mixed_periods(small_groups, tmp_path_factory) -> Release:
    """The test release with its years turned into a mix of years, quarters and months (row groups of 40
    rows), as a source with annual, quarterly and monthly indicators would give."""
    dst = tmp_path_factory.mktemp("mixed-periods") / small_groups.id
    shutil.copytree(small_groups.path, dst)
    t = pq.read_table(dst / reading.BY_INDICATOR)
    periods = []
    for i, p in enumerate(t["period"].to_pylist()):
        kind, n = i % 3, i // 3
        periods.append(p if p is None or kind == 0 else f"{p}-Q{n % 4 + 1}" if kind == 1 else f"{p}-{n % 12 + 1:02d}")
    t = t.set_column(t.schema.get_field_index("period"), "period", pa.array(periods, pa.string()))
    pq.write_table(t, dst / reading.BY_INDICATOR, row_group_size=40)
    remanifest(dst)
    return Release(dst)


def test_periods_are_spans_of_time(mixed_periods):
    """period_from keeps periods starting on or after its start, period_to those ending on or before its end,
    whatever mix of years, quarters and months the release and the bounds hold (not string order: '2020' sorts
    before '2020-Q1', and '2020-Q1' after '2020-12')."""
    ind = sorted(mixed_periods.indicator_ids)[0]
    seen = {r for r in pq.read_table(mixed_periods.path / reading.BY_INDICATOR, columns=["period"])["period"]
            .to_pylist() if r and r.startswith("2020")}
    assert {"2020", "2020-Q1", "2020-Q4", "2020-01", "2020-12"} <= seen
    cases = {("2020-Q3", "2020"): {"2020-Q3", "2020-Q4"} | {f"2020-{m:02d}" for m in range(7, 13)},
             ("2020-Q1", "2020-Q1"): {"2020-Q1", "2020-01", "2020-02", "2020-03"},
             ("2020-Q1", "2020"): seen, ("2020", "2020"): seen,
             ("2020-Q2", "2020"): seen - {"2020", "2020-Q1", "2020-01", "2020-02", "2020-03"},
             ("2020-02", "2020-Q1"): {"2020-02", "2020-03"},
             ("2020-01", "2020-12"): seen, ("2020-Q1", "2020-11"): seen - {"2020", "2020-Q4", "2020-12"}}
    for (lo, hi), want in cases.items():
        q = reading.ValueQuery(period_from=lo, period_to=hi)
        got = {r for r in reading.read_table(mixed_periods, q, ["period"])["period"].to_pylist()}
        assert got == {p for p in want if p in seen}, (lo, hi)
    assert "2020" in set(reading.read_table(mixed_periods, reading.ValueQuery(period_from="2020-Q1"),
                                            ["period"])["period"].to_pylist())
    assert "2020" not in set(reading.read_table(mixed_periods, reading.ValueQuery(period_to="2020-Q1"),
                                                ["period"])["period"].to_pylist())
    for q in (reading.ValueQuery(period_from="2020-Q2"), reading.ValueQuery(period_to="2020-Q3"),
              reading.ValueQuery(indicators=(ind,), period_from="2019-07", period_to="2021-Q1"),
              reading.ValueQuery(period_from="2020-Q4", period_to="2021-02")):
        assert planned_csv(mixed_periods, q) == reference_csv(mixed_periods, q), q
        assert reading.count(mixed_periods, q) == reference_csv(mixed_periods, q).count(b"\n") - 1, q
