"""``/``: the KPI overview for managers (dashboard/views/overview.py)."""
import dash

from dashboard.views import overview, titles

dash.register_page(__name__, path="/", title=titles.overview, name="Overview", order=0,
                   callbacks=overview.register, skeleton=overview.skeleton)
layout = overview.layout
