"""Refusals of malformed requests to Dash's own routes, so that they answer 4xx, never 500.

- ``POST /_dash-update-component``: the body must be what Dash's renderer sends: a JSON object naming a
  callback of this app in ``output``, its ``outputs``, and ``inputs`` / ``state`` as lists of ``{"id",
  "property"}`` objects (or lists of them, for pattern-matching callbacks), nested at most
  :data:`MAX_DEPTH` deep. Anything else (``null``, ``[]``, ``{"output": 1}``, arrays nested thousands deep,
  which make Python's JSON parser give up with a RecursionError) is a 400 with a JSON message.
- ``/_dash-component-suites/<package>/<path>`` naming a file Dash does not serve is a 404, not Dash's
  DependencyException (a 500).

Values of the right shape but the wrong type (a release id sent as a list) are refused where they are
used (see :func:`dashboard.context.release`).
"""

from __future__ import annotations

import dash
import flask
import orjson
from dash.exceptions import DependencyException

from dashboard.api.errors import ApiError

CALLBACK_PATH = "/_dash-update-component"
#: Deepest nesting a callback body may have: a figure's layout is a few levels deep, a Patch a few more.
MAX_DEPTH = 32


def install(app: dash.Dash) -> None:
    server = app.server

    @server.before_request
    def _callback_body():
        req = flask.request
        if req.method != "POST" or req.path != CALLBACK_PATH:
            return None
        problem = body_problem(req.get_data(cache=True), app.callback_map)
        if problem:
            return ApiError(f"not a callback request: {problem}", status=400).response()
        return None

    server.register_error_handler(
        DependencyException, lambda exc: ApiError("no such file among the dashboard's scripts", status=404).response())


def depth(value) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level) for child in item)
    return deepest


def _dependency(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str | dict) and isinstance(item.get("property"), str)


def _dependencies(value) -> bool:
    return isinstance(value, list) and all(
        _dependency(item) or (isinstance(item, list) and all(_dependency(i) for i in item)) for item in value)


def body_problem(raw: bytes, callbacks: dict) -> str | None:
    """What is wrong with a callback request's body, or None when Dash may have it."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "the body is not JSON (or nests too deeply)"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if depth(body) > MAX_DEPTH:
        return f"the body nests more than {MAX_DEPTH} levels deep"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "'output' names no callback of this dashboard"
    outputs = body.get("outputs")
    if not (_dependency(outputs) or _dependencies(outputs)):
        return "'outputs' is not an output or a list of outputs"
    if not _dependencies(body.get("inputs")) or not _dependencies(body.get("state", [])):
        return "'inputs' and 'state' must be lists of {id, property, value}"
    changed = body.get("changedPropIds", [])
    if not (isinstance(changed, list) and all(isinstance(c, str) for c in changed)):
        return "'changedPropIds' must be a list of strings"
    return None
