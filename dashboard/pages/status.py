"""``/status``: freshness of each indicator and the last pipeline runs (dashboard/views/info.py)."""
import dash

from dashboard.views import info, titles

dash.register_page(__name__, path="/status", title=titles.fixed("status"), name="Status", order=3)
layout = info.status
