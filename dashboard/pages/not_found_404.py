"""Any other path: a plain 'page not found' with a way back."""
import dash

from dashboard.components import ui
from dashboard.language import _
from dashboard.views import titles

dash.register_page(__name__, path="/404", title=titles.fixed("not_found"))


def layout(**_kwargs):
    return ui.plain(ui.not_available(_("There is no page at this address. Check the link, or start from the overview."),
                                     _("Page not found")))
