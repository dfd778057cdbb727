"""Typed models of the config's geography (``geography``: levels and their labels, the areas table, boundary
files, neighbours, an aggregate root). Part of core.config_models, which re-exports these names."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_serializer, model_validator

from core.area_names import NATIVE_LANG, NATIVE_NAME, name_column
from core.config_models import Strict

_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
#: The keys of area names in other languages: left out of a dump while unset, so a config without them has the
#: settings hash it had before they existed (core.built_with), and its release is unchanged.
_NAME_KEYS = ("native_name", "native_language", "names")


class AreasTable(Strict):
    """The areas table; its names in other languages (core/area_names.py): ``native_name``, the column of each
    area's name in its own language and script (NUTS's ``NUTS_NAME``), whose language ``native_language``
    gives (``nuts``: from the NUTS code's country, core.area_names.NUTS_LANGUAGES; or ``{code prefix:
    language}``), and ``names``, a column of names per language (``{fr: nom_fr}``)."""
    path: str
    code: str = "area_code"
    name: str = "name"
    level: str = "level"
    parent: str = "parent_code"
    level_values: dict[str, str] = Field(default_factory=dict)
    attributes: list[str] = Field(default_factory=list)
    native_name: str | None = Field(None, min_length=1)
    native_language: Literal["nuts"] | dict[str, str] | None = None
    names: dict[str, str] = Field(default_factory=dict)

    @field_validator("native_language")
    @classmethod
    def _prefixes(cls, v):
        for prefix, tag in (v.items() if isinstance(v, dict) else ()):
            if not prefix:
                raise ValueError("an empty code prefix; give the start of the codes, e.g. {EL: el}")
            if not _TAG.fullmatch(tag):
                raise ValueError(f"{prefix}: {tag!r} is not a language tag (such as 'el' or 'sr-ME')")
        return v

    @field_validator("names")
    @classmethod
    def _languages(cls, v: dict[str, str]) -> dict[str, str]:
        for lang, column in v.items():
            if not _TAG.fullmatch(lang):
                raise ValueError(f"{lang!r} is not a language tag (such as 'fr' or 'pt-BR'); names maps a "
                                 "language to the column of the names in it, e.g. {fr: nom_fr}")
            if not column:
                raise ValueError(f"{lang}: the column name is empty")
        return v

    @model_validator(mode="after")
    def _native_pair(self) -> AreasTable:
        if self.native_language is not None and self.native_name is None:
            raise ValueError("native_language is given without native_name, the column of the native names")
        if self.native_name is not None and self.native_language is None:
            raise ValueError(f"native_name {self.native_name!r} needs native_language, the language of those "
                             "names: 'nuts' (from a NUTS code's country) or a map of code prefixes, e.g. "
                             "{EL: el, BG: bg}")
        written = ([NATIVE_NAME, NATIVE_LANG] if self.native_name else []) + [name_column(x) for x in self.names]
        clash = [c for c in self.attributes if c in written]
        if clash:
            raise ValueError(f"attributes {', '.join(map(repr, clash))}: the release keeps the area names in "
                             f"columns of that name; rename the attribute's column")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        data = handler(self)
        for key in _NAME_KEYS:
            if key in data and not data[key]:
                del data[key]
        return data


class NeighbourFeature(Strict):
    """An area attribute (``name``) or the value of one of the release's indicators (``indicator``) in a period
    (``latest``: the level's last period with a value)."""
    name: str | None = None
    indicator: str | None = None
    period: str | None = None
    weight: float = Field(1.0, gt=0)
    transform: Literal["none", "log"] = "none"

    @model_validator(mode="after")
    def _one_of(self) -> NeighbourFeature:
        if (self.name is None) == (self.indicator is None):
            raise ValueError("give exactly one of 'name' (an area attribute) or 'indicator' (an indicator id)")
        if self.period is not None and self.indicator is None:
            raise ValueError("'period' is for an 'indicator' feature, not an area attribute")
        return self

    @property
    def column(self) -> str:
        """The feature's column in the table neighbours are computed from."""
        return self.name if self.name is not None else f"{self.indicator}@{self.period or 'latest'}"


class NeighboursConfig(Strict):
    k: int = Field(5, ge=1, le=50)
    levels: list[str] = Field(default_factory=list)
    features: list[NeighbourFeature] = Field(min_length=1)


class CodeMappingConfig(Strict):
    """A table of old -> new area codes (one-to-one, or many-to-one / one-to-many with weights)."""
    path: str
    old: str = "old_code"
    new: str = "new_code"
    weight: str | None = None


class BoundaryFile(Strict):
    """One level's boundary file (GeoJSON): which feature property holds the area code (the feature's ``id``
    when not set), the width to left-pad numeric codes with zeros to (an id written as the number 1001 for
    01001), and a table of old -> new codes for boundaries of areas since recoded."""
    path: str
    code_property: str | None = Field(None, min_length=1)
    pad_codes: int | None = Field(None, ge=1, le=64)
    code_mapping: CodeMappingConfig | None = None


class AggregateRoot(Strict):
    """A total over several roots (the EU over NUTS countries): a benchmark, not an area (docs/methodology.md)."""
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    members: list[str] | Literal["all"] = "all"
    source: Literal["built", "published"] = "built"


class LevelLabel(Strict):
    """How pages name a level: ``singular`` ("NUTS 3 region", "Local authority") and ``plural`` (derived from
    the singular when not given). Written as it starts a sentence; mid-sentence a plain word is lowercased, an
    acronym ("NUTS") is not."""
    singular: str = Field(min_length=1)
    plural: str | None = None


class GeographyConfig(Strict):
    levels: list[str] = Field(min_length=1)
    areas: AreasTable
    #: level -> the words pages show for it (a string: the singular); a level left out gets a default from its id
    level_labels: dict[str, LevelLabel] = Field(default_factory=dict)
    #: level -> boundary file: a path, or a :class:`BoundaryFile` (path, code_property, pad_codes, code_mapping)
    boundaries: dict[str, BoundaryFile] = Field(default_factory=dict)
    neighbours: NeighboursConfig | None = None
    aggregate_root: AggregateRoot | None = None

    @field_validator("boundaries", mode="before")
    @classmethod
    def _plain_paths(cls, v):
        if isinstance(v, dict):
            return {k: {"path": p} if isinstance(p, str) else p for k, p in v.items()}
        return v

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("level names must be unique")
        return v

    @field_validator("level_labels", mode="before")
    @classmethod
    def _plain_labels(cls, v):
        if isinstance(v, dict):
            return {k: {"singular": x} if isinstance(x, str) else x for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _labels_name_levels(self):
        unknown = [k for k in self.level_labels if k not in self.levels]
        if unknown:
            raise ValueError(f"level_labels names {', '.join(map(repr, unknown))}, not one of geography.levels "
                             f"({', '.join(self.levels)})")
        return self
