"""DCAT-AP 2 catalogue (JSON-LD) of the public data, for national open-data portals to harvest.

One dcat:Dataset per public indicator (distributions: CSV, Parquet, xlsx, SDMX-CSV and the API) and one for
the whole current release (the zip and the data package). Internal indicators are never listed: the
catalogue is built from the public reader only.
"""

from __future__ import annotations

from dashboard.api.metadata import citation, methodology_page
from dashboard.components.fmt import text
from dashboard.release_reader import Release

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "adms": "http://www.w3.org/ns/adms#",
}
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LICENCES = {"CC-BY-4.0": "http://creativecommons.org/licenses/by/4.0/",
            "CC0-1.0": "http://creativecommons.org/publicdomain/zero/1.0/",
            "ODC-BY-1.0": "http://opendatacommons.org/licenses/by/1-0/",
            "OGL-UK-3.0": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}


def _licence(name: str | None) -> dict:
    return {"@id": LICENCES.get(name or "", name or "")}


def _dist(dist_id: str, title: str, url: str, fmt: str, media: str, licence: str | None) -> dict:
    return {"@id": dist_id, "@type": "dcat:Distribution", "dct:title": title, "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url}, "dct:format": {"@id": EU_FILE_TYPE + fmt},
            "dcat:mediaType": media, "dct:license": _licence(licence)}


def catalogue(rel: Release, base: str) -> dict:
    m = rel.manifest
    issued = m.get("created")
    publisher = {"@type": "foaf:Agent", "foaf:name": m.get("attribution") or m.get("title")}
    datasets = []
    for r in rel.indicators.itertuples(index=False):
        ds_id = f"{base}api/v1/indicators/{r.id}"
        api = f"{base}api/v1/data?indicator={r.id}"
        dists = [
            _dist(f"{ds_id}#csv", f"{r.title} (CSV)", f"{api}&format=csv", "CSV", "text/csv", r.licence),
            _dist(f"{ds_id}#parquet", f"{r.title} (Parquet)", f"{api}&format=parquet", "PARQUET",
                  "application/vnd.apache.parquet", r.licence),
            _dist(f"{ds_id}#xlsx", f"{r.title} (Excel)", f"{api}&format=xlsx", "XLSX",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r.licence),
            _dist(f"{ds_id}#sdmx", f"{r.title} (SDMX-CSV)", f"{api}&format=sdmx-csv", "CSV",
                  "application/vnd.sdmx.data+csv", r.licence),
            _dist(f"{ds_id}#json", f"{r.title} (JSON API)", api, "JSON", "application/json", r.licence),
        ]
        datasets.append({
            "@id": ds_id, "@type": "dcat:Dataset", "dct:identifier": r.id, "dct:title": r.title,
            "dct:description": text(r.description) or r.title, "dcat:theme": r.theme, "dcat:keyword": [r.theme, r.kind],
            "dct:issued": {"@value": issued, "@type": "xsd:dateTime"}, "dct:publisher": publisher,
            "dct:accrualPeriodicity": r.frequency, "dct:conformsTo": {"@id": f"{base}api/v1/openapi.json"},
            "dct:provenance": r.methodology, "adms:versionNotes": text(r.caveats),
            "dct:rights": r.attribution, "dcat:landingPage": {"@id": methodology_page(base, r.id)}, "dcat:distribution": dists,
        })
    zip_url = f"{base}data/releases/{rel.id}/release.zip"
    datasets.append({
        "@id": f"{base}data#release", "@type": "dcat:Dataset", "dct:identifier": rel.id,
        "dct:title": f"{m.get('title')}: the whole release", "dct:description": citation(rel),
        "dct:issued": {"@value": issued, "@type": "xsd:dateTime"}, "dct:publisher": publisher,
        "dcat:landingPage": {"@id": f"{base}data"},
        "dcat:distribution": [
            _dist(f"{base}data#zip", "Release (zip: Parquet, CSV, data package, README)", zip_url, "ZIP",
                  "application/zip", m.get("licence")),
            _dist(f"{base}data#datapackage", "Frictionless data package",
                  f"{base}data/releases/{rel.id}/datapackage.json", "JSON", "application/json", m.get("licence")),
        ],
    })
    return {
        "@context": CONTEXT, "@id": f"{base}catalog.jsonld", "@type": "dcat:Catalog",
        "dct:title": m.get("title"), "dct:description": f"Open data published by {m.get('title')}.",
        "dct:publisher": publisher, "dct:license": _licence(m.get("licence")),
        "dct:modified": {"@value": issued, "@type": "xsd:dateTime"}, "foaf:homepage": {"@id": f"{base}data"},
        "dcat:dataset": datasets,
    }
