"""Pre-rendered CSV blocks (csv_blocks.py) give exactly the bytes of rendering per request: for whole row
groups, runs of rows and scattered rows, with a BOM, with suppressed cells; a half-written or foreign block
is never used, internal rows never enter a block, one process renders a release, the budget holds."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.api import csv_blocks, formats, reading
from dashboard.api.csv_blocks import CsvBlocks
from dashboard.release_reader import Release
from tests.dashboard.api.conftest import make_app, remanifest
from tests.dashboard.api.test_reading_plan import queries
from tests.dashboard.api.test_reading_plan import reference_csv as _reference

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

_REFERENCES: dict[tuple, bytes] = {}


def reference_csv(rel: Release, q: reading.ValueQuery, bom: bool = False) -> bytes:
    """test_reading_plan's reference (a row-by-row filter in Python), computed once per query."""
    key = (str(rel.path), rel.include_internal, q)
    if key not in _REFERENCES:
        _REFERENCES[key] = _reference(rel, q)
    return (formats.BOM if bom else b"") + _REFERENCES[key]


@pytest.fixture(scope="module")
def groups40(api_store, tmp_path_factory) -> Release:
    """The current test release with row groups of 40 rows (by indicator and by area), so that plans mix
    whole groups, runs of rows and scattered rows."""
    src = Release(Path(api_store["store"]) / "releases" / api_store["new"])
    dst = tmp_path_factory.mktemp("blocks-groups") / src.id
    shutil.copytree(src.path, dst)
    for path in [dst / reading.BY_INDICATOR, *sorted((dst / "by_area").glob("*.parquet"))]:
        pq.write_table(pq.read_table(path), path, row_group_size=40)
    remanifest(dst)
    return Release(dst)


@pytest.fixture(scope="module")
def rendered(groups40, tmp_path_factory) -> CsvBlocks:
    blocks = CsvBlocks(tmp_path_factory.mktemp("blocks") / "csv-blocks", 1 << 30)
    info = blocks.render(groups40)
    assert info["complete"] and info["blocks_made"] > 10
    return blocks


def from_blocks(blocks: CsvBlocks, rel: Release, q: reading.ValueQuery, bom: bool = False) -> bytes | None:
    body = blocks.csv_body(rel, reading.value_schema(rel), reading.plan(rel, q), bom)
    return None if body is None else b"".join(body)


def kinds(rel: Release, q: reading.ValueQuery) -> set[str]:
    """'whole', 'runs' (a few runs of rows) or 'scattered' (more runs than reading.MAX_RUNS would slice)."""
    out = set()
    for p in reading.plan(rel, q):
        if p.mask is None:
            out.add("whole")
            continue
        m = p.mask.to_numpy(zero_copy_only=False)
        runs = np.count_nonzero(np.diff(np.concatenate(([False], m, [False])).view(np.int8)) == 1)
        out.add("runs" if runs <= 2 else "scattered")
    return out


def test_blocks_give_the_bytes_of_the_reference_for_every_query(groups40, rendered):
    seen = set()
    for q in queries(groups40):
        for bom in (False, True):
            got = from_blocks(rendered, groups40, q, bom)
            assert got is not None, q
            assert got == reference_csv(groups40, q, bom), q
        seen |= kinds(groups40, q)
    assert seen == {"whole", "runs", "scattered"}


@pytest.mark.parametrize("window, chunk", [(64, 100), (1 << 12, 1 << 20), (7, 3)])
def test_small_windows_and_chunks_change_nothing(groups40, rendered, monkeypatch, window, chunk):
    """Gathered windows, ranges too far apart to share a read, and long ranges read in pieces."""
    monkeypatch.setattr(csv_blocks, "WINDOW", window)
    monkeypatch.setattr(csv_blocks, "CHUNK", chunk)
    for q in queries(groups40)[:5]:
        assert from_blocks(rendered, groups40, q, True) == reference_csv(groups40, q, True), q


def test_scattered_rows_of_one_group(groups40, rendered):
    """Every other row of each group: each kept row is its own range, gathered from one read."""
    parts = [reading.Part(p.path, p.group, None, p.rows) for p in reading.plan(groups40, reading.ValueQuery())]
    q = reading.ValueQuery()
    expected = b"".join(formats.csv_stream(reading.value_schema(groups40), reading.batches(groups40, q)))
    lines = expected.splitlines(keepends=True)
    assert b"".join(rendered.csv_body(groups40, reading.value_schema(groups40), parts)) == expected
    mask_parts, want = [], [lines[0]]
    row = 1
    for p in reading.plan(groups40, q):
        keep = np.arange(p.rows) % 2 == 0
        if p.mask is not None:  # only public rows are in the plan
            full = p.mask.to_numpy(zero_copy_only=False)
            sel = np.zeros(len(full), bool)
            sel[np.flatnonzero(full)[keep]] = True
        else:
            sel = keep
        mask_parts.append(reading.Part(p.path, p.group, pa.array(sel), int(sel.sum())))
        want += [lines[row + i] for i in np.flatnonzero(keep).tolist()]
        row += p.rows
    assert b"".join(rendered.csv_body(groups40, reading.value_schema(groups40), mask_parts)) == b"".join(want)


def test_suppressed_cells_are_withheld_in_the_blocks(groups40, rendered):
    body = from_blocks(rendered, groups40, reading.ValueQuery())
    sup = [line for line in body.splitlines() if b'"suppressed"' in line]
    assert sup, "the test release has suppressed cells"
    header = next(csv.reader([body.splitlines()[0].decode()]))
    for line in sup:  # a note holds commas: read the quoted fields as CSV
        cells = dict(zip(header, next(csv.reader([line.decode()])), strict=False))
        assert cells["value"] == "" and cells["numerator"] == "" and cells["rank_level"] == ""


def test_internal_rows_never_enter_a_block(groups40, rendered):
    internal = Release(groups40.path, include_internal=True)
    hidden = sorted(set(internal.indicators["id"]) - groups40.indicator_ids)
    assert hidden
    files = list(rendered.folder(groups40).glob("*.blk"))
    assert files
    for f in files:
        data = f.read_bytes()
        for ind in hidden:
            assert f'"{ind}"'.encode() not in data
        assert b'"internal"' not in data
    # an internal reader never reads blocks, nor may render them
    q = reading.ValueQuery(indicators=tuple(hidden))
    assert rendered.csv_body(internal, reading.value_schema(internal), reading.plan(internal, q)) is None
    with pytest.raises(ValueError):
        csv_blocks.render_block(internal, internal.path / reading.BY_INDICATOR, 0, Path(files[0]).with_suffix(".x"))
    assert rendered.render(internal) is None


def copy_blocks(rendered: CsvBlocks, rel: Release, tmp_path: Path) -> CsvBlocks:
    blocks = CsvBlocks(tmp_path / "csv-blocks", 1 << 30)
    shutil.copytree(rendered.folder(rel), blocks.folder(rel))
    return blocks


def test_a_half_written_or_foreign_block_is_never_used(groups40, rendered, tmp_path):
    blocks = copy_blocks(rendered, groups40, tmp_path)
    q = reading.ValueQuery(indicators=(sorted(groups40.indicator_ids)[0],))
    assert from_blocks(blocks, groups40, q) == reference_csv(groups40, q)
    part = reading.plan(groups40, q)[0]
    final = blocks.folder(groups40) / csv_blocks.block_name(groups40, part.path, part.group)
    good = final.read_bytes()
    # only the temporary file of an unfinished render is there
    final.rename(final.with_name(f".{final.name}.123.456.tmp"))
    assert from_blocks(blocks, groups40, q) is None
    # a truncated block, a block with another magic, a block of another group (other row count)
    md = pq.read_metadata(part.path)
    other = next(g for g in range(md.num_row_groups) if md.row_group(g).num_rows != md.row_group(part.group).num_rows)
    foreign = (blocks.folder(groups40) / csv_blocks.block_name(groups40, part.path, other)).read_bytes()
    for bad in (good[:-1], good[:-8], b"XXXXXXXX" + good[8:], foreign):
        final.write_bytes(bad)
        assert from_blocks(blocks, groups40, q) is None
    final.write_bytes(good)
    assert from_blocks(blocks, groups40, q) == reference_csv(groups40, q)


def test_a_failed_render_leaves_no_block(groups40, tmp_path, monkeypatch):
    blocks = CsvBlocks(tmp_path / "csv-blocks", 1 << 30)

    def broken(piece, rows):
        raise csv_blocks.BlockError("boom")
    monkeypatch.setattr(csv_blocks, "_row_lengths", broken)
    with pytest.raises(csv_blocks.BlockError):
        blocks.render(groups40)
    assert not [p for p in blocks.folder(groups40).iterdir()]


def test_one_process_renders_a_release(groups40, tmp_path):
    blocks = CsvBlocks(tmp_path / "csv-blocks", 20_000)  # a few blocks are enough to show it
    blocks.root.mkdir(parents=True)
    with open(blocks.root / f"{csv_blocks.folder_name(groups40)}.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another worker is rendering it
        assert blocks.render(groups40) is None
        assert not list(blocks.folder(groups40).glob("*.blk"))
    assert blocks.render(groups40)["blocks_made"] > 0


def test_the_budget_bounds_the_blocks_and_the_rest_is_rendered(groups40, rendered, tmp_path):
    one = max(p.stat().st_size for p in rendered.folder(groups40).glob("*.blk"))
    blocks = CsvBlocks(tmp_path / "csv-blocks", 3 * one)
    info = blocks.render(groups40)
    assert not info["complete"] and info["blocks_made"] >= 3 and info["bytes"] <= 3 * one
    assert sum(p.stat().st_size for p in blocks.folder(groups40).glob("*.blk")) <= 3 * one
    names = sorted(p.name for p in blocks.folder(groups40).glob("*.blk"))
    assert names[0] == "indicator_values.parquet.g00000.blk"  # in file order
    assert from_blocks(blocks, groups40, reading.ValueQuery()) is None  # not all there: render as before
    assert CsvBlocks(tmp_path / "off", 0).render(groups40) is None


def test_other_releases_blocks_are_removed(groups40, tmp_path):
    blocks = CsvBlocks(tmp_path / "csv-blocks", 1)
    old = blocks.root / "20000101T000000Z-aaaaaa-v1-pyarrow0"
    old.mkdir(parents=True)
    (old / "indicator_values.parquet.g00000.blk").write_bytes(b"x")
    (blocks.root / f"{old.name}.lock").touch()
    blocks.render(groups40)
    assert not old.exists() and blocks.folder(groups40).is_dir()


def test_ensure_starts_one_render_per_release_and_process(groups40, tmp_path):
    blocks = CsvBlocks(tmp_path / "csv-blocks", 20_000)
    thread = blocks.ensure(groups40)
    assert thread is not None and blocks.ensure(groups40) is None
    thread.join(60)
    assert (blocks.folder(groups40) / "done.json").is_file()
    again = CsvBlocks(tmp_path / "csv-blocks", 20_000)
    assert again.ensure(groups40) is None  # rendered already (done.json), by whichever process
    internal = Release(groups40.path, include_internal=True)
    assert CsvBlocks(tmp_path / "other", 1 << 30).ensure(internal) is None
    assert CsvBlocks(None, 1 << 30).ensure(groups40) is None


# --- through the routes ------------------------------------------------------------------------------
def app_with_blocks(api_config, tmp_path, **access):
    update = {"download_cache": str(tmp_path / "cache"), **access}
    return make_app(api_config.model_copy(update={"access": api_config.access.model_copy(update=update)}))


def wait_done(blocks: CsvBlocks, rel: Release, timeout: float = 60) -> dict:
    done = blocks.folder(rel) / "done.json"
    end = time.time() + timeout
    while not done.is_file():
        assert time.time() < end, "the background render did not finish"
        time.sleep(0.05)
    return json.loads(done.read_text())


@pytest.mark.parametrize("query", ["indicator=neet_rate,online_share&level=region", "indicator=neet_rate",
                                   "level=region&period_from=2021", "area={first},{last}",
                                   "indicator=neet_rate&area={first},{last}"])
def test_routes_serve_the_blocks_with_the_same_bytes(api_config, tmp_path, query):
    app = app_with_blocks(api_config, tmp_path, download_cache_mb=0)  # no whole-response cache: always cold
    client = app.test_client()
    codes = app.extensions["openmeasure_api"].public.current().areas["area_code"].tolist()
    query = query.format(first=codes[1], last=codes[-1])
    url = f"/api/v1/data?{query}&format=csv"
    before = client.get(url)  # starts the background render
    assert before.headers["X-OpenMeasure-Render"] == "rendered"
    expected = before.data
    st = app.extensions["openmeasure_api"]
    rel = st.public.current()
    assert wait_done(st.blocks, rel)["complete"]
    for bom in ("", "&bom=true"):
        after = client.get(url + bom)
        assert after.headers["X-OpenMeasure-Render"] == "blocks"
        if not bom:
            assert after.data == expected
        assert after.headers["X-Total-Count"] == before.headers["X-Total-Count"]
        with app.test_request_context(url):  # the query's limits come from the app's OpenAPI document
            q = _query(rel, query)
        assert after.data == reference_csv(rel, q, bool(bom))


def _query(rel: Release, query: str) -> reading.ValueQuery:
    from werkzeug.datastructures import MultiDict

    from dashboard.api.api_routes import value_query
    args = MultiDict([(k, v) for k, v in (kv.split("=") for kv in query.split("&"))])
    return value_query(rel, args, "/api/v1/data")


def test_managers_and_other_formats_are_rendered(api_config, tmp_path):
    app = app_with_blocks(api_config, tmp_path, mode="proxy_header")
    client = app.test_client()
    st = app.extensions["openmeasure_api"]
    st.blocks.render(st.public.current())
    r = client.get("/api/v1/data?indicator=sickness_absence,neet_rate&format=csv",
                   headers={"X-Forwarded-User": "boss"})
    assert r.status_code == 200 and b"sickness_absence" in r.data
    assert r.headers["X-OpenMeasure-Render"] == "rendered"
    assert client.get("/api/v1/data?indicator=neet_rate&format=sdmx-csv").headers["X-OpenMeasure-Render"] \
        == "rendered"
    assert client.get("/api/v1/data?indicator=neet_rate&format=csv").headers["X-OpenMeasure-Render"] == "blocks"


def test_bulk_csv_and_zip_from_blocks_are_unchanged(api_config, tmp_path):
    plain = app_with_blocks(api_config, tmp_path / "a", csv_blocks_mb=0).test_client()
    app = app_with_blocks(api_config, tmp_path / "b")
    st = app.extensions["openmeasure_api"]
    st.blocks.render(st.public.current())
    client = app.test_client()
    url = "/data/releases/current/indicator_values.csv"
    got, want = client.get(url), plain.get(url)
    assert got.headers["X-OpenMeasure-Render"] == "blocks" and want.headers["X-OpenMeasure-Render"] == "rendered"
    assert got.data == want.data
    a = zipfile.ZipFile(io.BytesIO(client.get("/data/releases/current/release.zip").data))
    b = zipfile.ZipFile(io.BytesIO(plain.get("/data/releases/current/release.zip").data))
    assert a.namelist() == b.namelist()
    for name in a.namelist():
        assert a.read(name) == b.read(name), name


@pytest.mark.parametrize("window, chunk", [(16, 5), (64, 1000), (1 << 20, 1 << 20)])
def test_gather_gives_the_ranges_in_order(tmp_path, monkeypatch, window, chunk):
    """Random byte ranges (empty, touching, close together, far apart, long) of a file, against slicing."""
    monkeypatch.setattr(csv_blocks, "WINDOW", window)
    monkeypatch.setattr(csv_blocks, "CHUNK", chunk)
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    path = tmp_path / "data"
    path.write_bytes(b"H" * 11 + data)
    # short ranges in one window followed by a long one; one long range alone; nothing
    fixed = [([0, 3, 6, 4100], [2, 5, 4000, 4999]), ([10], [4990]), ([5, 5], [5, 5])]
    for n in range(50 + len(fixed)):
        if n < len(fixed):
            lo, hi = np.array(fixed[n][0], np.int64), np.array(fixed[n][1], np.int64)
            with open(path, "rb") as fh:
                got = b"".join(csv_blocks._gather(fh.fileno(), 11, lo, hi))
            assert got == b"".join(data[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True))
            continue
        cuts = np.sort(rng.choice(len(data) + 1, size=2 * int(rng.integers(1, 40)), replace=False))
        lo, hi = cuts[0::2].astype(np.int64), cuts[1::2].astype(np.int64)
        if rng.random() < 0.3:  # some touching and empty ranges, as rows that are not public give
            hi = np.minimum(hi, np.concatenate((lo[1:], [hi[-1]])))
            lo[1:] = np.where(rng.random(len(lo) - 1) < 0.5, hi[:-1], lo[1:])
        with open(path, "rb") as fh:
            got = b"".join(csv_blocks._gather(fh.fileno(), 11, lo, hi))
        assert got == b"".join(data[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True))
