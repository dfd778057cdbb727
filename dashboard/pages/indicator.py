"""``/indicator/<id>``: the indicator explorer (dashboard/views/explorer.py)."""
import dash

from dashboard.views import explorer, titles

dash.register_page(__name__, path_template="/indicator/<indicator_id>", title=titles.indicator,
                   name="Indicator", callbacks=explorer.register, skeleton=explorer.skeleton)
layout = explorer.layout
