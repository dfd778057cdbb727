"""The OpenDocument spreadsheet download (format=ods): read back with pandas (odfpy), it holds the values of the
CSV and the xlsx, and the same metadata sheet as the xlsx."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from tests.dashboard.api.conftest import make_app
from tests.dashboard.api.test_downloads import api_json, read_csv, same

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

ODS = "application/vnd.oasis.opendocument.spreadsheet"
#: Every level of one year: municipalities with withheld (suppressed) cells among them.
Q = "indicator=neet_rate,online_share&period_from=2020&period_to=2020"


def read_ods(data: bytes) -> dict[str, pd.DataFrame]:
    return pd.read_excel(io.BytesIO(data), engine="odf", sheet_name=None, dtype=object)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def test_ods_holds_the_values_of_the_csv_and_the_xlsx(client):
    r = client.get(f"/api/v1/data?{Q}&format=ods")
    assert r.status_code == 200 and r.headers["Content-Type"] == ODS
    assert r.headers["Content-Disposition"].endswith('-data.ods"')
    sheets = read_ods(r.data)
    assert list(sheets) == ["data", "metadata"]
    ods = sheets["data"]
    same(ods, read_csv(client.get(f"/api/v1/data?{Q}&format=csv").data))
    same(ods, api_json(client, Q))
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/data?{Q}&format=xlsx").data), read_only=True)
    rows = list(wb["data"].values)
    same(ods, pd.DataFrame(rows[1:], columns=rows[0]))
    assert (ods["status"] == "suppressed").any() and ods.loc[ods["status"] == "suppressed", "value"].isna().all()


def test_ods_carries_the_xlsx_metadata_sheet(client):
    ods = read_ods(client.get(f"/api/v1/data?{Q}&format=ods").data)["metadata"]
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/data?{Q}&format=xlsx").data), read_only=True)
    xlsx = [tuple(_text(v) for v in r) for r in wb["metadata"].values]
    ours = [tuple(_text(v) for v in ods.columns), *(tuple(_text(v) for v in r) for r in ods.itertuples(index=False))]
    # the metadata names the URL it came from: the same but for the format
    xlsx = [tuple(v.replace("format=xlsx", "format=ods") for v in r) for r in xlsx]
    assert [r for r in ours if any(r)] == [r for r in xlsx if any(r)]
    fields = {r[0] for r in ours}
    for field in ("Licence", "Citation", "Indicator neet_rate: methodology", "Status 'suppressed'", "value"):
        assert field in fields


def test_ods_is_capped_like_the_xlsx(api_config):
    access = api_config.access.model_copy(update={"max_rows": 100, "max_rows_xlsx": 50})
    client = make_app(api_config.model_copy(update={"access": access})).test_client()
    r = client.get("/api/v1/data?indicator=neet_rate&format=ods&level=municipality")
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "format"
    assert "more than the 50" in r.get_json()["error"]["message"]


def test_ods_writer_keeps_exact_numbers_white_space_and_escapes_text():
    from odf import table, teletype
    from odf.opendocument import load

    from dashboard.api.ods import MIMETYPE, ods_stream

    batch = pa.RecordBatch.from_pydict({
        "text": ["<a & b>", "tab\there\x01", None, "  two  spaces   x ", "line\nbreak"],
        "x": [10.916824361902696, float("nan"), float("inf"), -2.5, 0.1 + 0.2],
        "n": [1, None, 2**40, 3, -4]})
    data = b"".join(ods_stream(batch.schema, [batch, batch.slice(0, 1)], [("Title", "A & <B>")], {"x": "a number"}))
    z = zipfile.ZipFile(io.BytesIO(data))
    first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert z.read("mimetype").decode() == MIMETYPE
    doc = load(io.BytesIO(data))
    sheets = doc.spreadsheet.getElementsByType(table.Table)
    assert [s.getAttribute("name") for s in sheets] == ["data", "metadata"]

    def cells(sheet):
        return [[(c.getAttribute("valuetype"), c.getAttribute("value"), teletype.extractText(c))
                 for c in row.getElementsByType(table.TableCell)] for row in sheet.getElementsByType(table.TableRow)]
    rows = cells(sheets[0])
    assert [c[2] for c in rows[0]] == ["text", "x", "n"] and len(rows) == 7
    assert rows[1] == [("string", None, "<a & b>"), ("float", "10.916824361902696", "10.916824361902696"),
                       ("float", "1", "1")]
    assert rows[2] == [("string", None, "tab\there"), (None, None, ""), (None, None, "")]
    assert rows[3][0] == (None, None, "") and rows[3][2][1] == str(2**40)
    assert rows[4][0][2] == "  two  spaces   x " and rows[5][0][2] == "line\nbreak"
    assert float(rows[5][1][1]) == 0.1 + 0.2
    meta = [[c[2] for c in r] for r in cells(sheets[1])]
    assert ["Title", "A & <B>"] in meta and ["x", "a number"] in meta
    back = pd.read_excel(io.BytesIO(data), engine="odf", sheet_name="data")
    assert back["x"].iloc[0] == 10.916824361902696 and pd.isna(back["x"].iloc[1])
    assert back["n"].iloc[2] == 2**40
