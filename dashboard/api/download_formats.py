"""Every download format of the values, in one table: its name, file ending, media type, words, EU file type,
where it is offered and the function that writes it.

Everything that names a format reads :data:`FORMATS`: the ``format`` parameter of ``/api/v1/data`` and its
OpenAPI enum and response media types, the Content-Type and file name of a download, the row cap of a
spreadsheet, the DCAT-AP catalogue's distributions, the ``/data`` page, the dashboard's download links and
which release files go in the bulk zip. Adding a format is one entry here and its writer; the tests
(tests/dashboard/api/test_download_formats.py) check that every entry is served, documented, catalogued and linked.

A writer takes :class:`Values` (the schema, a way to read the batches, the metadata on demand) and yields
the bytes of the file, one batch in memory at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from dashboard.api import formats, ods, sdmx, xlsx
from dashboard.api.metadata import metadata_rows, sheet_columns, sheet_words
from dashboard.api.vocabularies import AUTHORITY

#: The EU Publications Office's file-type authority table (DCAT-AP's ``dct:format``).
FILE_TYPES = AUTHORITY + "file-type/"


@dataclass(frozen=True)
class Values:
    """What a writer gets: the values' schema, their batches (``batches(columns)``: every column for None),
    their metadata (a call: only the formats that embed it pay for the scan), each indicator's unit, each
    column's description, and whether a CSV starts with a byte-order mark."""
    schema: pa.Schema
    batches: Callable[[list[str] | None], Iterable[pa.RecordBatch]]
    metadata: Callable[[], dict]
    units: Callable[[], dict[str, str]]
    column_text: dict[str, str]
    bom: bool = False


Writer = Callable[[Values], Iterator[bytes]]


@dataclass(frozen=True)
class DownloadFormat:
    """One download format.

    ``name`` is the value of ``format=``; ``extension`` ends the file name; ``mime`` is the Content-Type sent;
    ``label`` the words of a link ("Excel"); ``file_type`` the code of the EU file-type table. ``writer``
    writes it; only a ``paged`` format (JSON, answered page by page by the route itself) has none.
    ``spreadsheet``: capped at ``access.max_rows_xlsx`` rows (a sheet's limit). ``in_zip``: the release's
    tables in this format go in the bulk zip (the files themselves are listed in bulk.FILES). ``in_views``:
    offered under every chart and table of the dashboard; ``on_area_page``: on the area profile.
    ``media_type``: the IANA media type of its DCAT distribution, when the one sent is not registered there;
    ``catalogue_id`` / ``catalogue_label``: its distribution's fragment and words, when not name and label.
    """
    name: str
    extension: str
    mime: str
    label: str
    file_type: str
    writer: Writer | None
    paged: bool = False
    spreadsheet: bool = False
    in_zip: bool = False
    in_views: bool = True
    on_area_page: bool = False
    media_type: str | None = None
    catalogue_id: str | None = None
    catalogue_label: str | None = None

    def __post_init__(self):
        if self.writer is None and not self.paged:
            raise ValueError(f"download format {self.name!r} has no writer: give DownloadFormat(writer=...) a "
                             "function that turns Values into bytes (see download_formats.py)")

    @property
    def file_type_iri(self) -> str:
        return FILE_TYPES + self.file_type

    @property
    def bare_mime(self) -> str:
        """The media type without parameters (``text/csv``), as OpenAPI documents it."""
        return self.mime.split(";")[0].strip()

    @property
    def text(self) -> bool:
        """Text (a charset), not binary."""
        return "charset=" in self.mime

    @property
    def long_label(self) -> str:
        """The label with the file type when the label does not say it: "Excel (XLSX)", "CSV"."""
        return self.label if self.label.upper() == self.file_type else f"{self.label} ({self.file_type})"


def _csv(v: Values) -> Iterator[bytes]:
    return formats.csv_stream(v.schema, v.batches(None), v.bom)


def _parquet(v: Values) -> Iterator[bytes]:
    return formats.parquet_stream(v.schema, v.batches(None), v.metadata())


def _xlsx(v: Values) -> Iterator[bytes]:
    meta = v.metadata()
    return xlsx.xlsx_stream(v.schema, v.batches(None), metadata_rows(meta), sheet_columns(meta, v.schema.names),
                            sheet_words(meta))


def _ods(v: Values) -> Iterator[bytes]:
    meta = v.metadata()
    return ods.ods_stream(v.schema, v.batches(None), metadata_rows(meta), sheet_columns(meta, v.schema.names),
                          sheet_words(meta))


def _sdmx(v: Values) -> Iterator[bytes]:
    units = v.units()
    return formats.csv_stream(formats.sdmx_schema(), (
        formats.sdmx_batch(b, units) for b in v.batches(formats.SDMX_SOURCE_COLUMNS)))


def _sdmx2(v: Values) -> Iterator[bytes]:
    units = v.units()
    return formats.csv_stream(sdmx.sdmx2_schema(), (
        sdmx.sdmx2_batch(b, units) for b in v.batches(formats.SDMX_SOURCE_COLUMNS)))


#: Every format, in the order people are offered them.
FORMATS: dict[str, DownloadFormat] = {f.name: f for f in (
    DownloadFormat("csv", "csv", "text/csv; charset=utf-8", "CSV", "CSV", _csv, in_zip=True, on_area_page=True),
    DownloadFormat("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel",
                   "XLSX", _xlsx, spreadsheet=True, on_area_page=True),
    DownloadFormat("ods", "ods", ods.MIMETYPE, "OpenDocument", "ODS", _ods, spreadsheet=True, on_area_page=True),
    DownloadFormat("parquet", "parquet", "application/vnd.apache.parquet", "Parquet", "PARQUET", _parquet,
                   in_zip=True),
    DownloadFormat("json", "json", "application/json", "JSON", "JSON", None, paged=True,
                   catalogue_label="JSON API"),
    DownloadFormat("sdmx-csv", "sdmx.csv", "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
                   "SDMX-CSV", "CSV", _sdmx, in_views=False, media_type="text/csv", catalogue_id="sdmx"),
    DownloadFormat("sdmx-csv2", "sdmx2.csv", "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
                   "SDMX-CSV 2.0", "CSV", _sdmx2, in_views=False, media_type="text/csv", catalogue_id="sdmx2"),
)}
#: The format of a release file by its ending (``indicator_values.sdmx.csv`` -> sdmx-csv).
BY_EXTENSION = {f.extension: f for f in FORMATS.values()}
#: The format a request without ``format=`` gets: the paged one.
DEFAULT = next(f.name for f in FORMATS.values() if f.paged)
#: The values of ``format=`` on /api/v1/data, the default first (the OpenAPI enum).
PARAMETER_VALUES = (DEFAULT, *(n for n in FORMATS if n != DEFAULT))
#: The formats of the small tables (/api/v1/indicators, /api/v1/areas), which have no other writer.
TABLE_FORMATS = (DEFAULT, "csv")
