"""The human API guide (``/api/``) and the managers' sign-in form (``/auth/login``, ``/auth/logout``)."""

from __future__ import annotations

import flask

from dashboard.api import http, openapi, params
from dashboard.api.download_formats import FORMATS
from dashboard.api.errors import ApiError
from dashboard.api.html import e, link, page, table
from dashboard.api.state import limit_request, state

bp = flask.Blueprint("openmeasure_guide", __name__)
bp.before_request(limit_request)

MAX_FORM_BYTES = 4096


@bp.get("/api/")
def guide():
    params.check_names(flask.request.args, set())
    st = state()
    base = st.base_url().rstrip("/")
    rel = st.public.current()
    ind = sorted(rel.indicator_ids)[0] if rel.indicator_ids else "INDICATOR"
    level = rel.levels[-1]
    routes = [[r, openapi.SUMMARIES[r], ", ".join(sorted(openapi.accepted(r))) or "none"]
              for r in openapi.ROUTE_PARAMS]
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
    spreadsheets = " and ".join(f.label for f in FORMATS.values() if f.spreadsheet)
    body = f"""<p>Every figure is available as data: JSON (paged with a cursor), CSV (UTF-8; add
<code>bom=true</code> for Excel), {", ".join(others[:-1])} and {others[-1]}. Pin any query to a release with
<code>release=&lt;id&gt;</code> so that a script gives the same answer as long as that release is kept: this
server keeps its {st.config.publication.keep_releases:,} most recent releases ({link('/api/v1/releases', 'the list')}),
so to keep a release's figures for good, download its zip from {link('/data', 'the download centre')}. The
current release is <strong>{e(rel.id)}</strong>. The machine-readable description is {link('/api/v1/openapi.json', 'the OpenAPI document')}.</p>
<h2>Examples</h2>
<h3>curl</h3><pre><code>{e(curl)}</code></pre>
<h3>Python (pandas)</h3><pre><code>{e(pandas)}</code></pre>
<h3>R</h3><pre><code>{e(r_code)}</code></pre>
<h2>Rules</h2>
<ul><li>Unknown parameters, indicator ids, area codes, levels, formats or releases are refused with a 400 whose
JSON names the parameter.</li>
<li>A download may hold at most {st.config.access.max_rows:,} rows ({st.config.access.max_rows_xlsx:,} for
{spreadsheets}); narrow the query or take the whole release as one zip from {link('/data', 'the download centre')}.</li>
<li>JSON pages hold {st.config.access.page_size:,} rows by default (<code>limit</code>, at most
{st.config.access.max_page_size:,}); follow <code>next</code> for the rest.</li>
<li>Responses carry an <code>ETag</code>; send it back in <code>If-None-Match</code> to get a 304.</li>
<li>Suppressed values are empty with the status <code>suppressed</code>.</li>
<li>Every row of values names its area: <code>area_code</code> and, after it, <code>area_name</code> (the name
in that release).</li></ul>
<h2>Routes</h2>
{table("Routes of /api/v1", ["route", "what", "query parameters"], routes)}"""
    return http.current_document(rel.id, st.config.access.cache_seconds,
                                 lambda: page("OpenMeasure open-data API", body))


@bp.route("/auth/login", methods=["GET", "POST"])
def login():
    st = state()
    if not st.access.sign_in_enabled:
        raise ApiError("sign-in is not enabled on this server (access.mode is not 'accounts')", status=404)
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
            return flask.redirect("/", code=303)
        message = '<p class="warning" role="alert">The user name or password is not right.</p>'
    who = st.access.manager()
    signed = f"<p>Signed in as <strong>{e(who)}</strong>.</p>" if who else ""
    body = f"""{message}{signed}<form method="post" action="/auth/login">
<input type="hidden" name="csrf" value="{e(st.access.csrf_token())}">
<p><label for="username">User name</label><br><input id="username" name="username" autocomplete="username" required></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password"
autocomplete="current-password" required></p><p><button type="submit">Sign in</button></p></form>"""
    resp = page("Sign in (managers)", body, status=401 if message else 200)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/auth/logout")
def logout():
    st = state()
    if not st.access.csrf_ok(flask.request.form.get("csrf")):
        raise ApiError("the form expired; load the page again", parameter="csrf", status=400)
    st.access.sign_out()
    return flask.redirect("/", code=303)
