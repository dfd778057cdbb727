"""``/accessibility``: the accessibility statement (dashboard/views/info.py)."""
import dash

from dashboard.views import info

dash.register_page(__name__, path="/accessibility", title="Accessibility statement", name="Accessibility", order=4)
layout = info.accessibility
