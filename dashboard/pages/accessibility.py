"""``/accessibility``: the accessibility statement (dashboard/views/statement.py)."""
import dash

from dashboard.views import statement

dash.register_page(__name__, path="/accessibility", title="Accessibility statement", name="Accessibility", order=4)
layout = statement.layout
