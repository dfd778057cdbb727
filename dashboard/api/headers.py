"""Security headers on every response of the server: pages, callbacks, sign-in, API, downloads, errors and
static files.

- ``Content-Security-Policy``: an HTML answer may run scripts from this site only, plus the inline scripts
  Dash writes into its page (allowed by their SHA-256, from Dash's ``app.csp_hashes()``; see :func:`allow_scripts`),
  with no ``eval``; styles from this site and inline ones (Plotly and the map library write ``<style>``
  elements as they draw); images, workers and fonts from this site, ``data:`` and ``blob:`` (the map
  draws in a worker made from a blob). Any other answer (JSON, CSV, Parquet, a file) gets ``default-src
  'none'``: opened as a document, it may load and run nothing. Both forbid framing (``frame-ancestors
  'none'``), plugins, ``<base>`` and forms to other sites.
- ``X-Frame-Options: DENY`` for browsers that ignore ``frame-ancestors``; ``X-Content-Type-Options: nosniff``;
  ``Referrer-Policy: same-origin`` (a manager's page address, which may name internal indicators, is never
  sent to another site).
- ``Strict-Transport-Security: max-age=31536000`` only when ``access.https`` says the site is served over
  HTTPS (sent over plain HTTP it would be ignored, and sent by mistake it would lock browsers out of an
  HTTP-only site for a year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import flask

from core.config_models import Config

EXTENSION = "openmeasure_headers"

#: Directives of an HTML page's policy; ``script-src`` gains the inline scripts' hashes.
PAGE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "child-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
#: The policy of every other answer (data, files, JSON errors).
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000"


def policy(script_hashes: Iterable[str] = ()) -> str:
    directives = {**PAGE_POLICY, "script-src": [*PAGE_POLICY["script-src"], *script_hashes]}
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install(server: flask.Flask, config: Config) -> None:
    """Add the headers to every response of ``server`` (errors included)."""
    server.extensions[EXTENSION] = {"hashes": tuple, "https": config.access.https}
    server.after_request(_headers)


def allow_scripts(server: flask.Flask, script_hashes: Callable[[], Iterable[str]]) -> None:
    """Let pages run the inline scripts whose ``'sha256-...'`` sources ``script_hashes()`` gives (Dash's
    ``app.csp_hashes``). Asked on every HTML answer (a few microseconds): Dash adds some inline scripts only
    when it serves its first request (the page title's clientside callback of ``use_pages``)."""
    server.extensions[EXTENSION]["hashes"] = script_hashes


def _headers(resp: flask.Response) -> flask.Response:
    settings = flask.current_app.extensions[EXTENSION]
    h = resp.headers
    h["Content-Security-Policy"] = policy(settings["hashes"]()) if resp.mimetype == "text/html" else OTHER_POLICY
    h["X-Frame-Options"] = "DENY"
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    if settings["https"]:
        h["Strict-Transport-Security"] = HSTS
    return resp
