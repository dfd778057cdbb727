"""``/compare?areas=...&indicators=...``: several areas side by side (dashboard/views/compare.py)."""
import dash

from dashboard.views import compare, titles

dash.register_page(__name__, path="/compare", title=titles.fixed("compare"), name="Compare", order=2,
                   callbacks=compare.register, skeleton=compare.skeleton)
layout = compare.layout
