"""The site's main navigation and footer links, shared by the Dash pages' frame (dashboard/app.py) and the
server-rendered pages (dashboard/api/html.py: the download centre, the API guide, sign-in), so that every
page of the site has the same header and a way to every other part."""

from __future__ import annotations

from dashboard.i18n import N_

#: (label, address) of each link in the header, in order.
NAV = [(N_("Overview"), "/"), (N_("Indicators"), "/indicator"), (N_("Areas"), "/area"),
       (N_("Compare areas"), "/compare"), (N_("Data status"), "/status"), (N_("Downloads"), "/data"),
       (N_("Accessibility"), "/accessibility")]

#: (label, address) of the footer's links (the Dash frame adds manager sign-in when accounts are on).
FOOTER_LINKS = [(N_("Accessibility statement"), "/accessibility"), (N_("Data status"), "/status"),
                (N_("Download the data"), "/data"), (N_("API"), "/api/")]
SIGN_IN = N_("Manager sign-in")
NO_RELEASE = N_("No release has been published yet.")


def publication_text(field: str, released: str | None) -> str:
    """The release's ``attribution`` or ``citation`` in the reader's language: the config's translation
    (``publication.<field>``, config.yaml) when the release says what the config says in the default language;
    else the release's own words (an older release's, which the config no longer has in other languages)."""
    from dashboard import context, language

    released = released or ""
    try:
        config = context.config()
    except (RuntimeError, KeyError):  # no app state (a bare layout in a test)
        return released
    pub, default = config.publication, config.languages.default
    if released.strip() != (getattr(pub, field) or "").strip():
        return released
    return pub.text(field, language.current(), default)[0] or released


def release_line(release_id: str | None, manifest: dict) -> str:
    """The footer's sentence about the release on show: its date in words, its id (to cite), licence and
    attribution; or that nothing is published yet."""
    from dashboard.components import fmt
    from dashboard.language import _

    if not release_id:
        return _(NO_RELEASE)
    published = fmt.date_words(manifest.get("created"))
    line = (_("Data released {date} (release {release}). Licence {licence}. {attribution}") if published else
            _("Data released on an unknown date (release {release}). Licence {licence}. {attribution}"))
    return line.format(date=published, release=release_id, licence=manifest.get("licence", ""),
                       attribution=publication_text("attribution", manifest.get("attribution"))).strip()
