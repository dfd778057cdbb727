"""``/area/<code>``: the area profile for councils (dashboard/views/area.py)."""
import dash

from dashboard.views import area, titles

dash.register_page(__name__, path_template="/area/<area_code>", title=titles.area, name="Area",
                   callbacks=area.register, skeleton=area.skeleton)
layout = area.layout
