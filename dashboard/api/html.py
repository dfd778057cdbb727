"""Plain server-rendered HTML for the download centre, the API guide and the sign-in form.

Every value is escaped; pages have a language, a skip link, one h1, landmarks, and tables with captions
and header scopes, so they work with a screen reader and without JavaScript.
"""

from __future__ import annotations

from html import escape

import flask

STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#0b0c0c}
main{max-width:60rem;margin:0 auto;padding:1rem}a{color:#1d70b8}a:focus,button:focus,select:focus,
input:focus{outline:3px solid #fd0}table{border-collapse:collapse;margin:1rem 0}th,td{border-bottom:1px solid
#b1b4b6;padding:.3rem .6rem;text-align:left}caption{text-align:left;font-weight:bold}.skip{position:absolute;
left:-999px}.skip:focus{left:1rem}.warning{border-left:5px solid #d4351c;padding:.5rem 1rem}pre{background:#f3f2f1;
padding:.75rem;overflow-x:auto}nav a{margin-right:1rem}"""


def e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, status: int = 200) -> flask.Response:
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><style>{STYLE}</style></head>
<body><a class="skip" href="#main">Skip to main content</a>
<header><nav aria-label="Open data"><a href="/data">Download centre</a><a href="/api/">API guide</a>
<a href="/api/v1/openapi.json">OpenAPI</a><a href="/catalog.jsonld">Catalogue (DCAT-AP)</a></nav></header>
<main id="main"><h1>{e(title)}</h1>
{body}
</main></body></html>"""
    resp = flask.Response(doc, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def table(caption: str, headers: list[str], rows: list[list[str]], raw_cols: set[int] | None = None) -> str:
    """A table; cells are escaped unless their column index is in ``raw_cols`` (pre-built links)."""
    raw_cols = raw_cols or set()
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if i in raw_cols else e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def link(href: str, text: str) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>'
