"""One error type for every refusal of the public routes, and the one place it becomes an HTTP response.

The JSON body always names the parameter at fault, so a script can tell its user what to change:
``{"error": {"status": 400, "parameter": "indicator", "message": "unknown indicator 'x'; ..."}}``.
"""

from __future__ import annotations

import difflib

import flask
import orjson


class ApiError(Exception):
    def __init__(self, message: str, *, parameter: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status

    def response(self) -> flask.Response:
        body = {"error": {"status": self.status, "message": self.message}}
        if self.parameter is not None:
            body["error"]["parameter"] = self.parameter
        resp = flask.Response(orjson.dumps(body), status=self.status, mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp


def unknown(kind: str, value: str, known: list[str] | set[str] | frozenset[str], parameter: str) -> ApiError:
    """A 400 for a value outside the known set, with the closest known value as a hint."""
    shown = value if len(value) <= 64 else value[:61] + "..."
    close = difflib.get_close_matches(value, sorted(known), n=1) if len(value) <= 64 else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ApiError(f"unknown {kind} {shown!r}{hint}", parameter=parameter)
