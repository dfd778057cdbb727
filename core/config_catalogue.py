"""Typed models of ``publication.catalogue``: what the DCAT-AP catalogue (/catalog.jsonld) says beyond the
release itself, with the EU vocabularies it draws on. Part of core.config_models, which re-exports these names."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.config_models import Strict

#: The EU data themes (http://publications.europa.eu/resource/authority/data-theme): the DCAT-AP catalogue
#: files each indicator under one.
EU_DATA_THEMES = ("AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH",
                  "TRAN")
#: The EU data theme of each built-in theme (publication.catalogue.themes adds to and overrides these).
DEFAULT_EU_THEMES = {"service use": "GOVE", "administrative burden": "GOVE", "jobs": "ECON", "growth": "ECON",
                     "inclusion": "SOCI"}
#: ADMS publisher types (http://purl.org/adms/publishertype/1.0).
PUBLISHER_TYPES = ("Academia-ScientificOrganisation", "Company", "IndustryConsortium", "LocalAuthority",
                   "NationalAuthority", "NonGovernmentalOrganisation", "NonProfitOrganisation", "PrivateIndividual(s)",
                   "RegionalAuthority", "StandardisationBody", "SupraNationalAuthority")
IRI = r"^https?://[^\s<>\"{}|\\^`]+$"


class ContactPointConfig(Strict):
    """Who answers questions about the published data (DCAT-AP dcat:contactPoint)."""

    name: str = Field(min_length=1)
    email: str | None = Field(None, pattern=r"^[^@\s/:]+@[^@\s]+\.[^@\s]+$")
    url: str | None = Field(None, pattern=IRI)

    @model_validator(mode="after")
    def _reachable(self) -> ContactPointConfig:
        if not self.email and not self.url:
            raise ValueError("give an email or a url: a contact point must say how to reach it")
        return self


class CatalogueConfig(Strict):
    """What the DCAT-AP catalogue (/catalog.jsonld) says about the deployment beyond the release itself."""

    themes: dict[str, Literal[EU_DATA_THEMES]] = Field(default_factory=dict)  # type: ignore[valid-type]
    contact_point: ContactPointConfig | None = None
    publisher_uri: str | None = Field(None, pattern=IRI)
    publisher_type: Literal[PUBLISHER_TYPES] | None = None  # type: ignore[valid-type]
    language: list[str] = Field(default_factory=lambda: ["ENG"])
    spatial: list[str] = Field(default_factory=list)

    @field_validator("language")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        for n, code in enumerate(v):
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ValueError(f"[{n}] {code!r} is not an EU language code (three capitals, e.g. ENG, FRA, DEU)")
        return v

    @field_validator("spatial")
    @classmethod
    def _spatial(cls, v: list[str]) -> list[str]:
        for n, iri in enumerate(v):
            if not re.fullmatch(IRI, iri):
                raise ValueError(f"[{n}] {iri!r} is not an IRI (e.g. "
                                 "http://publications.europa.eu/resource/authority/country/FRA)")
        return v
