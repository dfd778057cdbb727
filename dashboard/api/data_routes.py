"""The download centre (``/data``), release files, revisions and the DCAT-AP catalogue.

These routes always use the public reader: a bulk file, the catalogue and the revisions table are the same
for everyone and never contain an internal indicator.
"""

from __future__ import annotations

from urllib.parse import urlencode

import flask
from babel.numbers import get_decimal_symbol

from core import i18n
from dashboard import language
from dashboard.api import bulk, formats, http, params, revisions
from dashboard.api import language as api_language
from dashboard.api.catalog import catalogue
from dashboard.api.csv_blocks import BlockBody as CsvBlockBody
from dashboard.api.download_formats import FORMATS
from dashboard.api.errors import ApiError
from dashboard.api.html import e, link, page, reader_language, table, use_language
from dashboard.api.language import indicator_texts as texts_in
from dashboard.api.metadata import attribution, citation
from dashboard.api.state import limit_request, state
from dashboard.components.fmt import date_words
from dashboard.i18n import N_
from dashboard.language import _, href
from dashboard.release_reader import Release

bp = flask.Blueprint("openmeasure_data", __name__)
bp.before_request(limit_request)
bp.before_request(use_language)  # the page's language, before its words

IMMUTABLE = 86_400
HTML_REVISIONS = 500


#: Human names of the release files' formats (the download centre shows no MIME types).
FORMAT_NAMES = {"application/csvm+json": N_("CSVW metadata (JSON)"), "application/json": "JSON",
                "text/markdown": N_("Text (Markdown)"), "application/zip": N_("ZIP archive")}
#: What each release file holds, by the part of its name before the first dot.
FILE_CONTENTS = {"indicator_values": N_("Every public value"), "areas": N_("The areas and their parents"),
                 "indicators": N_("The indicators: definitions, units, sources"),
                 "datapackage": N_("Description of the files"),
                 "README": N_("Licence, citation, indicators, status words")}
DESCRIBES = N_("Describes the columns of {name} ({csvw})")  # csvw: the W3C standard's name, in English
IN_SDMX = N_("{contents}, in SDMX-CSV")


def words(message: str, **html_values: str) -> str:
    """A UI message in the reader's language, escaped, with ``html_values`` (already HTML) put in its places."""
    return e(_(message)).format(**html_values)


def format_name(mime: str) -> str:
    """A file's format in words: the download formats' own label (CSV, Parquet, SDMX-CSV), else a name from
    :data:`FORMAT_NAMES`, else the MIME type's subtype."""
    for f in FORMATS.values():
        if f.mime == mime:
            return f.label
    bare = mime.split(";")[0].strip()
    return _(FORMAT_NAMES[bare]) if bare in FORMAT_NAMES else bare.rsplit("/", 1)[-1].upper()


def file_contents(name: str) -> str:
    """What a release file holds, in a few words (HTML: a file's name is code, a standard's name English)."""
    if name.endswith("-metadata.json"):
        return words(DESCRIBES, name=f"<code>{e(name.removesuffix('-metadata.json'))}</code>",
                     csvw='<span lang="en">CSV on the Web</span>')
    said = FILE_CONTENTS.get(name.split(".")[0], "")
    said = e(_(said)) if said else ""
    return words(IN_SDMX, contents=said) if said and ".sdmx." in name else said


def _release(rid: str, name: str = "release_id", status: int = 400) -> Release:
    reader = state().public
    return reader.current() if rid == "current" else params.release_by_id(reader, rid, name, status)


def _in_lang(lang: str, default: str) -> dict[str, str]:
    """``lang`` as a download link's query parameter, when it is not the default (the file's words follow it)."""
    return {"lang": lang} if lang != default else {}


@bp.get("/data")
def centre():
    params.check_names(flask.request.args, {"lang"})
    st = state()
    lang, default = reader_language(), st.config.languages.default
    rel = st.public.current()
    m = rel.manifest
    listed = st.public.store.list()
    base = f"/data/releases/{rel.id}/"
    query = ("?" + urlencode(_in_lang(lang, default))) if lang != default else ""
    files = [[link(base + "release.zip" + query, _("Everything (zip)")), e(_("ZIP archive")),
              _("Parquet and CSV of every public value, areas and indicators, datapackage.json, README")]]
    files[0][2] = e(files[0][2])
    files += [[f'<a href="{e(base + name + (query if bulk.in_language(name) else ""))}"><code>{e(name)}</code></a>',
               e(format_name(mime)), file_contents(name)] for name, (mime, _w) in bulk.FILES.items()]
    inds = []
    for r in rel.indicators.to_dict("records"):
        texts, _fell_back = texts_in(st.config, r, lang)
        downloads = "".join(
            "<li>" + link("/api/v1/data?" + urlencode({"indicator": r["id"], "format": f.name,
                                                       **_in_lang(lang, default)}), f.label) + "</li>"
            for f in FORMATS.values())
        inds.append([link(href(f"/methodology/{r['id']}"), texts["title"]), texts["unit"],
                     f'<ul class="inline-links">{downloads}</ul>'])
    rels = [[r["id"], date_words(r["created"]) or r["created"] or "", _("current") if r["current"] else "",
             link(f"/data/releases/{r['id']}/release.zip{query}", "zip") + " "
             + link(f"/data/releases/{r['id']}/datapackage.json{query}", "datapackage.json")] for r in listed]
    options = "".join(f'<option value="{e(r["id"])}">{e(r["id"])}</option>' for r in listed)
    older = listed[1]["id"] if len(listed) > 1 else listed[0]["id"]
    hidden = f'<input type="hidden" name="lang" value="{e(lang)}">' if language.keeps_lang() else ""
    lead = words(N_("Every published figure as files to download, for each indicator or the whole release."))
    current = words(N_("Current release {release}, published {date}."), release=f"<strong>{e(rel.id)}</strong>",
                    date=e(date_words(m.get("created")) or m.get("created")))
    terms = words(N_("Licence: {licence}. Attribution (required): {attribution}."),
                  licence=f"<strong><code>{e(m.get('licence'))}</code></strong>",
                  attribution=e(attribution(rel, st.config, lang)))
    cite = words(N_("Cite as: {citation}"), citation=f"<q>{e(citation(rel, st.config, lang))}</q>")
    withheld = words(N_("Suppressed values (small counts about people) are left empty with the status "
                        "{suppressed} in every file. Internal management indicators are not published."),
                     suppressed="<code>suppressed</code>")
    by_indicator = words(N_("Each indicator's name links to its methodology page: how it is defined and "
                            "computed, its sources and caveats."))
    elsewhere = words(N_("{catalogue} for open-data portals; {api} for scripts."),
                      catalogue=link("/catalog.jsonld", _("DCAT-AP catalogue (JSON-LD)")),
                      api=link(href("/api/"), _("the API")))
    h2 = {k: words(v) for k, v in (("current", N_("The current release")), ("by", N_("By indicator")),
                                    ("kept", N_("All kept releases")),
                                    ("revisions", N_("Revisions between two releases")))}
    label = {k: words(v) for k, v in (("from", N_("Earlier release")), ("to", N_("Later release")),
                                       ("show", N_("Show revisions")))}
    files_table = table(_("Files of the current release"), [_("File"), _("Format"), _("Contents")], files,
                        {0, 1, 2})
    inds_table = table(_("Downloads for each indicator"), [_("Indicator"), _("Unit"), _("Download")], inds, {0, 2})
    rels_table = table(_("Releases, newest first"), [_("Release"), _("Published"), _("Status"), _("Files")], rels,
                       {3})
    body = f"""<p class="lead">{lead}</p>
<p>{current}
{terms}</p>
<p>{cite}</p>
<p>{withheld}</p>
<h2>{h2["current"]}</h2>
{files_table}
<h2>{h2["by"]}</h2>
<p>{by_indicator}</p>
{inds_table}
<h2>{h2["kept"]}</h2>
{rels_table}
<h2>{h2["revisions"]}</h2>
<form action="/data/revisions" method="get" class="controls">{hidden}
<div class="control"><label for="rev-from">{label["from"]}</label>
<select id="rev-from" name="from">{options.replace(f'value="{e(older)}"', f'value="{e(older)}" selected', 1)}</select></div>
<div class="control"><label for="rev-to">{label["to"]}</label>
<select id="rev-to" name="to">{options}</select></div>
<div class="control control-button"><button type="submit" class="search-button">{label["show"]}</button></div></form>
<p>{elsewhere}</p>"""
    return http.finish(page(_("Download centre"), body), None, True, st.config.access.cache_seconds)


@bp.get("/data/releases/<release_id>/<name>")
def release_file(release_id: str, name: str):
    params.check_names(flask.request.args, {"lang"})
    st = state()
    lang = api_language.requested(flask.request.args, st.config)  # the words of the README and metadata files
    if name != "release.zip" and name not in bulk.FILES:
        raise ApiError(f"no file {name[:64]!r} in a release; the files are: release.zip, "
                       + ", ".join(bulk.FILES), parameter="name", status=404)
    rel = _release(release_id, status=404)  # in the path: a file that is not there
    etag = http.etag_for(rel.id, "public")
    max_age = st.config.access.cache_seconds if release_id == "current" else IMMUTABLE
    hit = http.conditional(etag, True, max_age)
    if hit:
        return hit
    base = st.base_url()
    st.blocks.ensure_current(st.public)  # pre-render the current release's CSV (once, in the background)
    if name == "release.zip":
        mime, filename = "application/zip", f"openmeasure-{rel.id}.zip"
        body = lambda: bulk.zip_stream(rel, base, st.blocks, st.config, lang)  # noqa: E731
    else:
        mime, write = bulk.FILES[name]
        body, filename = (lambda: write(rel, base, config=st.config, lang=lang)), f"openmeasure-{rel.id}-{name}"
        if write is bulk.values_csv:
            body = lambda: bulk.values_csv(rel, base, st.blocks)  # noqa: E731
    # a data file is the same bytes in every language: cached once
    key = f"{rel.id}|{name}|{base}" + (f"|{lang}" if bulk.in_language(name) else "")
    hit = st.cache.get(key)
    if hit:
        resp = http.send_cached(hit, mime, filename)
    else:
        bulk.verify_before_sending(rel, name)  # a damaged file: 503 now, not a body that breaks off
        chunks = body()
        resp = http.stream(st.cache.tee(key, chunks), mime, filename)
        resp.headers["X-OpenMeasure-Cache"] = "miss" if st.cache.enabled else "off"
        if name == "indicator_values.csv":
            resp.headers["X-OpenMeasure-Render"] = "blocks" if isinstance(chunks, CsvBlockBody) else "rendered"
    resp.headers["X-OpenMeasure-Release"] = rel.id
    if bulk.in_language(name):
        resp.headers["Content-Language"] = lang
    return http.finish(resp, etag, True, max_age)


@bp.get("/data/revisions")
def revisions_view():
    st = state()
    args = flask.request.args
    params.check_names(args, {"from", "to", "format", "indicator", "lang"})
    for name in ("from", "to"):
        if name not in args:
            raise ApiError(f"give {name!r}: a release id from /api/v1/releases", parameter=name)
    old, new = _release(params.single(args, "from"), "from"), _release(params.single(args, "to"), "to")
    if old.id > new.id:  # ids sort in the order the runs that made them started
        raise ApiError(f"'from' ({old.id}) is a later release than 'to' ({new.id}): give the earlier release as "
                       f"'from', or a value added since would read as removed", parameter="from")
    inds = params.known(args, "indicator", "indicator", old.indicator_ids | new.indicator_ids)
    fmt = params.one(args, "format", ("html", "csv", "json"), "html")
    # the page is in the reader's language, which Accept-Language may set: part of its validator
    etag = http.etag_for(f"{old.id}|{new.id}" + (f"|{reader_language()}" if fmt == "html" else ""), "public")
    # two named releases never change; 'current' moves with the next release, so its answer may not be kept
    # for a day (the ETag, made from the ids it stands for, tells a revalidating client when it moved)
    max_age = st.config.access.cache_seconds if "current" in (args["from"], args["to"]) else IMMUTABLE
    hit = http.conditional(etag, True, max_age)
    if hit:
        return hit
    why = revisions.explanation(old, new)
    t = revisions.revisions(old, new, inds, why)
    counts = revisions.summary(t)
    shown = set(t.column("indicator").to_pylist()) if t.num_rows else set()
    why["indicators"] = {k: v for k, v in why["indicators"].items() if k in shown}  # those with a change
    if fmt == "csv":
        resp = http.stream(formats.csv_stream(t.schema, t.to_batches()), FORMATS["csv"].mime,
                           f"openmeasure-revisions-{old.id}-{new.id}.csv")
    elif fmt == "json":
        resp = http.json_response({"from": old.id, "to": new.id, "summary": counts, "explanation": why,
                                   "data": t.to_pylist()})
    else:
        lang = reader_language()
        q = {"from": old.id, "to": new.id, **({"indicator": ",".join(inds)} if inds else {})}
        point = get_decimal_symbol(i18n.locale(lang))  # six significant digits, the language's decimal sign
        rows = [[("" if v is None else f"{v:.6g}".replace(".", point) if isinstance(v, float) else v)
                 for v in r.values()] for r in t.slice(0, HTML_REVISIONS).to_pylist()]
        more = (f"<p>{words(MORE, shown=i18n.number(HTML_REVISIONS, lang), total=i18n.number(t.num_rows, lang))}</p>"
                if t.num_rows > HTML_REVISIONS else "")
        said = ", ".join(words(COUNTS[k], n=i18n.number(v, lang)) if k in COUNTS else f"{v:,} {k}"
                         for k, v in counts.items())
        between = words(BETWEEN, old=f"<strong>{e(old.id)}</strong>", new=f"<strong>{e(new.id)}</strong>",
                        counts=said)
        download = words(DOWNLOAD, csv=link("/data/revisions?" + urlencode({**q, "format": "csv"}), "CSV"),
                         json=link("/data/revisions?" + urlencode({**q, "format": "json"}), "JSON"))
        body = (f"<p>{between}</p>" + _why_html(why) + f"<p>{download}</p>" + more
                + table(_("Changed values"), t.schema.names, rows))
        resp = page(_("Revisions between two releases"), body)
    return http.finish(resp, etag, True, max_age)


#: The revisions page's words.
MORE = N_("Showing the first {shown} of {total} changes; download them all.")
BETWEEN = N_("From release {old} to {new}: {counts}.")
DOWNLOAD = N_("Download: {csv} {json}")
COUNTS = {"revised": N_("{n} revised"), "added": N_("{n} added"), "removed": N_("{n} removed"),
          "status": N_("{n} status")}
WHY = {"sources": N_("Source data changed: {sources}."), "no_source": N_("No source's data changed."),
       "definitions": N_("Definition changed (how it is computed): {indicators}."),
       "geography": N_("The geography changed (areas or their parents)."),
       "configuration": N_("The configuration changed."),
       "software": N_("The software that computed the figures changed."),
       "heading": N_("Why values changed"), "reason": N_("The {reason} column says what applies to each value.")}


def _why_html(why: dict) -> str:
    """What changed between the two releases, in words: the column ``reason`` says which applies to a value."""
    changed = [s["title"] for s in why["sources"] if s["changed"]]
    items = [words(WHY["sources"], sources=e(", ".join(changed))) if changed else words(WHY["no_source"])]
    if why["definitions_changed"]:
        items.append(words(WHY["definitions"], indicators=e(", ".join(why["definitions_changed"]))))
    items += [words(WHY[key]) for key, on in (("geography", why["geography_changed"]),
                                              ("configuration", why["configuration_changed"]),
                                              ("software", why["software_changed"])) if on]
    return (f"<h2>{words(WHY['heading'])}</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
            f"<p>{words(WHY['reason'], reason='<code>reason</code>')}</p>")


@bp.get("/catalog.jsonld")
def catalog():
    params.check_names(flask.request.args, set())
    st = state()
    rel = st.public.current()

    def build():
        resp = http.json_response(catalogue(rel, st.base_url(), st.config.publication.catalogue, st.config))
        resp.mimetype = "application/ld+json"
        return resp

    return http.current_document(rel.id, st.config.access.cache_seconds, build)
