"""The controlled vocabularies open-data portals expect, as IRIs: EU authority tables, IANA media types, SPDX.

DCAT-AP (and its SHACL shapes) want a theme, a frequency, a file type or a language as a concept of the EU
Publications Office's authority tables, typed and placed in its scheme, not as a word; a licence as a
resolvable document. This module turns what a release holds (``annual``, ``CC-BY-4.0``, ``text/csv``) into
those nodes, for the catalogue (catalog.py) and the HTTP ``Link`` headers.
"""

from __future__ import annotations

import re

from core.licences import LICENCES, licence_iri

AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
#: ADMS licence type (http://purl.org/adms/licencetype/1.0) of those licences.
LICENCE_TYPES = {"CC0-1.0": "PublicDomain", "PDDL-1.0": "PublicDomain", "CC-BY-SA-4.0": "ShareAlike",
                 "ODbL-1.0": "ShareAlike"}
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
#: indicators.frequency -> EU frequency authority table.
FREQUENCIES = {"annual": "ANNUAL", "quarterly": "QUARTERLY", "monthly": "MONTHLY"}
_IRI = re.compile(r"https?://\S+")
#: English labels of the concepts and schemes used (DCAT-AP wants a skos:prefLabel on a concept, a dct:title
#: on a scheme).
LABELS = {
    "data-theme": "Data theme", "frequency": "Frequency", "file-type": "File type", "language": "Language",
    "dataset-type": "Dataset type", "planned-availability": "Planned availability",
    "corporate-body": "Corporate body",
    "data-theme/AGRI": "Agriculture, fisheries, forestry and food", "data-theme/ECON": "Economy and finance",
    "data-theme/EDUC": "Education, culture and sport", "data-theme/ENER": "Energy", "data-theme/ENVI": "Environment",
    "data-theme/GOVE": "Government and public sector", "data-theme/HEAL": "Health",
    "data-theme/INTR": "International issues", "data-theme/JUST": "Justice, legal system and public safety",
    "data-theme/REGI": "Regions and cities", "data-theme/SOCI": "Population and society",
    "data-theme/TECH": "Science and technology", "data-theme/TRAN": "Transport",
    "frequency/ANNUAL": "annual", "frequency/QUARTERLY": "quarterly", "frequency/MONTHLY": "monthly",
    "frequency/UNKNOWN": "unknown", "file-type/CSV": "CSV", "file-type/PARQUET": "Parquet",
    "file-type/XLSX": "XLSX", "file-type/JSON": "JSON", "file-type/ZIP": "ZIP", "file-type/XML": "XML",
    "dataset-type/STATISTICAL": "Statistical data", "planned-availability/STABLE": "stable",
    "language/ENG": "English", "language/FRA": "French", "language/DEU": "German", "continent/EUROPE": "Europe",
    "country": "Country", "continent": "Continent", "place": "Place",
}


def concept(table: str, code: str, cls: str = "skos:Concept") -> dict:
    """A concept of an EU authority table (``data-theme``, ``frequency``, ``file-type`` ...), typed and in
    its scheme (the DCAT-AP vocabulary shapes check ``skos:inScheme``)."""
    types = ["skos:Concept"] if cls == "skos:Concept" else [cls, "skos:Concept"]
    return {"@id": f"{AUTHORITY}{table}/{code}", "@type": types,
            "skos:prefLabel": {"@value": LABELS.get(f"{table}/{code}", code), "@language": "en"},
            "skos:inScheme": scheme(table)}


def scheme(table: str) -> dict:
    """An EU authority table as a ``skos:ConceptScheme``."""
    return {"@id": f"{AUTHORITY}{table}", "@type": "skos:ConceptScheme",
            "dct:title": {"@value": LABELS.get(table, table), "@language": "en"}}


def media_type(mime: str) -> dict:
    """An IANA media type (without parameters) as a ``dct:MediaType`` node."""
    return {"@id": IANA + mime.split(";")[0].strip(), "@type": "dct:MediaType"}


def licence_node(licence: str | None) -> dict | None:
    iri = licence_iri(licence)
    if iri is None:
        return None
    node = {"@id": iri, "@type": "dct:LicenseDocument"}
    if not _IRI.fullmatch(licence or ""):
        node["dct:identifier"] = licence
        kind = LICENCE_TYPES.get(licence, "Attribution" if licence in LICENCES else None)
        if kind:
            node["dct:type"] = {"@id": ADMS_LICENCE_TYPE + kind, "@type": "skos:Concept",
                                "skos:prefLabel": {"@value": kind, "@language": "en"},
                                "skos:inScheme": {"@id": ADMS_LICENCE_TYPE + "1.0", "@type": "skos:ConceptScheme",
                                                  "dct:title": {"@value": "Licence type", "@language": "en"}}}
    return node


def language(code: str) -> dict:
    return concept("language", code, "dct:LinguisticSystem")


def location(iri: str) -> dict:
    """A place (``dct:spatial``): an EU authority concept (country, continent, place) is put in its scheme."""
    node = {"@id": iri, "@type": "dct:Location"}
    if iri.startswith(AUTHORITY):
        table, _, code = iri.removeprefix(AUTHORITY).partition("/")
        node = {**concept(table, code, "dct:Location"), "@id": iri}
    return node
