"""The open data's files in the reader's language (``?lang=``): the zip's README, its metadata files, the
spreadsheets' metadata sheet. Only words change: the data files are the same bytes in every language."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from core import i18n, schema, statuses
from dashboard.api import bulk, metadata, words


def _zip(client, lang: str | None) -> dict[str, bytes]:
    resp = client.get("/data/releases/current/release.zip" + (f"?lang={lang}" if lang else ""))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    return {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}


def test_the_marked_words_are_core_s_own_english():
    """words.py marks core's texts for the catalogue: they must stay the same, word for word."""
    assert words.status_texts("en") == statuses.LONG_TEXT
    for table, marked in ((schema.INDICATOR_VALUES, words.VALUE_COLUMNS), (schema.AREAS, words.AREA_COLUMNS),
                          (schema.INDICATORS, words.INDICATOR_COLUMNS)):
        assert words.column_texts("en", table) == {f.name: table.describe(f.name) for f in table.schema}
        assert {n: table.describe(n) for n in marked} == marked, table.name
        unmarked = set(table.names) - set(marked) - {"bucket", *words._SIG_WITH}
        assert not unmarked, f"{table.name}: mark the description of {sorted(unmarked)} in dashboard/api/words.py"
        assert all(words.column_text(table, n, "fr") != table.describe(n) for n in marked), table.name


def _english_sentences() -> set[str]:
    """Every English text the README may say (its own words, the status sentences, the columns')."""
    said = {t.split("{")[0].strip() for t in metadata.README.values()}
    said |= set(statuses.LONG_TEXT.values()) | {schema.INDICATOR_VALUES.describe(f.name)
                                                for f in schema.INDICATOR_VALUES.schema}
    return {s for s in said if len(s) > 6}


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_zip_s_readme_is_in_the_language_asked_for(client, lang):
    readme = _zip(client, lang)["README.md"].decode()
    left = sorted(s for s in _english_sentences() if s in readme)
    assert not left, f"English left in the {lang} README: {left[:5]}"
    heading = {"de": "## Lizenz und Zitierweise", "fr": "## Licence et citation"}[lang]
    assert heading in readme and ("Erwerbstätige Einwohner" if lang == "de" else "Habitants en emploi") in readme
    # the release's date in the language's words (the manifest's ISO timestamp is not shown)
    month = {"de": "Dezember|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November",
             "fr": "décembre|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre"}[lang]
    assert re.search(rf"\d{{1,2}}\.? ({month}) \d{{4}}", readme), readme[:300]
    assert not re.search(r"\d{4}-\d\d-\d\dT", readme.split("\n## ")[0])
    # the publication's attribution and citation from the config's translations (publication.citation)
    words_of = {"de": ("OpenMeasure-Demo (synthetische Daten)", "OpenMeasure-Demo, Veröffentlichung 2"),
                "fr": ("Démonstration OpenMeasure (données synthétiques)", "Démonstration OpenMeasure, version 2")}
    assert all(w in readme for w in words_of[lang]) and "OpenMeasure demo" not in readme
    # the sources' titles and publishers from the config's translations (sources[].translations)
    source = {"de": "Kommunale Dienstleistungsregister (synthetisch) (Ministerium für öffentliche Verwaltung",
              "fr": "Registres des services communaux (synthétiques) (Ministère vélorien"}[lang]
    assert source in readme and "Council service records" not in readme
    english = _zip(client, None)["README.md"].decode()
    assert "## Licence and citation" in english and "## Status of a value" in english


def test_the_readme_writes_numbers_as_the_language_does():
    meta = {"title": "T", "release": {"id": "R", "created": "2026-12-07T10:00:00Z"}, "licence": "CC-BY-4.0",
            "attribution": "A", "citation": "C", "synthetic": False, "lang": "de", "status": {},
            "indicators": [{"id": "x", "title": "X", "unit": "je 1000", "multiplier": 1000, "decimals": 1,
                            "licence": "L", "attribution": "A", "methodology": "M", "methodology_page": "p",
                            "methodology_url": "u", "sources": [], "caveats": ""}]}
    de = metadata.readme(meta, [])
    assert "Multiplikator 1.000" in de and "7. Dezember 2026" in de and "keine angegeben" in de
    fr = metadata.readme({**meta, "lang": "fr"}, [])
    assert f"multiplicateur 1{i18n.number(1000, 'fr')[1]}000" in fr and "7 décembre 2026" in fr


def test_the_data_files_are_the_same_bytes_in_every_language(client):
    en, fr, de = (_zip(client, lang) for lang in (None, "fr", "de"))
    assert en.keys() == fr.keys() == de.keys()
    data = [n for n in en if not bulk.in_language(n)]
    assert {"indicator_values.parquet", "indicator_values.csv", "areas.csv", "indicators.parquet"} <= set(data)
    for name in data:
        assert en[name] == fr[name] == de[name], name
    for name in ("README.md", "datapackage.json", "indicator_values.csv-metadata.json"):
        assert en[name] != fr[name] != de[name], name
    single = client.get("/data/releases/current/indicator_values.csv?lang=de")
    assert single.status_code == 200 and single.data == en["indicator_values.csv"]
    assert client.get("/data/releases/current/README.md?lang=it").get_json()["error"]["parameter"] == "lang"


def test_each_language_of_a_release_file_is_its_own_representation(client):
    en = client.get("/data/releases/current/README.md")
    fr = client.get("/data/releases/current/README.md?lang=fr")
    assert en.headers["ETag"] != fr.headers["ETag"] and en.data != fr.data
    assert (en.headers["Content-Language"], fr.headers["Content-Language"]) == ("en", "fr")
    assert "Content-Language" not in client.get("/data/releases/current/areas.csv?lang=fr").headers
    again = client.get("/data/releases/current/README.md?lang=fr")  # from the download cache when it is on
    assert again.data == fr.data


def test_the_metadata_files_of_the_zip_speak_the_language(client):
    import json

    fr = _zip(client, "fr")
    csvw = json.loads(fr["indicator_values.csv-metadata.json"])
    assert csvw["@context"][1] == {"@language": "fr"}
    columns = {c["name"]: c for c in csvw["tableSchema"]["columns"]}
    assert columns["value"]["dc:description"] == "La valeur de l’indicateur, dans l’unité de l’indicateur."
    assert columns["value"]["titles"] == "value"  # the header's name: what a CSVW processor matches
    assert csvw["notes"][0]["status"]["suppressed"].startswith("Non diffusé pour protéger les personnes")
    areas = json.loads(fr["areas.csv-metadata.json"])
    described = {c["name"]: c["dc:description"] for c in areas["tableSchema"]["columns"]}
    assert described["name"] == "Nom du territoire."
    sdmx = json.loads(fr["indicator_values.sdmx.csv-metadata.json"]) if "indicator_values.sdmx.csv-metadata.json" \
        in fr else json.loads(client.get("/data/releases/current/indicator_values.sdmx.csv-metadata.json?lang=fr").data)
    columns = {c["name"]: c["dc:description"] for c in sdmx["tableSchema"]["columns"]}
    assert columns["LOWER_CI"] == "Borne inférieure de l’intervalle de confiance à 95 %."  # the same words
    assert columns["OBS_STATUS"] == {"@value": "SDMX observation status (CL_OBS_STATUS).", "@language": "en"}
    package = json.loads(fr["datapackage.json"])
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert fields["area_code"]["description"] == "Code du territoire."
    assert package["title"].startswith("République de Vélorie")


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_the_xlsx_metadata_sheet_of_lang_fr_is_french(client):
    query = "/api/v1/data?indicator=employed&level=region&period_from=2020&period_to=2020&format=xlsx"
    en, fr = _sheets(client.get(query).data), _sheets(client.get(query + "&lang=fr").data)
    assert list(en) == ["data", "metadata"] and list(fr) == ["données", "métadonnées"]
    assert fr["données"] == en["data"]  # values and codes never change with the language
    rows = {r[0]: r[1] for r in fr["métadonnées"] if r and r[0]}
    assert rows["champ"] == "valeur" and rows["colonne"] == "description"
    assert rows["Titre"].startswith("République de Vélorie") and rows["Langue"] == "fr"
    assert rows["Indicateur employed : unité"] == "personnes"
    assert rows["value"] == "La valeur de l’indicateur, dans l’unité de l’indicateur."
    assert rows["Statut « suppressed »"].startswith("Non diffusé")
    english = {r[0] for r in en["metadata"] if r and r[0]}
    assert not ({k for k in rows if not re.fullmatch(r"[a-z_]+", k)} & english - {"Citation", "Licence"})


def test_the_ods_metadata_sheet_of_lang_de_is_german(client):
    from odf.opendocument import load
    from odf.table import Table

    query = "/api/v1/data?indicator=employed&level=region&period_from=2020&period_to=2020&format=ods&lang=de"
    doc = load(io.BytesIO(client.get(query).data))
    names = [t.getAttribute("name") for t in doc.spreadsheet.getElementsByType(Table)]
    assert names == ["Daten", "Metadaten"]
    text = str(doc.spreadsheet.getElementsByType(Table)[1])
    assert "Feld" in text and "Beschreibung" in text and "Zum Schutz von Personen zurückgehalten" in text
