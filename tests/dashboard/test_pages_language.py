"""/status, /methodology/<id>, /accessibility, the 404 page, page titles and the frame in French and German:
no English sentence left (data values and proper names aside), ``<html lang>``, the ``<title>`` in the language,
and axe-core finds nothing in a browser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dashboard import language
from tests.dashboard import english_left as el

LANGUAGES = ("fr", "de")


class _HtmlText(HTMLParser):
    """The text of an HTML block (a data table), skipping what is marked in another language."""

    def __init__(self, page_lang: str):
        super().__init__()
        self.page_lang, self.stack, self.texts = page_lang, [], []

    def handle_starttag(self, tag, attrs):
        lang = dict(attrs).get("lang")
        self.stack.append(bool(lang) and lang != self.page_lang or (self.stack[-1] if self.stack else False))

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1]):
            self.texts.append(data)


def texts(tree, page_lang: str, where: str = "") -> list[tuple[str, str]]:
    """(where, text) of every text a person reads in a Dash tree (components or ui.plain's dicts): children,
    labels, captions and the HTML of data tables; not what is marked ``lang`` other than the page's."""
    from dash.development.base_component import Component

    if isinstance(tree, Component):
        tree = {"type": type(tree).__name__, "props": tree.to_plotly_json()["props"]}
    if isinstance(tree, str):
        return [(where, tree)] if tree.strip() else []
    if isinstance(tree, list | tuple):
        return [t for child in tree for t in texts(child, page_lang, where)]
    if not isinstance(tree, dict) or "props" not in tree:
        return []
    props = tree["props"]
    if props.get("lang") not in (None, page_lang):
        return []
    here = f"{where} > {tree.get('type')}"
    out = [(f"{here}@{k}", props[k]) for k in ("aria-label", "title", "placeholder")
           if isinstance(props.get(k), str)]
    if tree.get("type") == "Markdown" and isinstance(props.get("children"), str):
        parser = _HtmlText(page_lang)
        parser.feed(props["children"])
        return out + [(here, t) for t in parser.texts]
    return out + texts(props.get("children"), page_lang, here)


def english(tree, lang: str) -> list:
    return el.scan_texts("page", texts(tree, lang))


def _pages():
    import sys

    import dash

    from dashboard.views import info, statement

    # the 404 page's module as Dash imported it (importing it again would register it again)
    not_found = next(sys.modules[p["module"]] for p in dash.page_registry.values()
                     if p["module"].endswith("not_found_404"))
    return {"status": info.status, "methodology": lambda: info.methodology("neet_count"),
            "accessibility": statement.layout, "not found": not_found.layout,
            "methodology not found": lambda: info.methodology("nope")}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ["status", "methodology", "accessibility", "not found", "methodology not found"])
def test_the_page_has_no_english_left(app_context, name, lang):
    draw = _pages()[name]
    with language.using("en"):
        assert english(draw(), "fr"), "the English page must read as English, or this test could not fail"
    with language.using(lang):
        assert english(draw(), lang) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_frame_has_no_english_left(app_context, dash_app, lang):
    with language.using(lang):
        frame = dash_app.layout()
    assert english(frame, lang) == []


def test_the_statement_s_headings_follow_the_rgaa_and_bitv_models(app_context):
    from dashboard.views import statement

    with language.using("fr"):
        fr = " ".join(t for _, t in texts(statement.layout(), "fr"))
    with language.using("de"):
        de = " ".join(t for _, t in texts(statement.layout(), "de"))
    for heading in ("Déclaration d’accessibilité", "État de conformité", "Contenus non accessibles",
                    "Dérogations pour charge disproportionnée", "Retour d’information et contact", "Voies de recours",
                    "29 novembre 2026", "partiellement conforme"):
        assert heading in fr, heading
    for heading in ("Erklärung zur Barrierefreiheit", "Stand der Vereinbarkeit mit den Anforderungen",
                    "Nicht barrierefreie Inhalte", "Unverhältnismäßige Belastung", "Feedback und Kontaktangaben",
                    "Durchsetzungsverfahren", "29. November 2026", "teilweise"):
        assert heading in de, heading
    assert "Autorité vélorienne de l’accessibilité numérique" in fr  # config.yaml's enforcement body in French


@pytest.mark.parametrize(("lang", "status", "methodology", "missing"), [
    ("fr", "État des données", " : méthodologie", "Indicateur introuvable"),
    ("de", "Datenstand", ": Methodik", "Indikator nicht gefunden"),
])
def test_page_titles_are_in_the_language(app_context, lang, status, methodology, missing):
    from dashboard.views import titles

    with language.using(lang):
        assert titles.fixed("status")() == status
        assert titles.methodology("neet_count").endswith(methodology)
        assert "NEET" not in titles.methodology("neet_count") and "Young" not in titles.methodology("neet_count")
        assert titles.methodology("nope") == missing
        assert titles.named("Venwell", "Overview") == {"fr": "Venwell : vue d’ensemble",
                                                       "de": "Venwell: Übersicht"}[lang]
    with language.using("en"):
        assert titles.named("Venwell", "Overview") == "Venwell: overview"


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["every day", "every 6 hours", "every Monday at 07:30", "on day 1 of every month at 06:00"]),
    ("fr", ["chaque jour", "toutes les 6 heures", "chaque lundi à 07:30", "le jour 1 de chaque mois à 06:00"]),
    ("de", ["täglich", "alle 6 Stunden", "jeden Montag um 07:30", "am 1. jedes Monats um 06:00"]),
])
def test_schedules_are_said_in_the_language(lang, expected):
    from dashboard.views import info

    with language.using(lang):
        assert [info.every(86_400), info.every(21_600), info.describe_cron("30 7 * * mon"),
                info.describe_cron("0 6 1 * *")] == expected


def test_status_messages_are_core_statuses_words():
    """ui.STATUS_MESSAGES marks core.statuses' messages for translation: they must stay the same texts."""
    from core import quality_report, statuses
    from dashboard.components import ui
    from dashboard.views import quality

    assert ui.STATUS_MESSAGES == {s.word: s.message for s in statuses.STATUSES if s.message}
    assert quality.ACTIONS == quality_report.ACTIONS


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("path", "title"), [
    ("/status", "Data status"), ("/methodology/neet_count", "{name}: methodology"),
    ("/accessibility", "Accessibility statement"), ("/nope", "Page not found"),
])
def test_the_page_in_a_browser(tab, release, lang, path, title):
    from dashboard.i18n import translator

    answer = tab.page.goto(f"{tab.base}{path}?lang={lang}")
    tab.settle()
    assert answer.status == (404 if path == "/nope" else 200)
    assert tab.page.get_attribute("html", "lang") == lang
    expected = translator(lang).gettext(title)
    if "{name}" in expected:
        expected = expected.format(name=tab.page.inner_text("main h1").split(": ", 1)[-1].split(" : ", 1)[-1])
    assert tab.page.title() == expected
    assert el.scan(tab.page, path) == []
    assert tab.axe() == []
    assert tab.errors == [] or path == "/nope" and all("404" in e for e in tab.errors)


@pytest.mark.parametrize(("lang", "words"), [
    ("de", ("Leistung der öffentlichen Dienste: Indikatoren, Gebiete, Daten.", "Wird geladen …",
            "<title>Republik Veloria: Leistung der öffentlichen Dienste (synthetische Demo)</title>")),
    ("fr", ("Performance des services publics : indicateurs, territoires, données.", "Chargement…",
            "<title>République de Vélorie : performance des services publics (démonstration synthétique)</title>")),
    ("en", ("Public service performance: indicators, areas, data.", "Loading...",
            "<title>Republic of Veloria: public service performance (synthetic demo)</title>")),
])
def test_the_page_shell_is_in_the_language(dash_app, lang, words):
    """What the server sends before the page is drawn: its description, 'Loading...' and the deployment's title
    (the <title> of an address no page has, and og:title)."""
    shell = dash_app.server.test_client().get(f"/nope?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in shell
    for said in words:
        assert said in shell, said
    if lang != "en":
        assert "Republic of Veloria" not in shell and "Loading..." not in shell


def test_the_script_words_are_in_the_page_s_language(dash_app):
    import html
    import json
    import re

    shell = dash_app.server.test_client().get("/status?lang=de").get_data(as_text=True)
    words = json.loads(html.unescape(re.search(r'<meta name="openmeasure-words" content="([^"]*)">', shell)[1]))
    assert words == {"options": "Optionen", "search_options": "Optionen durchsuchen",
                     "chart_tools": "Diagrammwerkzeuge", "map": "Karte"}


@pytest.mark.browser
def test_a11y_js_names_controls_in_the_page_s_language(tab):
    """assets/a11y.js named a chart's mode bar 'Chart tools' and a dropdown's list '...: options' on French and
    German pages."""
    tab.open("/indicator/online_share?lang=de")
    tab.page.wait_for_selector(".js-plotly-plot .modebar[aria-label]", state="attached", timeout=20_000)
    assert set(tab.page.eval_on_selector_all(".modebar[aria-label]", "els => els.map(e => e.ariaLabel)")) == \
        {"Diagrammwerkzeuge"}
    tab.page.click("#explorer-indicator")
    tab.page.wait_for_selector(".dash-options-list[aria-label]", timeout=10_000)
    assert tab.page.get_attribute(".dash-options-list", "aria-label").endswith(": Optionen")
    assert tab.page.get_attribute("input.dash-dropdown-search", "aria-label") == "Optionen durchsuchen"
    assert tab.axe() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_status_with_findings_and_a_failed_run_has_no_english_left(dash_app, demo_config, monkeypatch, tmp_path, lang):
    """The data checks (each check's name and what it looks for, what was done) and a failed run's notice, in
    the language; the sources' configured titles are the config's words (data values)."""
    import pandas as pd

    from core import catalogue
    from core.schema import QUALITY
    from dashboard.views import info
    from tests.dashboard.test_status_findings import catalogue_with_findings, finding

    engine = catalogue_with_findings(tmp_path)
    found = pd.DataFrame([finding("not_a_number", "block", "services", "x"), finding("value_jump", "warn", "", "y"),
                          finding("boundary_missing", "warn", "geography.boundaries.region", "z")],
                         columns=QUALITY.names)
    catalogue.finish_run(engine, catalogue.start_run(engine, "nightly", "h"), status="failed", found=found,
                         error="StepFailed: step 'validate' failed: 3 findings")
    monkeypatch.setattr(catalogue, "connect", lambda url: engine)
    titles = tuple(s.title for s in demo_config.sources if s.title)
    with dash_app.server.test_request_context("/status"), language.using(lang):
        page = info.status()
    said = " ".join(t for _, t in texts(page, lang))
    assert el.scan_texts("/status", texts(page, lang), titles) == []
    assert {"fr": "Valeur non numérique", "de": "Wert keine Zahl"}[lang] in said
    assert {"fr": "Le dernier traitement a échoué.", "de": "Der letzte Verarbeitungslauf ist fehlgeschlagen."}[lang] \
        in said
    with dash_app.server.test_request_context("/status"), language.using("en"):
        assert el.scan_texts("/status", texts(info.status(), "fr"), titles), "English must read as English"


def test_the_checks_words_are_core_s():
    """quality_words marks core.quality_report's words for translation: they must stay the same texts."""
    from core import quality_report
    from dashboard.views import quality_words

    assert quality_words.RULES == quality_report.RULES
    assert quality_report.source_words(None, {}) == quality_words.GEOGRAPHY
    assert quality_report.source_words("geography.boundaries.region", {}) == \
        quality_words.BOUNDARIES.format(level="region")


@pytest.mark.parametrize(("lang", "title"), [("fr", "Une erreur s’est produite"), ("de", "Etwas ist schiefgelaufen")])
def test_a_page_that_fails_answers_500_in_the_language(dash_app, monkeypatch, lang, title):
    """A page whose drawing fails on the server said werkzeug's English 'Internal Server Error'."""
    from dashboard.views import index

    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(index, "noscript_html", broken)
    answer = dash_app.server.test_client().get(f"/indicator?lang={lang}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 500 and answer.mimetype == "text/html"
    assert f'<html lang="{lang}">' in page and title in page and "boom" not in page
    assert f'href="/?lang={lang}"' in page
    assert "Internal Server Error" not in page


def test_a_page_asked_the_wrong_way_answers_405_in_the_language_and_the_api_keeps_json(dash_app):
    client = dash_app.server.test_client()
    answer = client.post("/status?lang=de")
    assert answer.status_code == 405 and "An dieser Adresse nicht möglich" in answer.get_data(as_text=True)
    assert "GET" in answer.headers["Allow"]
    api = client.post("/api/v1/indicators?lang=de")
    assert api.status_code == 405 and api.get_json()["error"]["status"] == 405


def test_every_page_s_title_is_drawn_in_the_reader_s_language(dash_app, app_context):
    """A page registered with a fixed English title ("Areas") kept it in French and German."""
    import dash

    for page in dash.page_registry.values():
        assert callable(page["title"]), f"{page['module']}: title={page['title']!r} is not translated"
    by_path = {p["path"]: p["title"] for p in dash.page_registry.values()}
    with language.using("de"):
        assert [by_path[p]() for p in ("/indicator", "/area", "/compare", "/status", "/accessibility")] == \
            ["Indikatoren", "Gebiete", "Gebiete vergleichen", "Datenstand", "Erklärung zur Barrierefreiheit"]


@pytest.mark.parametrize(("lang", "words"), [("fr", "s’est arrêté"), ("de", "beendet")])
def test_a_run_killed_midway_is_said_in_the_language(lang, words):
    """The catalogue's own words for a run whose process died (core.catalogue.ORPHAN) are the public's too."""
    from core.catalogue import ORPHAN
    from dashboard.views import info

    published = f"{ORPHAN}, after publishing release 20260101T000000Z-abcdef (its statistics were not recorded)"
    for error in (f"{ORPHAN}; nothing was published", published):
        with language.using("en"):
            assert info.public_error(error) == error
        with language.using(lang):
            said = info.public_error(error)
            assert words in said and el.english_words(said) == ()
    with language.using(lang):
        assert "20260101T000000Z-abcdef" in info.public_error(published)
