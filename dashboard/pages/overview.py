"""``/``: the KPI overview for managers (dashboard/views/overview.py)."""
import dash

from dashboard.views import overview

dash.register_page(__name__, path="/", title="Overview", name="Overview", order=0)
layout = overview.layout
