"""Stable download links for the dashboard: the data behind a view, with the view's own filters.

Pages call :func:`data_url` with the filters their chart or table shows; the link is the same for everyone,
works without the dashboard and is accepted by ``/api/v1/data`` as it stands (the parameter names are the
API's own, checked against the OpenAPI table here so they cannot drift).

    data_url(indicator="neet_rate", level="municipality", period_from="2018", format="csv")
    -> "/api/v1/data?format=csv&indicator=neet_rate&level=municipality&period_from=2018"
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from core.licences import licence_iri
from dashboard.api import openapi
from dashboard.api.download_formats import FORMATS

DATA_ROUTE = "/api/v1/data"


def data_url(*, format: str = "csv", release: str | None = None, **filters: str | Iterable[str] | None) -> str:
    """A canonical /api/v1/data URL (sorted parameters, lists comma-joined); None values are left out."""
    accepted = openapi.accepted(DATA_ROUTE)
    params: dict[str, str] = {}
    for name, value in filters.items():
        if name not in accepted:
            raise ValueError(f"{name!r} is not a parameter of {DATA_ROUTE}; it takes {sorted(accepted)}")
        if value is None:
            continue
        params[name] = value if isinstance(value, str) else ",".join(value)
    if format not in FORMATS:
        raise ValueError(f"format must be one of {tuple(FORMATS)}")
    params["format"] = format
    if release:
        params["release"] = release
    return f"{DATA_ROUTE}?{urlencode(sorted(params.items()), safe=',')}"


def download_links(**filters) -> dict[str, str]:
    """Every format's link for the same view: ``{"csv": ..., "xlsx": ..., ...}``."""
    return {fmt: data_url(format=fmt, **filters) for fmt in FORMATS}


def csv_link_header(metadata_url: str, licence: str | None) -> str:
    """The ``Link`` header of a CSV download: its CSVW metadata first (a CSVW processor warns about every link
    it reads before the one that describes the CSV), then its licence (RFC 8288 ``rel="license"``)."""
    parts = [f'<{metadata_url}>; rel="describedby"; type="application/csvm+json"']
    iri = licence_iri(licence)
    if iri:
        parts.append(f'<{iri}>; rel="license"')
    return ", ".join(parts)
