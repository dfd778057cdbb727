"""Any other path: a plain 'page not found' with a way back."""
import dash

from dashboard.components import ui

dash.register_page(__name__, path="/404", title="Page not found")


def layout(**_):
    return ui.not_available("There is no page at this address. Check the link, or start from the overview.",
                            "Page not found")
