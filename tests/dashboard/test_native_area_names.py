"""Real data: NUTS 2021 regions with their own names (NUTS_NAME) beside the Latin ones (NAME_LATN), read with
geography.areas.native_name / native_language: nuts, served by the dashboard and the API in the reader's
language (docs/translations.md, "Area names"). The deployment is tests/dashboard/api/eurostat/config.yaml (the
real Eurostat population file and NUTS hierarchy in examples/data) with the native names, English, French and
German, and a column of French names (``nom_fr``) added to a copy of the hierarchy for two areas, as a table
with names per language would have them."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

import pytest
from dash import html

from tests.conftest import ROOT, load_config_with, temp_store_env

pytestmark = pytest.mark.slow  # runs the pipeline on the real Eurostat population file once (about 2 minutes)

API_CONFIG = ROOT / "tests" / "dashboard" / "api" / "eurostat" / "config.yaml"
HIERARCHY = ROOT / "examples" / "data" / "nuts2021-boundaries" / "nuts2021_hierarchy.csv"
FRENCH = {"EL30": "Attique", "CY": "Chypre"}


@pytest.fixture(scope="module")
def nuts(tmp_path_factory):
    """(config, release) of the deployment described above."""
    from etl.pipeline import run

    tmp = tmp_path_factory.mktemp("nuts-names")
    rows = list(csv.DictReader(HIERARCHY.open(encoding="utf-8")))
    with (tmp / "hierarchy.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, [*rows[0], "nom_fr"])
        out.writeheader()
        out.writerows({**r, "nom_fr": FRENCH.get(r["nuts_id"], "")} for r in rows)
    text = API_CONFIG.read_text(encoding="utf-8")
    text = text.replace("../../../../examples/", f"{ROOT}/examples/")
    text = text.replace(f"{ROOT}/examples/data/nuts2021-boundaries/nuts2021_hierarchy.csv", str(tmp / "hierarchy.csv"))
    text = text.replace("    name: name_latn\n", "    name: name_latn\n    native_name: nuts_name\n"
                        "    native_language: nuts\n    names: {fr: nom_fr}\n", 1)
    text = "languages: {default: en, available: [en, fr, de]}\n" + text
    (tmp / "config.yaml").write_text(text, encoding="utf-8")
    config = load_config_with(tmp / "config.yaml", temp_store_env(tmp))
    return config, run(config)


@pytest.fixture(scope="module")
def app(nuts):
    from dashboard.app import create_app

    return create_app(nuts[0])


@contextmanager
def in_language(app, lang: str, path: str = "/"):
    from dashboard import language

    with app.server.test_request_context(f"{path}?lang={lang}"), language.using(lang):
        yield


def test_the_release_keeps_the_native_names_and_their_languages(nuts):
    import pandas as pd

    areas = pd.read_parquet(nuts[1].path / "areas.parquet").set_index("area_code")
    assert areas.loc["EL30", ["name", "native_name", "native_lang", "name_fr"]].tolist() == \
        ["Attiki", "Aττική", "el", "Attique"]
    assert areas.loc["BG311", ["name", "native_name", "native_lang", "name_fr"]].tolist() == \
        ["Vidin", "Видин", "bg", ""]
    assert areas.loc["CY000", ["native_name", "native_lang"]].tolist() == ["Κύπρος", "el"]


def test_pages_name_an_area_in_the_readers_language_else_native_beside_latin(app):
    from dashboard import context, data

    with in_language(app, "en"):
        rel = context.release()
        assert data.area_name(rel, "EL30") == "Aττική (Attiki)"
        assert data.area_name(rel, "BG311") == "Видин (Vidin)"
        assert data.area_name(rel, "CY000") == "Κύπρος (Kýpros)"
        assert data.area_name(rel, "DE1") == "Baden-Württemberg"  # the same in both columns: unchanged
        assert data.area_name(rel, "XX") is None
        assert data.area_row(rel, "BG311")["name"] == "Видин (Vidin)"
        label = data.area_label(rel, "EL30")
        assert isinstance(label[0], html.Span) and label[0].lang == "el" and label[0].children == "Aττική"
        assert label[1] == " (Attiki)"
        assert data.area_label(rel, "DE1") == "Baden-Württemberg"  # nothing to mark: text, as without names
        options = {o["value"]: o["label"] for o in data.area_options(rel)}
        assert options["BG311"].startswith("Видин (Vidin) (")
        level = data.level_areas(rel, "nuts3").set_index("area_code")["name"]
        assert level["BG311"] == "Видин (Vidin)"
    with in_language(app, "fr"):
        rel = context.release()
        assert data.area_name(rel, "EL30") == "Attique" and data.area_label(rel, "EL30") == "Attique"
        assert data.area_name(rel, "CY") == "Chypre"
        assert data.area_name(rel, "CY000") == "Κύπρος (Kýpros)"  # no French name: native beside Latin
        assert {o["value"]: o["label"] for o in data.area_options(rel)}["EL30"].startswith("Attique (")
        assert data.level_areas(rel, "nuts2").set_index("area_code")["name"]["EL30"] == "Attique"
    with in_language(app, "de"):
        assert data.area_name(context.release(), "EL30") == "Aττική (Attiki)"


def test_the_area_profile_heads_with_both_names_the_native_one_marked_with_its_language(app):
    from dashboard.views import area

    with in_language(app, "de", "/area/EL30"):
        page = area.layout(area_code="EL30")  # drawn as plain props (dashboard.components.ui.plain)
    [h1] = [c for c in walk(page) if c.get("type") == "H1"]
    native, latin = h1["props"]["children"]
    assert native == {"props": {"children": "Aττική", "lang": "el"}, "type": "Span",
                      "namespace": "dash_html_components"} and latin == " (Attiki)"
    [nav] = [c for c in walk(page) if c.get("type") == "Nav"]
    crumbs = [a["props"]["children"] for a in nav["props"]["children"] if isinstance(a, dict)]
    assert [(c[0]["props"]["children"], c[0]["props"]["lang"], c[1]) for c in crumbs] == [
        ("Ελλάδα", "el", " (Elláda)"), ("Αττική", "el", " (Attiki)")]


def walk(node):
    """Every component (a dict of type and props) of a plain layout."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        yield from walk(node.get("props", {}).get("children"))
    elif isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)


def test_the_api_adds_the_names_and_the_name_a_reader_is_shown(nuts):
    from tests.dashboard.api.conftest import make_app

    client = make_app(nuts[0]).test_client()
    en = client.get("/api/v1/areas/EL30").get_json()
    fr = client.get("/api/v1/areas/EL30?lang=fr").get_json()
    assert (en["name"], en["native_name"], en["native_lang"], en["name_fr"]) == ("Attiki", "Aττική", "el", "Attique")
    assert en["name_label"] == "Aττική (Attiki)" and fr["name_label"] == "Attique"
    assert fr["name"] == "Attiki" and fr["area_code"] == "EL30"  # codes and names never change with the language
    listed = client.get("/api/v1/areas?level=nuts3&lang=de").get_json()["data"]
    assert {a["area_code"]: a["name_label"] for a in listed}["BG311"] == "Видин (Vidin)"
    csv_en = client.get("/api/v1/areas?level=nuts3&format=csv").data
    assert client.get("/api/v1/areas?level=nuts3&format=csv&lang=fr").data == csv_en
    rows = {r["area_code"]: r for r in csv.DictReader(io.StringIO(csv_en.decode("utf-8")))}
    assert (rows["BG311"]["native_name"], rows["BG311"]["native_lang"]) == ("Видин", "bg")


@pytest.mark.browser
def test_an_area_profile_shows_both_names_with_the_right_lang(app, browser):
    from tests.dashboard.conftest import AXE, Page, serving

    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run 'npm install' at the repository root (scripts/setup.sh does)")
    with serving(app.server) as base:
        tab = Page(browser, base)
        try:
            tab.open("/area/BG311?lang=fr")
            h1 = tab.page.locator("main h1")
            assert h1.inner_text() == "Видин (Vidin)"
            assert h1.locator("span[lang='bg']").inner_text() == "Видин"
            assert tab.page.evaluate("document.documentElement.lang") == "fr"
            violations = [v for v in tab.axe() if v["id"] in ("valid-lang", "html-has-lang", "html-lang-valid")]
            assert violations == [], violations
            tab.open("/area/EL30?lang=fr")
            assert tab.page.locator("main h1").inner_text() == "Attique"
            assert tab.page.locator("main h1 [lang]").count() == 0
            assert tab.errors == []
        finally:
            tab.close()

