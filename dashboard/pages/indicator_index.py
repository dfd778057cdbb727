"""``/indicator``: every indicator by theme, with a search (dashboard/views/index.py)."""
import dash

from dashboard.views import index

dash.register_page(__name__, path="/indicator", title="Indicators", name="Indicators", order=1)
layout = index.indicators_layout
