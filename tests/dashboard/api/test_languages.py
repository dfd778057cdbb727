"""?lang= on the API's metadata: the words change, ids, codes and values never do (dashboard/api/language.py)."""

from __future__ import annotations

import csv
import io

from dashboard.api import language


def _by_id(body: dict) -> dict:
    return {d["id"]: d for d in body["data"]}


def test_indicators_in_french_and_german_from_the_config(client):
    en = _by_id(client.get("/api/v1/indicators").get_json())
    fr_body = client.get("/api/v1/indicators?lang=fr").get_json()
    fr = _by_id(fr_body)
    de = _by_id(client.get("/api/v1/indicators?lang=de").get_json())
    assert fr_body["lang"] == "fr"
    assert fr["employed"]["title"] == "Habitants en emploi" and fr["employed"]["unit"] == "personnes"
    assert de["neet_rate"]["caveats"].startswith("In kleinen Gemeinden")
    assert fr["employed"]["theme_label"] == "Emploi" and de["employed"]["theme_label"] == "Beschäftigung"
    assert en["employed"]["theme_label"] == "jobs" and en["employed"]["lang"] == "en"
    for lang in (fr, de):
        assert lang.keys() == en.keys()
        for ind_id, record in lang.items():
            for key in ("id", "theme", "kind", "decimals", "multiplier", "polarity", "target", "licence",
                        "disclosure", "sources", "methodology_url"):
                assert record[key] == en[ind_id][key], (ind_id, key)
            assert record["fallback"] is None, (ind_id, record["fallback"])  # the demo translates everything


def test_a_missing_translation_falls_back_to_the_default_language_and_says_so(client, api_config, monkeypatch):
    employed = api_config.indicator("employed")
    fr = {k: v for k, v in employed.translations["fr"].items() if k != "methodology"}
    changed = employed.model_copy(update={"translations": {**employed.translations, "fr": fr}})
    indicators = [changed if i.id == "employed" else i for i in api_config.indicators]
    themes = {**api_config.languages.themes, "jobs": {"de": "Beschäftigung"}}
    config = api_config.model_copy(update={
        "indicators": indicators, "languages": api_config.languages.model_copy(update={"themes": themes})})
    row = {"id": "employed", "title": employed.title, "unit": employed.unit, "methodology": employed.methodology,
           "caveats": "", "description": employed.description, "theme": "jobs"}
    texts, fallback = language.indicator_texts(config, row, "fr")
    assert texts["methodology"] == employed.methodology and texts["title"] == "Habitants en emploi"
    assert fallback == ["methodology"]  # an empty caveat is no fallback
    [record] = language.mark_records([dict(row)], config, "fr", __import__("pandas").DataFrame([row]))
    assert record["fallback"] == {"lang": "en", "fields": ["methodology", "theme_label"]}
    assert record["theme_label"] == "jobs"


def test_an_unknown_language_is_a_400_naming_lang(client):
    resp = client.get("/api/v1/indicators?lang=it")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["parameter"] == "lang" and "en, fr, de" in error["message"]
    assert client.get("/api/v1/indicators/employed?lang=xx-!!").status_code == 400
    assert client.get("/api/v1/indicators?lang=fr&lang=de").get_json()["error"]["parameter"] == "lang"
    # the document's pattern refuses an empty lang (schemathesis ST201): so does the server
    assert client.get("/api/v1/areas?lang=").get_json()["error"]["parameter"] == "lang"


def test_the_detail_the_csv_and_the_headers_follow_the_language(client):
    resp = client.get("/api/v1/indicators/online_share?lang=de")
    body = resp.get_json()
    assert resp.headers["Content-Language"] == "de" and body["lang"] == "de"
    assert body["title"] == "Vollständig online bearbeitete Anträge" and body["links"]["data"].endswith(
        "indicator=online_share&release=" + body["release"])
    assert client.get("/api/v1/indicators/online_share").headers["Content-Language"] == "en"
    en_csv = list(csv.DictReader(io.StringIO(client.get("/api/v1/indicators?format=csv").get_data(as_text=True))))
    fr_resp = client.get("/api/v1/indicators?format=csv&lang=fr")
    fr_csv = list(csv.DictReader(io.StringIO(fr_resp.get_data(as_text=True))))
    assert fr_resp.headers["Content-Language"] == "fr"
    assert [r["id"] for r in fr_csv] == [r["id"] for r in en_csv] and fr_csv[0].keys() == en_csv[0].keys()
    assert {r["id"]: r["title"] for r in fr_csv}["employed"] == "Habitants en emploi"
    assert {r["id"]: r["theme"] for r in fr_csv} == {r["id"]: r["theme"] for r in en_csv}


def test_the_language_is_part_of_the_etag(client):
    en = client.get("/api/v1/indicators").headers["ETag"]
    fr = client.get("/api/v1/indicators?lang=fr").headers["ETag"]
    assert en != fr


def test_the_openapi_document_describes_lang(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for route in ("/api/v1/indicators", "/api/v1/indicators/{indicator_id}"):
        [param] = [p for p in doc["paths"][route]["get"]["parameters"] if p["name"] == "lang"]
        assert param["schema"]["enum"] == ["en", "fr", "de"] and "400" in param["description"]
    props = doc["components"]["schemas"]["Indicator"]["properties"]
    assert {"lang", "theme_label", "fallback"} <= props.keys()


def test_the_catalogue_gives_one_literal_per_language(client):
    doc = client.get("/catalog.jsonld").get_json()
    assert {n["@language"]: n["@value"] for n in doc["dct:title"]}["fr"].startswith("République de Vélorie")
    assert {n["@language"] for n in doc["dct:description"]} == {"en", "fr", "de"}
    employed = next(d for d in doc["dcat:dataset"] if d["dct:identifier"] == "employed")
    titles = {n["@language"]: n["@value"] for n in employed["dct:title"]}
    assert titles == {"en": "Employed residents", "fr": "Habitants en emploi", "de": "Erwerbstätige Einwohner"}
    methodology = {n["@language"] for n in employed["dct:provenance"]["rdfs:label"]}
    assert methodology == {"en", "fr", "de"}
    csv_dist = employed["dcat:distribution"][0]
    descriptions = {n["@language"]: n["@value"] for n in csv_dist["dct:description"]}
    assert descriptions["de"].startswith("Alle öffentlichen Werte von „Erwerbstätige Einwohner“")
    satisfaction = next(d for d in doc["dcat:dataset"] if d["dct:identifier"] == "satisfaction")
    assert {n["@language"]: n["@value"] for n in satisfaction["adms:versionNotes"]}["fr"] == (
        "L'enquête n'a pas été menée en 2017.")


def test_a_text_without_a_translation_is_not_tagged_as_that_language():
    from dashboard.api.catalog import _Languages

    class Fake:
        class languages:  # noqa: N801
            default, available = "en", ["en", "fr", "de"]
    langs = _Languages(Fake)
    assert langs.of("Jobs", {"fr": {"title": "Emploi"}, "it": {"title": "Lavoro"}}, "title") == [
        {"@value": "Jobs", "@language": "en"}, {"@value": "Emploi", "@language": "fr"}]
    assert langs.of("Jobs", {}, "title") == {"@value": "Jobs", "@language": "en"}
    assert _Languages(None).literal({None: "Jobs"}) == "Jobs"


def test_a_download_s_metadata_in_the_language(client):
    import openpyxl

    query = "/api/v1/data?indicator=employed&level=region&period_from=2020&period_to=2020"
    meta = client.get(query + "&lang=fr&limit=1").get_json()["meta"]
    assert meta["lang"] == "fr" and meta["title"].startswith("République de Vélorie")
    [employed] = meta["indicators"]
    assert employed["title"] == "Habitants en emploi" and employed["fallback"] is None
    assert client.get(query + "&limit=1").get_json()["meta"]["lang"] == "en"
    values = lambda lang: client.get(query + f"&lang={lang}&limit=50").get_json()["data"]  # noqa: E731
    assert values("fr") == values("de") == values("en")  # values and codes never change with the language

    book = openpyxl.load_workbook(io.BytesIO(client.get(query + "&format=xlsx&lang=de").data), read_only=True)
    rows = {r[0]: r[1] for r in book["Metadaten"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Titel"].startswith("Republik Veloria") and rows["Sprache"] == "de"
    assert rows["Indikator employed"] == "Erwerbstätige Einwohner"
    assert rows["Indikator employed: Einheit"] == "Personen"
    assert rows["Zeiträume"] == "2020 bis 2020"

    csvw = client.get(query.replace("/data?", "/data/metadata.json?") + "&lang=fr").get_json()
    assert csvw["dc:title"]["@language"] == "fr" and csvw["dc:title"]["@value"].startswith("République")
    assert csvw["notes"][0]["indicators"][0]["title"] == "Habitants en emploi"
    assert client.get(query + "&format=csv&lang=it").get_json()["error"]["parameter"] == "lang"


def test_areas_name_their_level_in_the_language(client):
    fr = client.get("/api/v1/areas?level=municipality&lang=fr").get_json()
    en = client.get("/api/v1/areas?level=municipality").get_json()
    assert fr["lang"] == "fr" and {a["level_label"] for a in fr["data"]} == {"Commune"}
    assert {a["level_label"] for a in en["data"]} == {"municipality"}
    assert [(a["area_code"], a["name"], a["level"]) for a in fr["data"]] == [
        (a["area_code"], a["name"], a["level"]) for a in en["data"]]
    one = client.get(f"/api/v1/areas/{fr['data'][0]['area_code']}?lang=de")
    assert one.get_json()["level_label"] == "Gemeinde" and one.headers["Content-Language"] == "de"
    assert one.get_json()["fallback"] is None


def test_the_catalogue_s_release_dataset_cites_and_describes_in_every_language(client):
    doc = client.get("/catalog.jsonld").get_json()
    release = next(d for d in doc["dcat:dataset"] if d["@id"].endswith("data#release"))
    cites = {n["@language"]: n["@value"] for n in release["dct:description"]}
    assert cites["fr"].startswith("Démonstration OpenMeasure, version") and cites["en"].startswith("OpenMeasure demo")
    [zipped] = [d for d in release["dcat:distribution"] if d["@id"].endswith("#zip")]
    assert {n["@language"]: n["@value"] for n in zipped["dct:title"]}["de"].startswith("Veröffentlichung (Zip")
