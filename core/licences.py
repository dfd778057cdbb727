"""Licences as portals resolve them: an SPDX id (``CC-BY-4.0``) or an IRI, never words.

``config.check_references`` refuses any other ``publication.licence``; the release's data package, the
catalogue and the ``Link: rel="license"`` of a download give the licence's IRI from here.
"""

from __future__ import annotations

import re

#: SPDX ids of the usual open-data licences and the IRI portals know them by; any other SPDX id is given
#: its SPDX page.
LICENCES = {"CC-BY-4.0": "http://creativecommons.org/licenses/by/4.0/",
            "CC-BY-SA-4.0": "http://creativecommons.org/licenses/by-sa/4.0/",
            "CC0-1.0": "http://creativecommons.org/publicdomain/zero/1.0/",
            "ODC-By-1.0": "http://opendatacommons.org/licenses/by/1-0/",
            "ODC-BY-1.0": "http://opendatacommons.org/licenses/by/1-0/",
            "ODbL-1.0": "http://opendatacommons.org/licenses/odbl/1-0/",
            "PDDL-1.0": "http://opendatacommons.org/licenses/pddl/1-0/",
            "OGL-UK-3.0": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "dl-de-by-2.0": "https://www.govdata.de/dl-de/by-2-0"}
_IRI = re.compile(r"https?://\S+")


def licence_iri(licence: str | None) -> str | None:
    """The IRI of a licence given as an SPDX id or an IRI (config.check_references allows nothing else);
    None when there is none."""
    if not licence:
        return None
    if _IRI.fullmatch(licence):
        return licence
    return LICENCES.get(licence, f"https://spdx.org/licenses/{licence}.html")


def licence_entry(licence: str) -> dict:
    """A data package ``licenses`` entry: the SPDX id as ``name`` (the Open Definition ids are SPDX ids) with
    the licence's IRI as ``path``; an IRI alone as ``path``."""
    iri = licence_iri(licence)
    return {"path": iri} if iri == licence else {"name": licence, "path": iri}
