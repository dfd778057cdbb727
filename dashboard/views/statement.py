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

from dashboard import context, language
from dashboard.components import fmt, ui
from dashboard.i18n import N_
from dashboard.language import _

#: When the statement was prepared, and last reviewed against the software (its audit and tests).
PREPARED = date(2026, 11, 29)
REVIEWED = date(2026, 11, 29)
REPLY_DAYS = 5

#: What is known not to meet WCAG 2.1 AA: (what fails, for whom, the success criterion, what to use instead).
NON_COMPLIANT = [
    (N_("On the map, an area can be chosen to open its profile with a mouse or touch only, not with the "
        "keyboard"),
     N_("2.1.1 Keyboard"),
     N_("every area's value and a link to its profile are in the table under the ranking chart.")),
    (N_("A chart's hover label cannot be dismissed with the Escape key, and it disappears when the pointer "
        "moves onto it, so a magnified view cannot follow it"),
     N_("1.4.13 Content on Hover or Focus"),
     N_("the values in the labels are in the table under each chart.")),
]
#: Limits that are not failures of WCAG but that a reader should know of.
LIMITATIONS = [
    N_("Long tables show their first rows on the page; the complete data is a download (CSV, Excel, Parquet or "
       "JSON)."),
    N_("On a narrow screen (320 CSS pixels) a chart's long labels wrap and its plot is narrow; the table under "
       "it holds the same figures."),
]
TESTED = [
    N_("axe-core in a browser against WCAG 2.1 A and AA, on every kind of page"),
    N_("keyboard alone: every control reached with Tab, dropdowns opened and chosen with the keyboard, a "
       "visible focus"),
    N_("reflow at 320 CSS pixels without loss of content, text and non-text contrast"),
    N_("page titles that name the page's indicator or area, also after a choice on the page"),
    N_("what a screen reader is given (the browser's accessibility tree): headings, table headers, names of "
       "controls, and charts read as their text summary and table rather than as their drawing"),
]
#: What a reader can do on the site.
CAN_DO = [
    N_("use every page with a keyboard alone; a 'Skip to main content' link comes first"),
    N_("read every chart as a short text summary and as a data table"),
    N_("tell statuses apart without colour: badges carry words and shapes"),
    N_("see colour scales that people with colour-blindness can read (viridis, Okabe-Ito)"),
    N_("zoom to 400% or use a screen 320 pixels wide without scrolling sideways (except inside wide tables)"),
    N_("link to any view: every selection is kept in the page address"),
    N_("download the data behind every view as CSV, Excel, Parquet or JSON"),
]


def _day(d: date) -> str:
    return fmt.date_words(d.isoformat())


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
        return [_("contact the organisation that publishes these statistics")]
    if contact.startswith(("http://", "https://")):
        return ui.sentence(_("use the contact form at {address}"), address=html.A(contact, href=contact))
    return ui.sentence(_("e-mail {address}"), address=html.A(contact, href=f"mailto:{contact}"))


def enforcement_part(enforcement: str | None, fell_back: bool = False) -> list:
    """Who enforces the directive: the deployment's words (``publication.accessibility.enforcement``, in the
    reader's language; ``fell_back``: in the default language instead, so marked with its ``lang``)."""
    if enforcement:
        return ui.sentence(_("If you are not happy with how we respond to your feedback or complaint, contact "
                             "{body}."), body=_own_words(_linked(enforcement)) if fell_back
                           else _linked(enforcement))
    return [_("Each EU member state has a body that monitors and enforces the Web Accessibility Directive "
              "(Directive (EU) 2016/2102). If you are not happy with how we respond to your feedback or "
              "complaint, you can complain to the body of the country whose public sector runs this website.")]


def _own_words(parts: list):
    """The deployment's words in the default language on a page in another one: marked with their language
    (WCAG 3.1.2)."""
    return html.Span(parts, lang=language.default())


def _applies(config, site: str | None) -> list:
    from dashboard.app import site_title

    title = site_title(config.title)
    if site:
        return ui.sentence(_("This statement applies to {title} at {address}."), title=title,
                           address=html.A(site, href=site))
    return [_("This statement applies to {title}.").format(title=title)]


def layout(**_kwargs):
    config = context.config()
    own = config.publication.accessibility
    site = config.access.public_url
    return html.Article([
        html.H1(_("Accessibility statement")),
        html.P([*_applies(config, site), " ",
                _("The website is run by the organisation that publishes these figures. We want as many people "
                  "as possible to be able to use it.")]),
        html.H2(_("What you can do on this website")),
        html.Ul([html.Li(_(t)) for t in CAN_DO]),
        html.H2(_("Compliance status")),
        html.P(_("This website is partially compliant with the Web Content Accessibility Guidelines (WCAG) 2.1 "
                 "level AA, the level EN 301 549 requires, because of the non-compliances listed below."),
               id="compliance-status"),
        html.H2(_("Non-accessible content")),
        html.H3(_("Non-compliance with WCAG 2.1 AA")),
        html.Ul([html.Li(_("{what} (WCAG {criterion}). Instead, {instead}").format(
                     what=_(what), criterion=_(criterion), instead=_(instead)))
                 for what, criterion, instead in NON_COMPLIANT], id="non-compliant"),
        html.H3(_("Disproportionate burden")),
        html.P(_("We do not claim that fixing any of the above would be a disproportionate burden.")),
        html.H3(_("Content outside the scope of the accessibility regulations")),
        html.P(_("The downloadable data files (CSV, Excel, Parquet, JSON) are data for analysis, not documents; "
                 "their accessibility has not been assessed.")),
        html.H3(_("Other limitations")),
        html.Ul([html.Li(_(t)) for t in LIMITATIONS]),
        html.H2(_("Preparation of this statement")),
        html.P(_("This statement was prepared on {prepared} and last reviewed on {reviewed}.").format(
            prepared=_day(PREPARED), reviewed=_day(REVIEWED)), id="statement-date"),
        html.P(_("The website was assessed by the team that develops its software (a self-assessment): an audit "
                 "against WCAG 2.1 A and AA, whose checks run automatically in a headless browser on every "
                 "change to the software:")),
        html.Ul([html.Li(_(t)) for t in TESTED]),
        html.P(_("It has not yet been tested with screen reader software (such as NVDA, JAWS or VoiceOver) or by "
                 "disabled users.")),
        html.H2(_("Feedback and contact information")),
        html.P([*ui.sentence(_("If you find a problem not listed here, or need information on this website in "
                               "another format (such as a table as plain text, large print or audio), "
                               "{contact}."), contact=contact_part(own.contact)),
                " ", _("We aim to reply within {days} working days.").format(days=REPLY_DAYS)],
               id="accessibility-contact"),
        html.H2(_("Enforcement procedure")),
        html.P(enforcement_part(*own.text("enforcement", language.current(), config.languages.default)),
               id="accessibility-enforcement"),
    ])
