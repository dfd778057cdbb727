"""``/area``: every area by level with its parent chain, and a search by name or code (dashboard/views/index.py)."""
import dash

from dashboard.views import index, titles

dash.register_page(__name__, path="/area", title=titles.fixed("areas"), name="Areas", order=2)
layout = index.areas_layout
