"""``/indicator``: every indicator by theme, with a search (dashboard/views/index.py)."""
import dash

from dashboard.language import _
from dashboard.views import index


def title(**_kwargs) -> str:
    """The page's title in the reader's language (Dash calls it for every drawing)."""
    return _("Indicators")


dash.register_page(__name__, path="/indicator", title=title, name="Indicators", order=1)
layout = index.indicators_layout
