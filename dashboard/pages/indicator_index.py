"""``/indicator``: every indicator by theme, with a search (dashboard/views/index.py)."""
import dash

from dashboard.views import index, titles

dash.register_page(__name__, path="/indicator", title=titles.fixed("indicators"), name="Indicators", order=1)
layout = index.indicators_layout
