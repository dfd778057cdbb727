"""The site's main navigation and footer links, shared by the Dash pages' frame (dashboard/app.py) and the
server-rendered pages (dashboard/api/html.py: the download centre, the API guide, sign-in), so that every
page of the site has the same header and a way to every other part."""

from __future__ import annotations

#: (label, address) of each link in the header, in order.
NAV = [("Overview", "/"), ("Indicators", "/indicator"), ("Areas", "/area"), ("Compare areas", "/compare"),
       ("Data status", "/status"), ("Downloads", "/data"), ("Accessibility", "/accessibility")]

#: (label, address) of the footer's links (the Dash frame adds manager sign-in when accounts are on).
FOOTER_LINKS = [("Accessibility statement", "/accessibility"), ("Data status", "/status"),
                ("Download the data", "/data"), ("API", "/api/")]


def release_line(release_id: str | None, manifest: dict) -> str:
    """The footer's sentence about the release on show: its date in words, its id (to cite), licence and
    attribution; or that nothing is published yet."""
    from dashboard.components import fmt

    if not release_id:
        return "No release has been published yet."
    published = fmt.date_words(manifest.get("created")) or "on an unknown date"
    return (f"Data released {published} (release {release_id}). Licence {manifest.get('licence', '')}. "
            f"{manifest.get('attribution', '')}").strip()
