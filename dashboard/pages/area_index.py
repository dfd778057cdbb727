"""``/area``: every area by level with its parent chain, and a search by name or code (dashboard/views/index.py)."""
import dash

from dashboard.views import index

dash.register_page(__name__, path="/area", title=index.areas_title, name="Areas", order=2)
layout = index.areas_layout
