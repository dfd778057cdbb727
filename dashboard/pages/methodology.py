"""``/methodology/<id>``: how an indicator is defined and computed (dashboard/views/info.py)."""
import dash

from dashboard.views import info, titles

dash.register_page(__name__, path_template="/methodology/<indicator_id>", title=titles.methodology, name="Methodology")
layout = info.methodology
