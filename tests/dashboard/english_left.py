"""Finds English left on a page drawn in another language: what the issue "a test renders every page in each
language and finds no English left outside data values and proper names" checks, and a tool for translators.

A page is read in a real browser: every text node (what is shown and what only a screen reader reads, SVG chart
text included), the attributes a person hears or sees (``aria-label``, ``title``, ``alt``, ``placeholder``,
``aria-description``) and the document's ``<title>``. Text inside an element whose ``lang`` is not the page's
(a text marked as shown in the default language, an area's native name, the language switcher's names) is left
alone: it is said to be in its language, as WCAG 3.1.2 asks. So is code (``<code>``, ``<pre>``, ``<kbd>``),
web addresses and the proper names of :data:`PROPER_NAMES`.

A text is English when it holds a word of :data:`ENGLISH`: words that English uses all the time and French and
German do not (``the``, ``of``, ``with``, ``value``, ``area``...; not ``in``, ``on``, ``page``, ``table``,
``status`` or ``trend``, which they share). That finds a sentence or a label left untranslated, not a lone
loanword: good enough to say "none left", and every finding names the page, where and the words.

Run against a served dashboard::

    python -m tests.dashboard.english_left --lang fr [--base http://127.0.0.1:8050] [/path ...]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

#: The pages every language is checked on (the demo's ids and codes).
PAGES = ("/", "/indicator", "/indicator/online_share", "/indicator/satisfaction_by_sex", "/area", "/area/VL101",
         "/compare?areas=VL101,VL1", "/status", "/methodology/neet_count", "/data", "/accessibility", "/nope")

#: Words English uses all the time and French and German do not (lower case; whole words only).
ENGLISH = frozenset("""
the and of with which this that these those from by for are is were has have been be will it its their there
here you your not than when where what how each every all any none other only more less about after before
between below above into over under since until yet while shows show showing shown select choose open
latest value values area areas indicator indicators target targets period periods level levels country
countries better worse track chart charts map year years search help release released
data rank ranked highest lowest worst best share number neighbours neighbors nearest compared comparison
change changes changed since latest missing withheld suppressed provisional estimate estimated published
""".split())

#: Names that are the same in every language (products, formats, standards, organisations).
PROPER_NAMES = ("CC-BY-SA-4.0", "CC-BY-4.0", "BY-4.0", "CC-BY",  # licence ids (SPDX)
                "OpenMeasure", "DCAT-AP", "SDMX-CSV", "SDMX", "CSVW", "CSV", "JSON-LD", "JSON", "XLSX", "ODS",
                "Parquet", "Frictionless", "Data Package", "OpenAPI", "API", "Excel", "GitHub", "PNG", "SVG",
                "WCAG", "Plotly", "Eurostat", "NUTS", "Open Data", "Open data", "open data", "datapackage")

_URL = re.compile(r"(?:https?://|/api/|/data\b|/indicator/|/area/|\?)\S*|\b\d{8}T\d{6}Z-[0-9a-f]+\b")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

#: Collects (where, text) pairs from the page: text nodes and the attributes people read, skipping what is in
#: another language than the page's and code.
_COLLECT = r"""() => {
  const page = (document.documentElement.lang || '').toLowerCase();
  const other = el => { const l = el && el.closest('[lang]'); return l && l.lang.toLowerCase() !== page; };
  const code = el => el && el.closest('code, pre, kbd, samp, script, style, noscript, template');
  const where = el => {
    const parts = []; let e = el;
    while (e && e.nodeType === 1 && parts.length < 4) {
      let s = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(s + '#' + e.id); break; }
      if (e.classList && e.classList.length) s += '.' + [...e.classList].slice(0, 2).join('.');
      parts.unshift(s); e = e.parentElement;
    }
    return parts.join(' > ');
  };
  const out = [['title', document.title]];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, t = n.textContent.trim();
    if (t && !code(el) && !other(el)) out.push([where(el), t]);
  }
  for (const el of document.body.querySelectorAll('[aria-label], [title], [alt], [placeholder], [aria-description]')) {
    if (code(el) || other(el)) continue;
    for (const a of ['aria-label', 'title', 'alt', 'placeholder', 'aria-description']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push([where(el) + '@' + a, v.trim()]);
    }
  }
  return out;
}"""


@dataclass(frozen=True)
class Finding:
    page: str
    where: str
    text: str
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.page} :: {self.where} :: {', '.join(self.words)} :: {self.text[:160]!r}"


def english_words(text: str, names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The words of :data:`ENGLISH` in ``text``, once proper names, data values (``names``: the areas' names,
    which are the source's, in its language) and web addresses are taken out."""
    for name in (*names, *PROPER_NAMES):
        text = text.replace(name, " ")
    text = _URL.sub(" ", text)
    seen: dict[str, None] = {}
    for w in _WORD.findall(text):
        if w.lower() in ENGLISH:
            seen.setdefault(w.lower())
    return tuple(seen)


def scan_texts(page: str, texts: list[tuple[str, str]], names: tuple[str, ...] = ()) -> list[Finding]:
    found, seen = [], set()
    names = tuple(sorted(set(names), key=len, reverse=True))  # "Republic of Veloria" before "Veloria"
    for where, text in texts:
        words = english_words(text, names)
        if words and (where, text) not in seen:
            seen.add((where, text))
            found.append(Finding(page, where, text, words))
    return found


def scan(pw_page, page: str, names: tuple[str, ...] = ()) -> list[Finding]:
    """The English left on the page a Playwright ``pw_page`` shows now (``page``: its address, for the report;
    ``names``: data values to leave alone, such as :func:`area_names`)."""
    return scan_texts(page, [tuple(t) for t in pw_page.evaluate(_COLLECT)], names)


def area_names(base: str) -> tuple[str, ...]:
    """Every area's name, from the served API: data values, in the source's language."""
    import json
    from urllib.request import urlopen

    with urlopen(f"{base}/api/v1/areas") as answer:
        return tuple(a["name"] for a in json.load(answer)["data"] if a.get("name"))


def open_page(tab, path: str) -> int:
    """Opens ``path`` in a ``tests.dashboard.conftest.Page``: a Dash page once drawn, a server page once loaded.
    Returns the HTTP status."""
    answer = tab.page.goto(tab.base + path)
    if tab.page.locator("#react-entry-point").count():
        tab.settle()
    else:
        tab.page.wait_for_load_state("load")
    return answer.status if answer else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.dashboard.english_left", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", required=True, help="the language the pages are asked for (?lang=)")
    parser.add_argument("--base", default="http://127.0.0.1:8050", help="the served dashboard")
    parser.add_argument("pages", nargs="*", default=list(PAGES), help=f"addresses to read (default: {' '.join(PAGES)})")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS, Page

    total, names = 0, area_names(args.base)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for path in args.pages:
            tab = Page(browser, args.base)
            try:
                status = open_page(tab, path + ("&" if "?" in path else "?") + f"lang={args.lang}")
                findings = scan(tab.page, path, names)
                if status >= 400 and path != "/nope":
                    findings.append(Finding(path, "HTTP", f"the page answered {status}", ()))
            finally:
                tab.close()
            total += len(findings)
            print(f"# {path}: {len(findings)} English text(s) left")
            for f in findings:
                print(f"  {f.where} :: {', '.join(f.words)} :: {f.text[:160]!r}")
        browser.close()
    print(f"# {total} in all")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
