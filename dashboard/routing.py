"""The pages, as Dash's page registry holds them, and everything that follows from that one list.

Each module in dashboard/pages registers its page (``dash.register_page``) with its path or path template and,
when the page has controls, ``callbacks=`` (its view's ``register(app)``) and ``skeleton=`` (a function giving
the components those callbacks name, without data). From ``dash.page_registry`` alone:

- :func:`install` attaches every page's callbacks to the app (a page brings its own: no list to keep in
  step), sets the app's ``validation_layout`` (the frame's router and every page's skeleton: how Dash, with
  ``suppress_callback_exceptions`` off, knows the components of the pages not shown) and checks every
  callback against it (:func:`check`): a callback naming a component no page has, or a property that
  component lacks, and a skeleton component no callback uses (a page whose ``callbacks=`` was left out),
  stop the app from being built with :class:`CallbackLayoutError`;
- :func:`is_page` says which addresses the router draws (the 404 status), :func:`names_unknown` which name an
  indicator or area the release lacks, and :func:`page_paths` lists every page of a release for the sitemap,
  each path template's variable filled from the release (:data:`PATH_VARIABLES`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import dash
from dash import html
from dash._utils import split_callback_id, stringify_id
from dash.exceptions import CallbackException, MissingCallbackContextException, PageError

from dashboard import data
from dashboard.release_reader import Release

#: The 404 page's path (Dash draws its ``not_found_404`` module for any address no page has).
NOT_FOUND = "/404"


@dataclass(frozen=True)
class PathVariable:
    """A path template's variable: the values a release has (listed in the sitemap) and whether one is known."""
    values: Callable[[Release], list[str]]
    known: Callable[[Release, str], bool]


#: Every variable a page's path template may end with (``/indicator/<indicator_id>``), in the sitemap's order.
PATH_VARIABLES = {
    "indicator_id": PathVariable(lambda rel: sorted(rel.indicators["id"]),
                                 lambda rel, i: data.indicator_meta(rel, i) is not None),
    "area_code": PathVariable(lambda rel: sorted(rel.areas["area_code"]),
                              lambda rel, c: data.area_row(rel, c) is not None),
}
#: Query parameters of the pages that name areas or indicators (one, or several comma-separated).
NAMED_PARAMETERS = {"area": PATH_VARIABLES["area_code"].known, "areas": PATH_VARIABLES["area_code"].known,
                    "indicator": PATH_VARIABLES["indicator_id"].known,
                    "indicators": PATH_VARIABLES["indicator_id"].known}

TEMPLATE = re.compile(r"^(/[^<>]*/)<([a-z_]+)>$")


class CallbackLayoutError(CallbackException):
    """A callback and the pages' components do not fit: the app is not built."""


@dataclass(frozen=True)
class Page:
    """One registered page, as the sitemap and the 404 check need it."""
    module: str
    path: str
    template: str | None = None

    @property
    def prefix(self) -> str | None:
        return TEMPLATE.match(self.template).group(1) if self.template else None

    @property
    def variable(self) -> str | None:
        return TEMPLATE.match(self.template).group(2) if self.template else None


def pages() -> tuple[Page, ...]:
    """The registered pages in the registry's order (Dash's ``order``, then module name); a path template's
    variable must be one of :data:`PATH_VARIABLES`, or the sitemap and the 404 check could not fill it."""
    out = []
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            m = TEMPLATE.match(template)
            if m is None or m.group(2) not in PATH_VARIABLES:
                raise PageError(f"page {page['module']}: path_template {template!r} must end with one of "
                                f"{', '.join(f'<{v}>' for v in PATH_VARIABLES)} (dashboard/routing.py "
                                "PATH_VARIABLES says how the sitemap lists its values and the 404 check knows them)")
        out.append(Page(page["module"], page["path"], template))
    return tuple(out)


def match(path: str, registered: tuple[Page, ...]) -> Page | None:
    """The page Dash's router draws at ``path`` (None: its 'page not found')."""
    path = path.rstrip("/") or "/"
    for page in registered:
        if page.template:
            rest = path[len(page.prefix):] if path.startswith(page.prefix) else ""
            if rest and "/" not in rest:
                return page
        elif page.path == path and path != NOT_FOUND:
            return page
    return None


def is_page(path: str, registered: tuple[Page, ...]) -> bool:
    """Whether Dash's router draws a page (not its 'page not found') at ``path``."""
    return match(path, registered) is not None


def names_unknown(path: str, args, rel: Release, registered: tuple[Page, ...]) -> bool:
    """Whether the page's path or its query names an indicator or area the release does not have."""
    for page in registered:
        ident = path[len(page.prefix):] if page.template and path.startswith(page.prefix) else ""
        if ident and "/" not in ident and not PATH_VARIABLES[page.variable].known(rel, ident):
            return True
    for name, known in NAMED_PARAMETERS.items():
        for value in args.getlist(name):
            if any(v and not known(rel, v) for v in value.split(",")):
                return True
    return False


def page_paths(rel: Release, registered: tuple[Page, ...]) -> tuple[list[str], list[str]]:
    """Every page's path for a release, without the leading slash: the pages with a fixed path (in the
    registry's order; not the 404 page), and those a path template names (for each variable of
    :data:`PATH_VARIABLES` in turn, each of its values in the release, each template with it)."""
    fixed = [p.path.lstrip("/") for p in registered if not p.template and p.path != NOT_FOUND]
    named = []
    for var, spec in PATH_VARIABLES.items():
        mine = [p.prefix.lstrip("/") for p in registered if p.variable == var]
        if mine:
            for value in spec.values(rel):
                named += [prefix + quote(value, safe="") for prefix in mine]
    return fixed, named


def install(app: dash.Dash, frame_callbacks: tuple[Callable[[dash.Dash], None], ...] = ()) -> html.Div:
    """Attach every registered page's callbacks (once each) and the frame's, then set and check the app's
    validation layout; returns it. Call before ``app.layout`` is set (Dash would otherwise draw the frame to
    validate it, outside any request)."""
    registered = list(dash.page_registry.values())
    done = set()
    for page in registered:
        register = page.get("callbacks")
        if register is not None and register not in done:
            register(app)
            done.add(register)
    for register in frame_callbacks:
        register(app)
    layout = validation_layout(registered)
    check(app, layout)
    app.validation_layout = layout
    for page in registered:
        page["layout"] = _drawn_or_skeleton(page["layout"], page.get("skeleton"))

    @app.server.before_request
    def _keep_validation_layout():
        # Dash's router, at its first request, replaces the validation layout with every page's layout and
        # the frame as drawn for that request (a manager's name, this release's banner): the data-free one
        # is put back, since every page's HTML carries it.
        if app.validation_layout is not layout:
            app.validation_layout = layout
    return layout


def _drawn_or_skeleton(layout, skeleton):
    """A page's layout for Dash's router; outside any callback (Dash building its validation layout, which
    calls every page's layout once with no arguments) the page's skeleton, instead of drawing it."""
    @functools.wraps(layout)
    def page_layout(*args, **kwargs):
        try:
            dash.ctx.outputs_list  # noqa: B018 (raises outside a callback)
        except (MissingCallbackContextException, LookupError):  # LookupError: in a thread none ever ran in
            return html.Div(skeleton() if skeleton else [])
        return layout(*args, **kwargs)
    return page_layout


def validation_layout(registered: list[dict]) -> html.Div:
    """Dash's page router and every page's skeleton, each component once (pages share the release store)."""
    seen: dict[str, tuple[str, str]] = {}
    parts = []
    for module, comps in [("dash.page_container", [dash.page_container]),
                          *[(p["module"], p["skeleton"]()) for p in registered if p.get("skeleton")]]:
        for comp in components(comps):
            key = stringify_id(comp.id)
            if key in seen:
                if seen[key][1] != type(comp).__name__:
                    raise CallbackLayoutError(f"page {module}: its skeleton has {key} as a "
                                              f"{type(comp).__name__}, page {seen[key][0]} as a {seen[key][1]}")
                continue
            seen[key] = (module, type(comp).__name__)
            parts.append(comp)
    return html.Div(parts)


def components(comps) -> list:
    """Every component with an id in ``comps`` and under them."""
    out = []
    for comp in comps:
        out += [c for c in [comp, *[c for c in comp._traverse() if hasattr(c, "_prop_names")]]
                if getattr(c, "id", None) is not None]
    return out


def _pattern(id_: str) -> dict | None:
    return json.loads(id_) if id_.startswith("{") else None


def _fits(wanted: dict, have) -> bool:
    """Whether a pattern-matching id (``{"type": "compare-remove", "area": ALL}``) matches a component's id."""
    return isinstance(have, dict) and set(have) == set(wanted) and all(
        isinstance(v, list) or have[k] == v for k, v in wanted.items())


def check(app: dash.Dash, layout: html.Div) -> None:
    """Every component a callback names is in ``layout`` with the property it uses, and every skeleton
    component is named by a callback: else :class:`CallbackLayoutError` saying which, for every mismatch."""
    comps = components([layout])
    frame = {stringify_id(c.id) for c in components([dash.page_container])}
    by_id = {stringify_id(c.id): c for c in comps}
    used: set[str] = set(frame)
    problems = []
    for key, cb in app.callback_map.items():
        outputs = split_callback_id(key)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for kind, deps in (("Output", outputs), ("Input", cb["inputs"]), ("State", cb["state"])):
            for dep in deps:
                id_, prop = dep["id"], dep["property"].split("@")[0]
                wanted = _pattern(id_)
                found = ([c for c in comps if _fits(wanted, c.id)] if wanted is not None
                         else [by_id[id_]] if id_ in by_id else [])
                if not found:
                    problems.append(f"the callback of {key} names {kind} {id_}.{prop}, a component no page has: "
                                    "add it to its page's skeleton= (dashboard/pages), or correct the id")
                    continue
                used.update(stringify_id(c.id) for c in found)
                bad = [c for c in found if prop not in c._prop_names
                       and not any(prop.startswith(w) for w in c._valid_wildcard_attributes)]
                if bad:
                    problems.append(f"the callback of {key} names {kind} {id_}.{prop}: a "
                                    f"{type(bad[0]).__name__} has no property {prop!r}")
    unused = [k for k in by_id if k not in used]
    if unused:
        problems.append(f"no callback names {', '.join(unused)}, though a page's skeleton has them: did its "
                        "dash.register_page leave out callbacks=?")
    if problems:
        raise CallbackLayoutError("the pages' callbacks do not fit their components:\n  " + "\n  ".join(problems))
