"""Every page, drawn in French and in German, has no English left outside data values and proper names
(issue 22): what tests/dashboard/english_left.py finds, on the served demo, in a real browser."""

from __future__ import annotations

import pytest

from tests.dashboard import english_left as el

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def names(live_server):
    return el.area_names(live_server)


@pytest.mark.parametrize("lang", ["fr", "de"])
@pytest.mark.parametrize("path", el.PAGES)
def test_no_english_left(tab, names, path, lang):
    status = el.open_page(tab, path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert status == (404 if path == "/nope" else 200)
    assert tab.page.get_attribute("html", "lang") == lang
    found = el.scan(tab.page, path, names)
    assert not found, "\n".join(map(str, found))
