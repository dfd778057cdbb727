"""``/accessibility``: the accessibility statement, laid out as the EU Web Accessibility Directive's model
statement (Commission Implementing Decision (EU) 2018/1523): compliance status, what does not comply and why,
how the site was tested and when, feedback and contact, and the enforcement procedure.

What the software knows (its tests and the known failures) is written here and dated; who to contact and
who enforces come from the deployment's ``publication.accessibility`` (docs/configuration.md). The known
failures must be kept true: add one when an audit finds it, remove it with the fix.
"""

from __future__ import annotations

import re
from datetime import date

from dash import html

from dashboard import context

#: When the statement was prepared, and last reviewed against the software (its audit and tests).
PREPARED = date(2026, 11, 29)
REVIEWED = date(2026, 11, 29)
REPLY_DAYS = 5

#: What is known not to meet WCAG 2.1 AA: (what fails, for whom, the success criterion, what to use instead).
NON_COMPLIANT = [
    ("On the map, an area can be chosen to open its profile with a mouse or touch only, not with the keyboard",
     "2.1.1 Keyboard",
     "every area's value and a link to its profile are in the table under the ranking chart."),
    ("A chart's hover label cannot be dismissed with the Escape key, and it disappears when the pointer moves "
     "onto it, so a magnified view cannot follow it",
     "1.4.13 Content on Hover or Focus",
     "the values in the labels are in the table under each chart."),
]
#: Limits that are not failures of WCAG but that a reader should know of.
LIMITATIONS = [
    "Long tables show their first rows on the page; the complete data is a download (CSV, Excel, Parquet or JSON).",
    "On a narrow screen (320 CSS pixels) a chart's long labels wrap and its plot is narrow; the table under it "
    "holds the same figures.",
]
TESTED = [
    "axe-core in a browser against WCAG 2.1 A and AA, on every kind of page",
    "keyboard alone: every control reached with Tab, dropdowns opened and chosen with the keyboard, a visible "
    "focus",
    "reflow at 320 CSS pixels without loss of content, text and non-text contrast",
    "page titles that name the page's indicator or area, also after a choice on the page",
    "what a screen reader is given (the browser's accessibility tree): headings, table headers, names of "
    "controls, and charts read as their text summary and table rather than as their drawing",
]


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _linked(text: str) -> list:
    """Text with each web address in it as a link."""
    parts: list = []
    for i, piece in enumerate(re.split(r"(https?://[^\s,;]+)", text)):
        if i % 2:
            address = piece.rstrip(".)")
            parts += [html.A(address, href=address), piece[len(address):]]
        elif piece:
            parts.append(piece)
    return parts


def contact_part(contact: str | None) -> list:
    """How to reach the people who answer for the site's accessibility: the configured address or page."""
    if not contact:
        return ["contact the organisation that publishes these statistics"]
    if contact.startswith(("http://", "https://")):
        return ["use the contact form at ", html.A(contact, href=contact)]
    return ["e-mail ", html.A(contact, href=f"mailto:{contact}")]


def enforcement_part(enforcement: str | None) -> list:
    if enforcement:
        return ["If you are not happy with how we respond to your feedback or complaint, contact ",
                *_linked(enforcement), "."]
    return ["Each EU member state has a body that monitors and enforces the Web Accessibility Directive "
            "(Directive (EU) 2016/2102). If you are not happy with how we respond to your feedback or "
            "complaint, you can complain to the body of the country whose public sector runs this website."]


def layout(**_):
    config = context.config()
    own = config.publication.accessibility
    site = config.access.public_url
    return html.Article([
        html.H1("Accessibility statement"),
        html.P([f"This statement applies to {config.title}", *([" at ", html.A(site, href=site)] if site else []),
                ". The website is run by the organisation that publishes these figures. We want as many people "
                "as possible to be able to use it."]),
        html.H2("What you can do on this website"),
        html.Ul([
            html.Li("use every page with a keyboard alone; a 'Skip to main content' link comes first"),
            html.Li("read every chart as a short text summary and as a data table"),
            html.Li("tell statuses apart without colour: badges carry words and shapes"),
            html.Li("see colour scales that people with colour-blindness can read (viridis, Okabe-Ito)"),
            html.Li("zoom to 400% or use a screen 320 pixels wide without scrolling sideways (except inside wide "
                    "tables)"),
            html.Li("link to any view: every selection is kept in the page address"),
            html.Li("download the data behind every view as CSV, Excel, Parquet or JSON"),
        ]),
        html.H2("Compliance status"),
        html.P("This website is partially compliant with the Web Content Accessibility Guidelines (WCAG) 2.1 "
               "level AA, the level EN 301 549 requires, because of the non-compliances listed below.",
               id="compliance-status"),
        html.H2("Non-accessible content"),
        html.H3("Non-compliance with WCAG 2.1 AA"),
        html.Ul([html.Li([f"{what} (WCAG {criterion}). Instead, {instead}"]) for what, criterion, instead
                 in NON_COMPLIANT], id="non-compliant"),
        html.H3("Disproportionate burden"),
        html.P("We do not claim that fixing any of the above would be a disproportionate burden."),
        html.H3("Content outside the scope of the accessibility regulations"),
        html.P("The downloadable data files (CSV, Excel, Parquet, JSON) are data for analysis, not documents; "
               "their accessibility has not been assessed."),
        html.H3("Other limitations"),
        html.Ul([html.Li(t) for t in LIMITATIONS]),
        html.H2("Preparation of this statement"),
        html.P(f"This statement was prepared on {_day(PREPARED)} and last reviewed on {_day(REVIEWED)}.",
               id="statement-date"),
        html.P("The website was assessed by the team that develops its software (a self-assessment): an audit "
               "against WCAG 2.1 A and AA, whose checks run automatically in a headless browser on every change "
               "to the software:"),
        html.Ul([html.Li(t) for t in TESTED]),
        html.P("It has not yet been tested with screen reader software (such as NVDA, JAWS or VoiceOver) or by "
               "disabled users."),
        html.H2("Feedback and contact information"),
        html.P(["If you find a problem not listed here, or need information on this website in another format "
                "(such as a table as plain text, large print or audio), ", *contact_part(own.contact),
                f". We aim to reply within {REPLY_DAYS} working days."], id="accessibility-contact"),
        html.H2("Enforcement procedure"),
        html.P(enforcement_part(own.enforcement), id="accessibility-enforcement"),
    ])
