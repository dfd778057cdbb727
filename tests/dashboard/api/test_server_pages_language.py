"""The server-rendered pages (the download centre, the revisions page, the API guide) in the reader's language,
negotiated as the Dash pages negotiate it: ``?lang=``, else ``Accept-Language``, else the default."""

from __future__ import annotations

import re
from html import unescape

from core import i18n
from dashboard.api import data_routes, guide_routes

ENGLISH = ("Download centre", "Back to the dashboard", "Every published figure as files to download",
           "Files of the current release", "Each indicator's name links", "Skip to main content",
           "for open-data portals", "Show revisions", "Every public value", "Releases, newest first")


def _text(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def test_the_download_centre_in_french_keeps_the_language_in_its_links(client):
    resp = client.get("/data?lang=fr")
    page = _text(resp)
    assert resp.status_code == 200 and '<html lang="fr">' in page and resp.headers["Content-Language"] == "fr"
    assert "<h1>Centre de téléchargement</h1>" in page and "Retour au tableau de bord" in page
    assert ">Téléchargements</a>" in page  # the header's navigation
    assert "Habitants en emploi" in page and "Toutes les valeurs publiques" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Démonstration OpenMeasure (données synthétiques)" in main and "OpenMeasure demo" not in main
    left = [s for s in ENGLISH if s in page]
    assert not left, left
    assert 'href="/methodology/employed?lang=fr"' in page and 'href="/?lang=fr"' in page
    assert re.search(r'href="/data/releases/[^"/]+/release\.zip\?lang=fr"', page)
    assert "/api/v1/data?indicator=employed&format=xlsx&lang=fr" in page  # its metadata sheet in French
    assert re.search(r'href="/data/releases/[^"/]+/indicator_values\.parquet"', page)  # data: no lang
    assert '<input type="hidden" name="lang" value="fr">' in page  # the revisions form keeps it


def test_accept_language_chooses_the_language_and_the_answer_varies_on_it(client):
    resp = client.get("/data", headers={"Accept-Language": "de-AT, en;q=0.5"})
    page = _text(resp)
    assert '<html lang="de">' in page and "<h1>Download-Center</h1>" in page
    assert "Accept-Language" in resp.headers["Vary"] and "Cookie" in resp.headers["Vary"]
    english = client.get("/data")
    assert '<html lang="en">' in _text(english) and "<h1>Download centre</h1>" in _text(english)
    assert '<html lang="en">' in _text(client.get("/data?lang=xx"))  # an unknown lang: the page all the same


def test_the_api_guide_in_german_writes_numbers_the_german_way(client, api_config):
    resp = client.get("/api/?lang=de")
    page = _text(resp)
    assert '<html lang="de">' in page and "<h1>API für offene Daten von OpenMeasure</h1>" in page
    assert f"höchstens {i18n.number(api_config.access.max_rows, 'de')} Zeilen" in page
    assert i18n.number(api_config.access.max_rows, "de") != i18n.number(api_config.access.max_rows, "en")
    assert "Jede Zahl ist als Daten verfügbar" in page and "Every figure is available" not in page
    assert '<span lang="en">' in page  # the routes' own summaries stay English, marked as such
    assert "<code>lang</code>" in page  # the guide says how to ask for another language
    etags = {client.get("/api/", headers={"Accept-Language": lang}).headers["ETag"] for lang in ("fr", "de")}
    assert len(etags) == 2  # a cache holding the French page cannot have it confirmed for a German reader


def test_the_revisions_page_in_french(client, api_store):
    resp = client.get(f"/data/revisions?from={api_store['old']}&to={api_store['new']}&lang=fr")
    page = _text(resp)
    assert resp.status_code == 200 and '<html lang="fr">' in page
    assert "<h1>Révisions entre deux publications</h1>" in page and "Pourquoi des valeurs ont changé" in page
    assert "révisées : 4" in page and "Why values changed" not in page
    assert re.search(r"<td>\d+,\d+</td>", page)  # values with a decimal comma


def test_every_page_word_is_in_the_catalogue():
    """The messages these pages say are marked (so extracted and translated: tests/dashboard/test_translations)."""
    from dashboard.i18n import translator

    fr, de = translator("fr").gettext, translator("de").gettext
    for message in [*guide_routes.GUIDE.values(), *data_routes.WHY.values(), *data_routes.FILE_CONTENTS.values()]:
        assert fr(message) != message or de(message) != message, message


def test_the_sign_in_form_in_german(manager_app):
    page = _text(manager_app.test_client().get("/auth/login?lang=de"))
    assert '<html lang="de">' in page and "<h1>Anmeldung (Verantwortliche)</h1>" in page
    assert '<label for="username">Benutzername</label>' in page and ">Anmelden</button>" in page
    assert 'action="/auth/login?lang=de"' in page  # a failed sign-in answers in the same language
