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
