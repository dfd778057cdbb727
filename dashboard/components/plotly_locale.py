"""plotly.js's own words and formats in the reader's language: the mode bar's button titles, its notices, and
plotly's number and date format, given to each graph in its ``config`` (``locale`` and ``locales``) rather than
as plotly-locale scripts: the words come from our catalogues (dashboard/locales) and the formats from CLDR
(Babel), as every other word and number of the page do, so a language added as a ``.po`` file needs no script.

The figures' own numbers follow ``layout.separators`` (figures._base_layout); periods are words from Babel
(fmt.period), since the charts' time axes are of categories (periods), not of dates.
"""

from __future__ import annotations

from functools import lru_cache

from core import i18n
from dashboard import language
from dashboard.i18n import N_, translator

#: The words plotly.js shows on our charts (ui.GRAPH_CONFIG keeps the PNG download, reset and a map's zoom),
#: as plotly.js writes them: the keys of its locale dictionary.
PLOTLY_WORDS = (
    N_("Download plot as a PNG"), N_("Download plot"), N_("Reset axes"), N_("Reset view"), N_("Zoom in"),
    N_("Zoom out"), N_("Autoscale"), N_("Double-click to zoom back out"),
    N_("Preparing image - this may take a few seconds"), N_("Image download succeeded"),
    N_("Sorry, there was a problem downloading your image!"),
)


@lru_cache(maxsize=16)
def _format(lang: str) -> dict:
    """plotly's format of a language (d3's locale: separators, month and day names), from CLDR."""
    loc = i18n.locale(lang)
    symbols = loc.number_symbols.get("latn", loc.number_symbols)
    months = loc.months["format"]
    days = loc.days["format"]
    # CLDR counts days from Monday (0), d3 from Sunday
    week = [6, 0, 1, 2, 3, 4, 5]
    return {"decimal": symbols["decimal"], "thousands": symbols["group"][:1], "grouping": [3],
            "months": [months["wide"][m] for m in range(1, 13)],
            "shortMonths": [months["abbreviated"][m] for m in range(1, 13)],
            "days": [days["wide"][d] for d in week], "shortDays": [days["abbreviated"][d] for d in week]}


def graph_config(config: dict | None = None) -> dict:
    """``config`` (a dcc.Graph's) with plotly.js's locale for the reader's language; English as it is."""
    lang = language.current()
    config = dict(config or {})
    if lang != "en":
        say = translator(lang).gettext
        config.update(locale=lang, locales={lang: {"dictionary": {w: say(w) for w in PLOTLY_WORDS},
                                                   "format": _format(lang)}})
    return config
