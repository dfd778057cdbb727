"""A streaming OpenDocument spreadsheet (``.ods``) writer, built the way xlsx.py builds a workbook: the
``content.xml`` of each record batch is made column-wise with Arrow compute kernels and written straight
into a zip stream, one batch in memory at a time.

(pandas can write ODS through odfpy, but odfpy builds the whole document as a tree of Python objects: about
a minute for 20,000 rows of ten columns, far too slow and too large for a download of up to
``access.max_rows_xlsx`` rows. odfpy is used by the tests, to read the files back.) Two sheets, as in the
xlsx: ``data`` and ``metadata``. Numbers are float cells (their exact value in ``office:value``), text is
string cells; empty and non-finite values are empty cells. Runs of spaces, tabs and line breaks are written
as ODF's ``text:s``, ``text:tab`` and ``text:line-break`` (plain white space in a paragraph is collapsed).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.compute as pc

from dashboard.api.formats import CHUNK, _Sink
from dashboard.api.xlsx import WORDS

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
         'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
         "<office:body><office:spreadsheet>")
_TAIL = "</office:spreadsheet></office:body></office:document-content>"
_BAD_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
#: Plain text -> ODF paragraph content, in this order (escape first; white space ODF would collapse last).
_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r\n", "\n"), ("\r", "\n"),
         ("\t", "<text:tab/>"), ("\n", "<text:line-break/>"), ("  ", " <text:s/>"))
_EMPTY = "<table:table-cell/>"


def _paragraph(text: pa.Array) -> pa.Array:
    """Text as the content of a ``text:p`` (escaped; the white space a reader would collapse kept)."""
    text = pc.replace_substring_regex(text, _BAD_XML, "")
    for a, b in _TEXT:
        text = pc.replace_substring(text, a, b)
    # "   " became " <text:s/> ": a space next to an element is kept; a leading or trailing one is not
    text = pc.replace_substring_regex(text, "^ ", "<text:s/>")
    return pc.replace_substring_regex(text, " $", "<text:s/>")


def _cells(col: pa.Array) -> pa.Array:
    """One ``table:table-cell`` element per value (an empty cell where there is none)."""
    t = col.type
    if pa.types.is_floating(t) or pa.types.is_integer(t):
        if pa.types.is_floating(t):
            col = pc.if_else(pc.is_finite(col), col, pa.scalar(None, t))
        text = pc.cast(col, pa.string())
        cell = pc.binary_join_element_wise('<table:table-cell office:value-type="float" office:value="', text,
                                           '"><text:p>', text, "</text:p></table:table-cell>", "")
    else:
        text = _paragraph(pc.cast(col, pa.string()) if not pa.types.is_string(t) else col)
        cell = pc.binary_join_element_wise('<table:table-cell office:value-type="string"><text:p>', text,
                                           "</text:p></table:table-cell>", "")
    return pc.fill_null(cell, _EMPTY)


def _rows_xml(batch: pa.RecordBatch) -> bytes:
    cells = [_cells(col) for col in batch.columns]
    xml = pc.binary_join_element_wise("<table:table-row>", *cells, "</table:table-row>", "")
    return "".join(xml.to_pylist()).encode()


def _plain_rows(rows: list[list[str]]) -> bytes:
    """Rows of text (the header, the metadata sheet); an empty row is a row of one empty cell."""
    width = max((len(r) for r in rows), default=1)
    table = pa.table({str(i): pa.array([str(r[i]) if i < len(r) else None for r in rows], pa.string())
                      for i in range(width)})
    return b"".join(_rows_xml(b) for b in table.to_batches())


def _table(name: str) -> str:
    return f'<table:table table:name="{escape(name, {chr(34): "&quot;"})}">'


def ods_stream(schema: pa.Schema, batches: Iterable[pa.RecordBatch],
               metadata_rows: list[tuple[str, str]], column_text: dict[str, str],
               words: dict[str, str] | None = None) -> Iterator[bytes]:
    """The values (sheet ``data``, a header row first) and their metadata (sheet ``metadata``: the same rows
    as the xlsx's) as an OpenDocument spreadsheet; ``words``: the sheets' names and the metadata sheet's
    headers in the download's language (xlsx.WORDS)."""
    words = {**WORDS, **(words or {})}
    sink = _Sink()
    now = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1,
                         allowZip64=True) as zf:
        # the package's media type: first, uncompressed (ODF 1.2 part 3, 3.3)
        zf.writestr(zipfile.ZipInfo("mimetype", now), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        zf.writestr(zipfile.ZipInfo("META-INF/manifest.xml", now), _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("content.xml", now)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, mode="w", force_zip64=True) as content:
            content.write((_HEAD + _table(words["data"])).encode() + _plain_rows([schema.names]))
            for batch in batches:
                content.write(_rows_xml(batch))
                if sum(map(len, sink.parts)) >= CHUNK:
                    yield sink.take()
            meta = [[words["field"], words["value"]], *[[k, v] for k, v in metadata_rows], [],
                    [words["column"], words["description"]], *[[n, column_text.get(n, "")] for n in schema.names]]
            content.write(("</table:table>" + _table(words["metadata"])).encode() + _plain_rows(meta)
                          + ("</table:table>" + _TAIL).encode())
    yield sink.take()
