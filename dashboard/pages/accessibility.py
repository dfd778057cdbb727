"""``/accessibility``: the accessibility statement (dashboard/views/statement.py)."""
import dash

from dashboard.views import statement, titles

dash.register_page(__name__, path="/accessibility", title=titles.fixed("accessibility"), name="Accessibility", order=4)
layout = statement.layout
