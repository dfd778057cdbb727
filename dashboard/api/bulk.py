"""The whole public release as files: each on its own URL, and all of them as one streamed zip.

Built from the public reader only, so internal indicators never enter a bulk file. Names are looked up in
:data:`FILES` (a fixed table); no file name from a request ever reaches the file system.

    release.zip                           everything below in a format that goes in the zip (ZIP_MEMBERS)
    indicator_values.parquet / .csv       every public value (suppressed cells withheld, with their flag)
    indicator_values.csv-metadata.json    CSVW description of the CSV (and areas.csv-, indicators.csv-...)
    indicator_values.sdmx.csv             the values in SDMX-CSV 1.0
    indicator_values.sdmx2.csv            the values in SDMX-CSV 2.0 (its structure: /api/v1/sdmx/structure)
    areas.parquet / .csv, indicators.parquet / .csv
    datapackage.json                      Frictionless data package describing the files
    README.md                             licence, citation, indicators, status words

``?lang=`` (a language of ``languages.available``; default ``languages.default``) sets the language of the
words: the README, the CSVW metadata and datapackage.json (titles, descriptions, status sentences). The data
files (Parquet, CSV, SDMX-CSV) are the same bytes in every language: values, codes and column names never
change with it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator

import orjson
import pyarrow as pa

from core import schema
from core.config_models import Config
from core.layout import PARQUET_MISSING
from core.licences import licence_entry
from dashboard.api import formats, reading, sdmx
from dashboard.api.csv_blocks import CsvBlocks
from dashboard.api.download_formats import BY_EXTENSION, FORMATS
from dashboard.api.formats import _Sink
from dashboard.api.metadata import csvw, download_metadata, frictionless_fields, readme
from dashboard.api.tables import flat_table, public_areas
from dashboard.release_reader import Release

ALL = reading.ValueQuery()


_META: dict[tuple[str, bool, str, str | None], dict] = {}


def release_metadata(rel: Release, base_url: str, config: Config | None = None, lang: str | None = None) -> dict:
    """The metadata of the whole release (kept per release and language: a release never changes); in ``lang``
    with ``config`` (the served one: its translations), else in the release's own words without a ``lang``."""
    key = (str(rel.path), rel.include_internal, base_url, lang if config is not None else None)
    if key not in _META:
        if len(_META) > 64:
            _META.clear()
        _META[key] = download_metadata(rel, indicator_ids=None, periods=reading.period_span(rel, ALL),
                                       base_url=base_url, url=f"{base_url}data/releases/{rel.id}/release.zip",
                                       config=config, lang=lang if config is not None else None)
    return _META[key]


def _values_parquet(rel: Release, base: str, **_words) -> Iterator[bytes]:
    # the release's own words in every language: a data file is the same bytes whatever the language
    return formats.parquet_stream(reading.value_schema(rel), reading.batches(rel, ALL), release_metadata(rel, base))


def values_csv(rel: Release, base: str, blocks: CsvBlocks | None = None, **_words) -> Iterator[bytes]:
    """Every public value as CSV: from the release's pre-rendered CSV blocks when they are all there."""
    if blocks is not None:
        parts = reading.plan(rel, ALL)
        body = blocks.csv_body(rel, reading.value_schema(rel), parts)
        if body is not None:
            return body
        return formats.csv_stream(reading.value_schema(rel), reading.batches(rel, ALL, parts=parts))
    return formats.csv_stream(reading.value_schema(rel), reading.batches(rel, ALL))


def _values_sdmx(rel: Release, base: str, **_words) -> Iterator[bytes]:
    units = dict(zip(rel.indicators["id"], rel.indicators["unit"], strict=True))
    return formats.csv_stream(formats.sdmx_schema(), (
        formats.sdmx_batch(b, units) for b in reading.batches(rel, ALL, formats.SDMX_SOURCE_COLUMNS)))


def _values_sdmx2(rel: Release, base: str, **_words) -> Iterator[bytes]:
    units = dict(zip(rel.indicators["id"], rel.indicators["unit"], strict=True))
    return formats.csv_stream(sdmx.sdmx2_schema(), (
        sdmx.sdmx2_batch(b, units) for b in reading.batches(rel, ALL, formats.SDMX_SOURCE_COLUMNS)))


def _small(table: Callable[[Release], pa.Table], fmt: str) -> Callable[..., Iterator[bytes]]:
    def write(rel: Release, base: str, **_words) -> Iterator[bytes]:
        t = table(rel)
        if fmt == "csv":
            return formats.csv_stream(t.schema, t.to_batches())
        return formats.parquet_stream(t.schema, t.to_batches(), {"release": rel.id})
    return write


def _areas(rel: Release) -> pa.Table:
    return flat_table(public_areas(rel.areas))


def _indicators(rel: Release) -> pa.Table:
    return pa.Table.from_pandas(rel.indicators, preserve_index=False)


def _csvw(rel: Release, base: str, config: Config | None = None, lang: str | None = None) -> Iterator[bytes]:
    fields = [(f.name, str(f.type)) for f in reading.value_schema(rel)]
    yield orjson.dumps(csvw(release_metadata(rel, base, config, lang), "indicator_values.csv", fields),
                       option=orjson.OPT_INDENT_2)


def _table_csvw(table: Callable[[Release], pa.Table], csv_name: str, declared: schema.Table
                ) -> Callable[..., Iterator[bytes]]:
    """The CSVW metadata of a small table's CSV (at the default place a CSVW processor looks for it), its
    columns described as ``declared`` (core.schema) describes them."""
    def write(rel: Release, base: str, config: Config | None = None, lang: str | None = None) -> Iterator[bytes]:
        fields = [(f.name, str(f.type)) for f in table(rel).schema]
        yield orjson.dumps(csvw(release_metadata(rel, base, config, lang), csv_name, fields, declared),
                           option=orjson.OPT_INDENT_2)
    return write


def _datapackage(rel: Release, base: str, config: Config | None = None, lang: str | None = None
                 ) -> Iterator[bytes]:
    yield orjson.dumps(datapackage(rel, base, config, lang), option=orjson.OPT_INDENT_2)


def _readme(rel: Release, base: str, config: Config | None = None, lang: str | None = None) -> Iterator[bytes]:
    yield readme(release_metadata(rel, base, config, lang), ZIP_MEMBERS, reading.value_schema(rel).names).encode()


#: name -> (media type, writer): a writer takes the release, the base URL and, as keywords, ``config`` and
#: ``lang`` (the words' language: only the README and the metadata files use them).
FILES: dict[str, tuple[str, Callable[..., Iterator[bytes]]]] = {
    "indicator_values.parquet": (FORMATS["parquet"].mime, _values_parquet),
    "indicator_values.csv": (FORMATS["csv"].mime, values_csv),
    "indicator_values.csv-metadata.json": ("application/csvm+json", _csvw),
    "indicator_values.sdmx.csv": (FORMATS["sdmx-csv"].mime, _values_sdmx),
    "indicator_values.sdmx.csv-metadata.json": ("application/csvm+json", _table_csvw(
        lambda rel: formats.sdmx_schema().empty_table(), "indicator_values.sdmx.csv", schema.SDMX_VALUES)),
    "indicator_values.sdmx2.csv": (FORMATS["sdmx-csv2"].mime, _values_sdmx2),
    "indicator_values.sdmx2.csv-metadata.json": ("application/csvm+json", _table_csvw(
        lambda rel: sdmx.sdmx2_schema().empty_table(), "indicator_values.sdmx2.csv", schema.SDMX2_VALUES)),
    "areas.parquet": (FORMATS["parquet"].mime, _small(_areas, "parquet")),
    "areas.csv": (FORMATS["csv"].mime, _small(_areas, "csv")),
    "areas.csv-metadata.json": ("application/csvm+json", _table_csvw(_areas, "areas.csv", schema.AREAS)),
    "indicators.parquet": (FORMATS["parquet"].mime, _small(_indicators, "parquet")),
    "indicators.csv": (FORMATS["csv"].mime, _small(_indicators, "csv")),
    "indicators.csv-metadata.json": ("application/csvm+json", _table_csvw(_indicators, "indicators.csv",
                                                                            schema.INDICATORS)),
    "datapackage.json": ("application/json", _datapackage),
    "README.md": ("text/markdown; charset=utf-8", _readme),
}


def in_language(name: str) -> bool:
    """Whether a release file's words follow ``?lang=`` (the README, the metadata files, the zip holding them);
    a data file is the same bytes in every language."""
    return name in ("release.zip", "README.md", "datapackage.json") or name.endswith("-metadata.json")


#: The release files each bulk file is made from (``release.zip``: all of them).
SOURCES = {"areas": ("areas.parquet", "indicators.parquet"),
           "indicators": ("indicators.parquet",)}
ALL_SOURCES = ("indicator_values.parquet", "areas.parquet", "indicators.parquet")


def verify_before_sending(rel: Release, name: str) -> None:
    """Every release file the bulk file ``name`` is made from matches its manifest checksum (hashed once per
    process and release): checked before the first byte, so a damaged release answers 503 rather than a 200
    that breaks off mid-way."""
    for source in SOURCES.get(name.split(".", 1)[0], ALL_SOURCES):
        rel.verified(source)


def datapackage(rel: Release, base: str, config: Config | None = None, lang: str | None = None) -> dict:
    """Frictionless data package (v1 profile) describing the public files of a release (its title and the
    fields' descriptions in ``lang``)."""
    meta = release_metadata(rel, base, config, lang)
    lang = meta.get("lang") or "en"
    values = [(f.name, str(f.type)) for f in reading.value_schema(rel)]
    areas = [(f.name, str(f.type)) for f in _areas(rel).schema]
    inds = [(f.name, str(f.type)) for f in _indicators(rel).schema]
    sources = {}
    for ind in meta["indicators"]:
        for s in ind["sources"]:
            sources[s.get("id") or s.get("title")] = {k: v for k, v in
                                                      (("title", s.get("title")), ("path", s.get("url"))) if v}
    res = []
    for declared, fields in ((schema.INDICATOR_VALUES, values), (schema.AREAS, areas), (schema.INDICATORS, inds)):
        name, pk = declared.name, list(declared.primary_key)
        res.append({"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
                    "encoding": "utf-8", "schema": {"fields": frictionless_fields(fields, declared, lang),
                                                    "primaryKey": pk}})
        res.append({"name": f"{name}_parquet", "path": f"{name}.parquet", "format": "parquet",
                    "mediatype": "application/vnd.apache.parquet",
                    "schema": {"fields": frictionless_fields(fields, declared, lang), "primaryKey": pk,
                               "missingValues": PARQUET_MISSING}})
    return {
        "profile": "data-package", "name": f"openmeasure-{rel.id.lower()}", "id": rel.id,
        "title": meta["title"], "created": meta["release"]["created"], "version": rel.id,
        "licenses": [licence_entry(meta["licence"])] if meta["licence"] else [], "citation": meta["citation"],
        "contributors": [{"title": meta["attribution"], "role": "publisher"}] if meta["attribution"] else [],
        "sources": list(sources.values()),
        "keywords": sorted(set(rel.indicators["theme"])),
        "homepage": f"{base}data", "resources": res,
    }


#: The tables of a release: their files (``areas.csv``, ``areas.csv-metadata.json``) are in the zip when their
#: format is (download_formats: ``in_zip``); the other files always.
TABLES = ("indicator_values", "areas", "indicators")


def _in_zip(name: str) -> bool:
    stem, _, ending = name.removesuffix("-metadata.json").partition(".")
    return stem not in TABLES or BY_EXTENSION[ending].in_zip


ZIP_MEMBERS = [n for n in FILES if _in_zip(n)]


def zip_stream(rel: Release, base: str, blocks: CsvBlocks | None = None, config: Config | None = None,
               lang: str | None = None) -> Iterator[bytes]:
    """The release as one zip, written member by member into a sink that is emptied as it fills (the
    values' CSV from ``blocks`` when they have it; the README and metadata files in ``lang``)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1,
                         allowZip64=True) as zf:
        for name in ZIP_MEMBERS:
            kind = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(f"openmeasure-{rel.id}/{name}", date_time=_date(rel))
            info.compress_type = kind
            with zf.open(info, mode="w", force_zip64=True) as member:
                write = FILES[name][1]
                for chunk in (values_csv(rel, base, blocks) if write is values_csv
                              else write(rel, base, config=config, lang=lang)):
                    member.write(chunk)
                    if sum(map(len, sink.parts)) >= formats.CHUNK:
                        yield sink.take()
            yield sink.take()
    yield sink.take()


def _date(rel: Release) -> tuple[int, int, int, int, int, int]:
    """The release time as the members' date (zip dates run from 1980 to 2107)."""
    rid = rel.id
    return (min(max(int(rid[0:4]), 1980), 2107), int(rid[4:6]), int(rid[6:8]), int(rid[9:11]), int(rid[11:13]), int(rid[13:15]))
