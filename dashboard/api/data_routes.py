"""The download centre (``/data``), release files, revisions and the DCAT-AP catalogue.

These routes always use the public reader: a bulk file, the catalogue and the revisions table are the same
for everyone and never contain an internal indicator.
"""

from __future__ import annotations

from urllib.parse import urlencode

import flask

from dashboard.api import bulk, formats, http, language, params, revisions
from dashboard.api.catalog import catalogue
from dashboard.api.csv_blocks import BlockBody as CsvBlockBody
from dashboard.api.download_formats import FORMATS
from dashboard.api.errors import ApiError
from dashboard.api.html import e, link, page, table
from dashboard.api.metadata import citation
from dashboard.api.state import limit_request, state
from dashboard.components.fmt import date_words
from dashboard.release_reader import Release

bp = flask.Blueprint("openmeasure_data", __name__)
bp.before_request(limit_request)

IMMUTABLE = 86_400
HTML_REVISIONS = 500


#: Human names of the release files' formats (the download centre shows no MIME types).
FORMAT_NAMES = {"application/csvm+json": "CSVW metadata (JSON)", "application/json": "JSON",
                "text/markdown": "Text (Markdown)", "application/zip": "ZIP archive"}
#: What each release file holds, by the part of its name before the first dot.
FILE_CONTENTS = {"indicator_values": "Every public value", "areas": "The areas and their parents",
                 "indicators": "The indicators: definitions, units, sources", "datapackage": "Description of the files",
                 "README": "Licence, citation, indicators, status words"}


def format_name(mime: str) -> str:
    """A file's format in words: the download formats' own label (CSV, Parquet, SDMX-CSV), else a name from
    :data:`FORMAT_NAMES`, else the MIME type's subtype."""
    for f in FORMATS.values():
        if f.mime == mime:
            return f.label
    bare = mime.split(";")[0].strip()
    return FORMAT_NAMES.get(bare, bare.rsplit("/", 1)[-1].upper())


def file_contents(name: str) -> str:
    """What a release file holds, in a few words."""
    if name.endswith("-metadata.json"):
        return f"Describes the columns of {name.removesuffix('-metadata.json')} (CSV on the Web)"
    said = FILE_CONTENTS.get(name.split(".")[0], "")
    return f"{said}, in SDMX-CSV" if said and ".sdmx." in name else said


def _release(rid: str, name: str = "release_id", status: int = 400) -> Release:
    reader = state().public
    return reader.current() if rid == "current" else params.release_by_id(reader, rid, name, status)


@bp.get("/data")
def centre():
    params.check_names(flask.request.args, set())
    st = state()
    rel = st.public.current()
    m = rel.manifest
    listed = st.public.store.list()
    base = f"/data/releases/{rel.id}/"
    files = [[link(base + "release.zip", "Everything (zip)"), "ZIP archive",
              "Parquet and CSV of every public value, areas and indicators, datapackage.json, README"]]
    files += [[link(base + name, name), format_name(mime), file_contents(name)]
              for name, (mime, _) in bulk.FILES.items()]
    inds = [[link(f"/methodology/{r.id}", r.title), r.unit, '<ul class="inline-links">' + "".join(
        "<li>" + link("/api/v1/data?" + urlencode({"indicator": r.id, "format": f.name}), f.label) + "</li>"
        for f in FORMATS.values()) + "</ul>"] for r in rel.indicators.itertuples(index=False)]
    rels = [[r["id"], r["created"] or "", "current" if r["current"] else "",
             link(f"/data/releases/{r['id']}/release.zip", "zip") + " "
             + link(f"/data/releases/{r['id']}/datapackage.json", "datapackage.json")] for r in listed]
    options = "".join(f'<option value="{e(r["id"])}">{e(r["id"])}</option>' for r in listed)
    older = listed[1]["id"] if len(listed) > 1 else listed[0]["id"]
    body = f"""<p class="lead">Every published figure as files to download, for each indicator or the whole
release.</p>
<p>Current release <strong>{e(rel.id)}</strong>, published {e(date_words(m.get('created')) or m.get('created'))}.
Licence: <strong>{e(m.get('licence'))}</strong>. Attribution (required): {e(m.get('attribution'))}.</p>
<p>Cite as: <q>{e(citation(rel))}</q></p>
<p>Suppressed values (small counts about people) are left empty with the status <code>suppressed</code> in
every file. Internal management indicators are not published.</p>
<h2>The current release</h2>
{table("Files of the current release", ["File", "Format", "Contents"], files, {0})}
<h2>By indicator</h2>
<p>Each indicator's name links to its methodology page: how it is defined and computed, its sources and
caveats.</p>
{table("Downloads for each indicator", ["Indicator", "Unit", "Download"], inds, {0, 2})}
<h2>All kept releases</h2>
{table("Releases, newest first", ["Release", "Published", "Status", "Files"], rels, {3})}
<h2>Revisions between two releases</h2>
<form action="/data/revisions" method="get" class="controls">
<div class="control"><label for="rev-from">Earlier release</label>
<select id="rev-from" name="from">{options.replace(f'value="{e(older)}"', f'value="{e(older)}" selected', 1)}</select></div>
<div class="control"><label for="rev-to">Later release</label>
<select id="rev-to" name="to">{options}</select></div>
<div class="control control-button"><button type="submit" class="search-button">Show revisions</button></div></form>
<p>{link("/catalog.jsonld", "DCAT-AP catalogue (JSON-LD)")} for open-data portals;
{link("/api/", "the API")} for scripts.</p>"""
    return http.finish(page("Download centre", body), None, True, st.config.access.cache_seconds)


@bp.get("/data/releases/<release_id>/<name>")
def release_file(release_id: str, name: str):
    params.check_names(flask.request.args, {"lang"})
    st = state()
    lang = language.requested(flask.request.args, st.config)  # the words of the README and metadata files
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
    return http.finish(resp, etag, True, max_age)


@bp.get("/data/revisions")
def revisions_view():
    st = state()
    args = flask.request.args
    params.check_names(args, {"from", "to", "format", "indicator"})
    for name in ("from", "to"):
        if name not in args:
            raise ApiError(f"give {name!r}: a release id from /api/v1/releases", parameter=name)
    old, new = _release(params.single(args, "from"), "from"), _release(params.single(args, "to"), "to")
    if old.id > new.id:  # ids sort in the order the runs that made them started
        raise ApiError(f"'from' ({old.id}) is a later release than 'to' ({new.id}): give the earlier release as "
                       f"'from', or a value added since would read as removed", parameter="from")
    fmt = params.one(args, "format", ("html", "csv", "json"), "html")
    inds = params.known(args, "indicator", "indicator", old.indicator_ids | new.indicator_ids)
    etag = http.etag_for(f"{old.id}|{new.id}", "public")
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
        q = {"from": old.id, "to": new.id, **({"indicator": ",".join(inds)} if inds else {})}
        rows = [[("" if v is None else f"{v:.6g}" if isinstance(v, float) else v) for v in r.values()]
                for r in t.slice(0, HTML_REVISIONS).to_pylist()]
        more = (f"<p>Showing the first {HTML_REVISIONS:,} of {t.num_rows:,} changes; download them all.</p>"
                if t.num_rows > HTML_REVISIONS else "")
        body = (f"<p>From release <strong>{e(old.id)}</strong> to <strong>{e(new.id)}</strong>: "
                + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + ".</p>" + _why_html(why)
                + f"<p>Download: {link('/data/revisions?' + urlencode({**q, 'format': 'csv'}), 'CSV')} "
                + f"{link('/data/revisions?' + urlencode({**q, 'format': 'json'}), 'JSON')}</p>" + more
                + table("Changed values", t.schema.names, rows))
        resp = page("Revisions between two releases", body)
    return http.finish(resp, etag, True, max_age)


def _why_html(why: dict) -> str:
    """What changed between the two releases, in words: the column ``reason`` says which applies to a value."""
    changed = [s["title"] for s in why["sources"] if s["changed"]]
    items = [f"Source data changed: {e(', '.join(changed))}." if changed else "No source's data changed."]
    if why["definitions_changed"]:
        items.append(f"Definition changed (how it is computed): {e(', '.join(why['definitions_changed']))}.")
    items += [text for text, on in (("The geography changed (areas or their parents).", why["geography_changed"]),
                                    ("The configuration changed.", why["configuration_changed"]),
                                    ("The software that computed the figures changed.", why["software_changed"]))
              if on]
    return ("<h2>Why values changed</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
            "<p>The <code>reason</code> column says what applies to each value.</p>")


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
