"""The human API guide (``/api/``) and the managers' sign-in form (``/auth/login``, ``/auth/logout``)."""

from __future__ import annotations

import flask

from core import i18n
from dashboard.api import http, openapi, params
from dashboard.api.download_formats import FORMATS
from dashboard.api.errors import ApiError
from dashboard.api.html import e, link, page, reader_language, table, use_language
from dashboard.api.state import limit_request, state
from dashboard.i18n import N_
from dashboard.language import _, href

bp = flask.Blueprint("openmeasure_guide", __name__)
bp.before_request(limit_request)
bp.before_request(use_language)  # the page's language, before its words

MAX_FORM_BYTES = 4096


#: The guide's words (dashboard/locales); the code examples, route names and parameters stay as they are.
GUIDE = {
    "intro": N_("Every figure is available as data: JSON (paged with a cursor), CSV (UTF-8; add {bom} for "
                "Excel), {formats} and {last}. Pin any query to a release with {release} so that a script gives "
                "the same answer as long as that release is kept: this server keeps its {keep} most recent "
                "releases ({list}), so to keep a release's figures for good, download its zip from {centre}. "
                "The current release is {current}. The machine-readable description is {openapi}."),
    "the list": N_("the list"), "the centre": N_("the download centre"),
    "openapi": N_("the OpenAPI document"), "examples": N_("Examples"), "rules": N_("Rules"),
    "routes": N_("Routes"),
    "refused": N_("Unknown parameters, indicator ids, area codes, levels, formats or releases are refused with a "
                  "400 whose JSON names the parameter."),
    "rows": N_("A download may hold at most {rows} rows ({spreadsheet_rows} for {spreadsheets}); narrow the "
               "query or take the whole release as one zip from {centre}."),
    "pages": N_("JSON pages hold {rows} rows by default ({limit}, at most {most}); follow {next} for the rest."),
    "etag": N_("Responses carry an {etag}; send it back in {if_none_match} to get a 304."),
    "suppressed": N_("Suppressed values are empty with the status {suppressed}."),
    "names": N_("Every row of values names its area: {code} and, after it, {name} (the name in that release)."),
    "language": N_("Add {lang} for the metadata (titles, units, the downloads' metadata, a release's README) in "
                   "another language this server offers: {languages}. Values and codes are the same in every "
                   "language."),
    "and": N_("{first} and {last}"),
    "caption": N_("Routes of /api/v1"), "route": N_("route"), "what": N_("what"),
    "parameters": N_("query parameters"), "none": N_("none"),
    "title": N_("OpenMeasure open-data API"),
}


def _code(text: str) -> str:
    return f"<code>{e(text)}</code>"


@bp.get("/api/")
def guide():
    params.check_names(flask.request.args, {"lang"})
    st = state()
    lang = reader_language()
    say = {k: _(v) for k, v in GUIDE.items()}
    num = lambda n: e(i18n.number(n, lang))  # noqa: E731
    base = st.base_url().rstrip("/")
    rel = st.public.current()
    ind = sorted(rel.indicator_ids)[0] if rel.indicator_ids else "INDICATOR"
    level = rel.levels[-1]
    english = (lambda text: f'<span lang="en">{e(text)}</span>') if lang != "en" else e  # the API's own summaries
    routes = [[r, english(openapi.SUMMARIES[r]), ", ".join(_code(n) for n in sorted(openapi.accepted(r)))
               or e(say["none"])] for r in openapi.ROUTE_PARAMS]
    curl = (f"curl -s '{base}/api/v1/indicators'\n"
            f"curl -s '{base}/api/v1/data?indicator={ind}&level={level}&period_from=2018'\n"
            f"curl -sO -J '{base}/api/v1/data?indicator={ind}&format=csv&bom=true'\n"
            f"curl -s '{base}/api/v1/data?indicator={ind}&release={rel.id}'   # pinned to a release")
    pandas = (f'import pandas as pd\n\nurl = "{base}/api/v1/data?indicator={ind}&level={level}&format=csv"\n'
              "df = pd.read_csv(url, keep_default_na=False, na_values=[''],\n"
              "                 dtype={'period': str, 'previous_period': str, 'target_period': str})\n"
              f'# or Parquet: pd.read_parquet("{base}/api/v1/data?indicator={ind}&format=parquet")')
    r_code = (f'library(readr)\n\nurl <- "{base}/api/v1/data?indicator={ind}&level={level}&format=csv"\n'
              "df <- read_csv(url)\n"
              f'# JSON pages: jsonlite::fromJSON("{base}/api/v1/data?indicator={ind}")$data')
    others = [f.label for f in FORMATS.values() if not f.paged and f.name != "csv"]
    spreadsheets = [f.label for f in FORMATS.values() if f.spreadsheet]
    spreadsheets = say["and"].format(first=", ".join(spreadsheets[:-1]), last=spreadsheets[-1]) \
        if len(spreadsheets) > 1 else spreadsheets[0]
    centre = link(href("/data"), say["the centre"])
    access = st.config.access
    intro = e(say["intro"]).format(
        bom=_code("bom=true"), formats=e(", ".join(others[:-1])), last=e(others[-1]), release=_code("release=<id>"),
        keep=num(st.config.publication.keep_releases), list=link("/api/v1/releases", say["the list"]),
        centre=centre, current=f"<strong>{e(rel.id)}</strong>",
        openapi=link("/api/v1/openapi.json", say["openapi"]))
    rules = [e(say["refused"]),
             e(say["rows"]).format(rows=num(access.max_rows), spreadsheet_rows=num(access.max_rows_xlsx),
                                   spreadsheets=e(spreadsheets), centre=centre),
             e(say["pages"]).format(rows=num(access.page_size), limit=_code("limit"), most=num(access.max_page_size),
                                    next=_code("next")),
             e(say["etag"]).format(etag=_code("ETag"), if_none_match=_code("If-None-Match")),
             e(say["suppressed"]).format(suppressed=_code("suppressed")),
             e(say["names"]).format(code=_code("area_code"), name=_code("area_name"))]
    if len(st.config.languages.available) > 1:
        rules.append(e(say["language"]).format(lang=_code("lang"), languages=", ".join(
            _code(code) for code in st.config.languages.available)))
    items = "".join(f"<li>{rule}</li>" for rule in rules)
    routes_table = table(say["caption"], [say["route"], say["what"], say["parameters"]], routes, {1, 2})
    body = f"""<p>{intro}</p>
<h2>{e(say["examples"])}</h2>
<h3>curl</h3><pre><code>{e(curl)}</code></pre>
<h3>Python (pandas)</h3><pre><code>{e(pandas)}</code></pre>
<h3>R</h3><pre><code>{e(r_code)}</code></pre>
<h2>{e(say["rules"])}</h2>
<ul>{items}</ul>
<h2>{e(say["routes"])}</h2>
{routes_table}"""
    # the page's language (which Accept-Language may set) is part of its validator
    return http.current_document(f"{rel.id}|{lang}", st.config.access.cache_seconds,
                                 lambda: page(say["title"], body))


#: The sign-in form's words.
SIGN_IN = {"wrong": N_("The user name or password is not right."), "signed": N_("Signed in as {who}."),
           "user": N_("User name"), "password": N_("Password"), "submit": N_("Sign in"),
           "title": N_("Sign in (managers)")}


@bp.route("/auth/login", methods=["GET", "POST"])
def login():
    st = state()
    if not st.access.sign_in_enabled:
        raise ApiError("sign-in is not enabled on this server (access.mode is not 'accounts')", status=404)
    say = {k: e(_(v)) for k, v in SIGN_IN.items()}
    message = ""
    if flask.request.method == "POST":
        if (flask.request.content_length or 0) > MAX_FORM_BYTES:
            raise ApiError("the form is too large", status=413)
        form = flask.request.form
        if not st.access.csrf_ok(form.get("csrf")):
            raise ApiError("the form expired; load the sign-in page again", parameter="csrf", status=400)
        if st.access.locked(form.get("username", "")):
            raise ApiError("too many failed sign-ins; wait five minutes and try again", status=429)
        if st.access.sign_in(form.get("username", "")[:64], form.get("password", "")[:1024]):
            return flask.redirect(href("/"), code=303)
        message = f'<p class="warning" role="alert">{say["wrong"]}</p>'
    who = st.access.manager()
    signed = f"<p>{say['signed'].format(who=f'<strong>{e(who)}</strong>')}</p>" if who else ""
    body = f"""{message}{signed}<form method="post" action="{e(href('/auth/login'))}">
<input type="hidden" name="csrf" value="{e(st.access.csrf_token())}">
<p><label for="username">{say["user"]}</label><br><input id="username" name="username" autocomplete="username" required></p>
<p><label for="password">{say["password"]}</label><br><input id="password" name="password" type="password"
autocomplete="current-password" required></p><p><button type="submit">{say["submit"]}</button></p></form>"""
    resp = page(_(SIGN_IN["title"]), body, status=401 if message else 200)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/auth/logout")
def logout():
    st = state()
    if not st.access.csrf_ok(flask.request.form.get("csrf")):
        raise ApiError("the form expired; load the page again", parameter="csrf", status=400)
    st.access.sign_out()
    return flask.redirect("/", code=303)
