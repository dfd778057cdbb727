"""DCAT-AP 3 catalogue (JSON-LD) of the public data, for national open-data portals to harvest.

One dcat:Dataset per public indicator (a distribution per download format of download_formats.FORMATS, the
paged JSON as the API) and one for the whole current release (the zip and the data package). Internal indicators are never listed: the
catalogue is built from the public reader only.

Every value a DCAT-AP portal checks against a controlled vocabulary is an IRI of that vocabulary, typed
(vocabularies.py): themes, frequencies, file types, languages, media types, licences. What the release does
not hold (contact point, publisher type, EU themes of the deployment's own themes, spatial coverage) comes
from ``publication.catalogue`` of the config. Checked with SEMIC's own SHACL shapes in
tests/dashboard/api/test_dcat_ap.py.
"""

from __future__ import annotations

import calendar

import pyarrow as pa

from core.config_models import DEFAULT_EU_THEMES, CatalogueConfig, Config
from dashboard.api import reading
from dashboard.api.download_formats import FORMATS
from dashboard.api.metadata import citation, methodology_page
from dashboard.api.vocabularies import (
    AUTHORITY,
    concept,
    language,
    licence_node,
    location,
    media_type,
    scheme,
)
from dashboard.components.fmt import text
from dashboard.i18n import N_, translator
from dashboard.release_reader import Release

DISTRIBUTION_TEXT = N_("Every public value of '{title}' at every level, as {format}.")
CATALOGUE_TEXT = N_("Open data published by {title}.")
RELEASE_TITLE = N_("{title}: the whole release")
ZIP_TITLE = N_("Release (zip: Parquet, CSV, data package, README)")
ZIP_TEXT = N_("Every public value, area and indicator of the release in one zip.")

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dcatap": "http://data.europa.eu/r5r/",
}
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
#: The distributions of an indicator, one per download format: (fragment, title, format parameter (none for
#: the paged API, which conforms to the OpenAPI document), EU file type, media type).
DISTRIBUTIONS = tuple((f.catalogue_id or f.name, f.catalogue_label or f.label, None if f.paged else f.name,
                       f.file_type, f.media_type or f.bare_mime) for f in FORMATS.values())
_SPANS: dict[str, dict[str, tuple[str, str]]] = {}


def _dist(dist_id: str, title: str, description: str, url: str, fmt: str, media: str, licence: str | None,
          conforms_to: str | None = None) -> dict:
    node = {"@id": dist_id, "@type": "dcat:Distribution", "dct:title": title, "dct:description": description,
            "dcat:accessURL": {"@id": url}, "dcat:downloadURL": {"@id": url},
            "dct:format": concept("file-type", fmt, "dct:MediaTypeOrExtent"), "dcat:mediaType": media_type(media),
            "dcatap:availability": concept("planned-availability", "STABLE")}
    if licence_node(licence):
        node["dct:license"] = licence_node(licence)
    if conforms_to:
        node["dct:conformsTo"] = {"@id": conforms_to, "@type": "dct:Standard"}
    return node


def _period_bounds(period: str) -> tuple[str, str]:
    """First and last day of a period (2021, 2021-Q3, 2021-07)."""
    year = int(period[:4])
    if "-Q" in period:
        q = int(period[-1])
        first, last = 3 * q - 2, 3 * q
    elif len(period) >= 7:
        first = last = int(period[5:7])
    else:
        first, last = 1, 12
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"


def _temporal(span: tuple[str, str] | None) -> dict | None:
    if span is None:
        return None
    return {"@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": _period_bounds(span[0])[0], "@type": "xsd:date"},
            "dcat:endDate": {"@value": _period_bounds(span[1])[1], "@type": "xsd:date"}}


def period_spans(rel: Release) -> dict[str, tuple[str, str]]:
    """The first and last period of every public indicator, in one pass (kept per release)."""
    key = str(rel.path)
    if key not in _SPANS:
        if len(_SPANS) > 16:
            _SPANS.clear()
        spans: dict[str, tuple[str, str]] = {}
        for batch in reading.batches(rel, reading.ValueQuery(), ["indicator", "period"]):
            t = pa.Table.from_batches([batch]).group_by("indicator").aggregate([("period", "min"),
                                                                                ("period", "max")])
            for ind, lo, hi in zip(*(t.column(c).to_pylist() for c in ("indicator", "period_min", "period_max")),
                                   strict=True):
                old = spans.get(ind)
                spans[ind] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
        _SPANS[key] = spans
    return _SPANS[key]


def _publisher(name: str, settings: CatalogueConfig, base: str) -> dict:
    node = {"@id": settings.publisher_uri or f"{base}catalog.jsonld#publisher", "@type": "foaf:Agent",
            "foaf:name": name}
    if node["@id"].startswith(AUTHORITY + "corporate-body/"):
        node["skos:inScheme"] = scheme("corporate-body")
    if settings.publisher_type:
        node["dct:type"] = {"@id": PUBLISHER_TYPE + settings.publisher_type, "@type": "skos:Concept",
                            "skos:prefLabel": {"@value": settings.publisher_type, "@language": "en"},
                            "skos:inScheme": {"@id": PUBLISHER_TYPE.rstrip("/") + "/1.0",
                                              "@type": "skos:ConceptScheme",
                                              "dct:title": {"@value": "Publisher type", "@language": "en"}}}
    return node


def _contact(settings: CatalogueConfig) -> dict | None:
    cp = settings.contact_point
    if cp is None:
        return None
    node = {"@type": ["vcard:Kind", "vcard:Organization"], "vcard:fn": cp.name}
    if cp.email:
        node["vcard:hasEmail"] = {"@id": f"mailto:{cp.email}"}
    if cp.url:
        node["vcard:hasURL"] = {"@id": cp.url}
    return node


def _optional(node: dict, **values) -> dict:
    """``node`` with the values that are not empty (DCAT-AP wants a recommended property left out, not empty)."""
    node.update({k.replace("__", ":"): v for k, v in values.items() if v not in (None, "", [])})
    return node


class _Languages:
    """The languages of the catalogue's literals: the default (the release's texts) first, then the others the
    config offers, each with the texts it has (without a config: untagged literals, as before languages)."""

    def __init__(self, config: Config | None):
        self.config = config
        self.default = config.languages.default if config else None
        self.all = list(config.languages.available) if config else []
        if self.default in self.all:
            self.all.remove(self.default)
        self.all.insert(0, self.default)

    def literal(self, texts: dict) -> dict | list | str:
        """``texts`` (language -> text; the default's is required) as one literal per language that has one."""
        if self.config is None:
            return texts[None]
        nodes = [{"@value": texts[lang], "@language": lang} for lang in self.all if texts.get(lang)]
        return nodes[0] if len(nodes) == 1 else nodes

    def of(self, own: str, translations: dict, field: str) -> dict | list | str:
        """A config text: the release's (default language) and its translations."""
        return self.literal({self.default: own, **{lang: t[field] for lang, t in translations.items()
                                                   if field in t and lang in self.all}})

    def sentence(self, message: str, **values: dict | str) -> dict | list | str:
        """A gettext message in every language, with ``values`` (language -> text, or one text for all)."""
        def value(v, lang):
            return v if isinstance(v, str) else (v.get(lang) or v[self.default])
        return self.literal({lang: translator(lang or "en").gettext(message).format(
            **{k: value(v, lang) for k, v in values.items()}) for lang in self.all or [None]})

    def texts(self, own: str, translations: dict, field: str) -> dict:
        return {self.default: own, **{lang: t[field] for lang, t in translations.items() if field in t}}


def catalogue(rel: Release, base: str, settings: CatalogueConfig | None = None, config: Config | None = None) -> dict:
    """The catalogue of the release; ``config`` (the served one) gives the languages and the translations."""
    settings = settings or CatalogueConfig()
    langs = _Languages(config)
    configured = {i.id: i for i in config.indicators} if config else {}
    m = rel.manifest
    site = langs.texts(m.get("title"), config.translations if config else {}, "title")
    issued = {"@value": m.get("created"), "@type": "xsd:dateTime"}
    publisher = _publisher(m.get("attribution") or m.get("title"), settings, base)
    contact = _contact(settings)
    languages = [language(c) for c in settings.language]
    spatial = [location(s) for s in settings.spatial]
    themes = {**DEFAULT_EU_THEMES, **settings.themes}
    spans = period_spans(rel)
    openapi_url = f"{base}api/v1/openapi.json"
    structure_url = f"{base}api/v1/sdmx/structure"  # SDMX-CSV 2.0 conforms to its DSD
    datasets, all_themes = [], {}
    for r in rel.indicators.itertuples(index=False):
        ds_id = f"{base}api/v1/indicators/{r.id}"
        api = f"{base}api/v1/data?indicator={r.id}"
        translations = configured[r.id].translations if r.id in configured else {}
        titles = langs.texts(r.title, translations, "title")
        dists = [_dist(f"{ds_id}#{frag}", langs.literal({k: f"{t} ({label})" for k, t in titles.items()}),
                       langs.sentence(DISTRIBUTION_TEXT, title=titles, format=label),
                       f"{api}&format={param}" if param else api, fmt, media, r.licence,
                       openapi_url if param is None else structure_url if param == "sdmx-csv2" else None)
                 for frag, label, param, fmt, media in DISTRIBUTIONS]
        theme = concept("data-theme", themes[r.theme]) if r.theme in themes else None
        if theme:
            all_themes[theme["@id"]] = theme
        datasets.append(_optional(
            {"@id": ds_id, "@type": "dcat:Dataset", "dct:identifier": r.id, "dct:title": langs.literal(titles),
             "dct:description": langs.of(text(r.description), translations, "description")
             if text(r.description) else langs.literal(titles), "dcat:keyword": [r.theme, r.kind],
             "dct:issued": issued, "dct:publisher": publisher,
             "dct:type": concept("dataset-type", "STATISTICAL"),
             "dcat:landingPage": {"@id": methodology_page(base, r.id), "@type": "foaf:Document"},
             "dcat:distribution": dists},
            dcat__theme=theme,
            dct__accrualPeriodicity=concept("frequency", {"annual": "ANNUAL", "quarterly": "QUARTERLY",
                                                          "monthly": "MONTHLY"}.get(r.frequency, "UNKNOWN"),
                                            "dct:Frequency"),
            dct__provenance={"@type": "dct:ProvenanceStatement",
                             "rdfs:label": langs.of(r.methodology, translations, "methodology")}
            if text(r.methodology) else None,
            adms__versionNotes=langs.of(text(r.caveats), translations, "caveats") if text(r.caveats) else None,
            dct__rights={"@type": "dct:RightsStatement", "rdfs:label": r.attribution} if text(r.attribution) else None,
            dcat__contactPoint=contact, dct__language=languages, dct__spatial=spatial,
            dct__temporal=_temporal(spans.get(r.id))))
    zip_url = f"{base}data/releases/{rel.id}/release.zip"
    every = [s for s in spans.values()]
    whole = (min(s[0] for s in every), max(s[1] for s in every)) if every else None
    datasets.append(_optional({
        "@id": f"{base}data#release", "@type": "dcat:Dataset", "dct:identifier": rel.id,
        "dct:title": langs.sentence(RELEASE_TITLE, title=site), "dct:description": langs.literal({lang: citation(rel, config, lang) for lang in langs.all})
        if config is not None else citation(rel),
        "dct:issued": issued, "dct:publisher": publisher, "dcat:keyword": ["release", "bulk download"],
        "dct:type": concept("dataset-type", "STATISTICAL"),
        "dcat:landingPage": {"@id": f"{base}data", "@type": "foaf:Document"},
        "dcat:distribution": [
            _dist(f"{base}data#zip", langs.sentence(ZIP_TITLE), langs.sentence(ZIP_TEXT), zip_url, "ZIP",
                  "application/zip", m.get("licence")),
            _dist(f"{base}data#datapackage", "Frictionless data package",
                  "The data package (Frictionless Data) describing the files of the release.",
                  f"{base}data/releases/{rel.id}/datapackage.json", "JSON", "application/json", m.get("licence"),
                  "https://specs.frictionlessdata.io/data-package/"),
        ]}, dcat__theme=list(all_themes.values()), dcat__contactPoint=contact, dct__language=languages,
        dct__spatial=spatial, dct__temporal=_temporal(whole)))
    return _optional({
        "@context": CONTEXT, "@id": f"{base}catalog.jsonld", "@type": "dcat:Catalog",
        "dct:title": langs.literal(site), "dct:description": langs.sentence(CATALOGUE_TEXT, title=site),
        "dct:publisher": publisher, "dct:issued": issued, "dct:modified": issued,
        "dcat:themeTaxonomy": scheme("data-theme"),
        "foaf:homepage": {"@id": f"{base}data", "@type": "foaf:Document"},
        "dcat:dataset": datasets,
    }, dct__license=licence_node(m.get("licence")), dct__language=languages, dct__spatial=spatial)
