"""The ``sources[]`` section of config.yaml: each source's format, place, columns, status maps, validation
rules and who reads it (the ETL process, or the engine: ``read_by``). Its names are kept in
:mod:`core.config_models` too, where the rest of the config's models are."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from core.config_geography import CodeMappingConfig
from core.config_languages import Translatable
from core.config_models import Identifier, Strict


class CsvColumns(Strict):
    area_code: str = "area_code"
    period: str = "period"
    value: str = "value"
    flag: str | None = None
    area_name: str | None = None


RuleAction = Literal["warn", "quarantine", "block"]
#: Validation rules (etl/validate.py); ``sources[].validation.rules`` sets what each one does.
RULE_NAMES = (
    "missing_required", "bad_period", "wrong_frequency", "unknown_area", "pseudo_area", "ambiguous_area",
    "duplicate_key", "negative_count", "numerator_above_denominator", "not_a_number", "type_error",
    "cell_error", "merged_cells", "blank_row", "bom", "metadata_mismatch", "mapping_conflict",
    "coverage_shrank", "value_jump", "no_observations",
    "unknown_status",  # opensdg: a status text no map knows (etl/sources/statuses.py)
    "no_total", "area_in_breakdown",  # etl.observations.missing_totals, etl.sources.area_codes.names_in_breakdowns
)
RuleName = Literal[RULE_NAMES]  # type: ignore[valid-type]


class ValidationConfig(Strict):
    """Per-source validation: what each rule does, and the checks against the previous release."""
    rules: dict[RuleName, RuleAction] = Field(default_factory=dict)
    jump_factor: float = Field(10.0, gt=1)
    coverage: bool = True


class SqlConfig(Strict):
    """A SQL source: a SQLAlchemy URL and a query (with bound parameters) or a table."""
    url: str
    query: str | None = None
    table: str | None = None
    schema_name: str | None = None
    params: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    connect_timeout: float = Field(10.0, gt=0)
    query_timeout: float = Field(60.0, gt=0)

    @model_validator(mode="after")
    def _query_or_table(self) -> SqlConfig:
        if (self.query is None) == (self.table is None):
            raise ValueError("give exactly one of 'query' or 'table'")
        if self.params and self.query is None:
            raise ValueError("'params' are bound into a 'query'; a 'table' takes none")
        return self


class FetchConfig(Strict):
    """How a source given by ``url`` is downloaded."""
    timeout: float = Field(30.0, gt=0)
    retries: int = Field(3, ge=0, le=10)
    backoff: float = Field(1.0, ge=0)


SourceFormat = Literal["csv", "eurostat_tsv", "sdmx_csv", "excel", "parquet", "sql", "open_sdg", "frictionless"]


#: Formats read as a tidy table (etl/sources/tidy.py), where ``period`` may be a constant.
TIDY_FORMATS = ("csv", "excel", "parquet", "sql", "frictionless")


class SourceConfig(Translatable):
    #: the words pages and charts show for a source (its licence, address and columns are the same in every language)
    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("title", "publisher", "attribution")
    id: str = Identifier
    format: SourceFormat
    path: str | None = None
    title: str | None = None
    publisher: str | None = None
    licence: str | None = None
    attribution: str | None = None
    url: str | None = None
    columns: CsvColumns = Field(default_factory=CsvColumns)
    delimiter: str = ","
    encoding: str = "utf-8"
    sheet: str | None = None
    header_row: int = Field(1, ge=1)
    resource: str | None = None
    metadata: str | None = None
    national_area: str | None = None
    sql: SqlConfig | None = None
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    code_mapping: CodeMappingConfig | None = None
    validation: ValidationConfig = Field(default_factory=ValidationConfig)
    # -- opensdg: geography columns of Open SDG files; status texts -> our flag letters --
    #: ``open_sdg``: the columns that hold the area (largest areas first); None: the usual ONS names
    geography_columns: list[str] | None = None
    #: the source's status text -> our flag letters (``""``: no flag), before the built-in maps
    status_map: dict[str, str] = Field(default_factory=dict)

    @field_validator("status_map")
    @classmethod
    def _flag_letters(cls, v: dict[str, str]) -> dict[str, str]:
        for text, flags in v.items():
            bad = sorted(set(flags) - set(":xzcpeubdfnrs"))
            if bad:
                raise ValueError(f"status_map[{text!r}]: {flags!r} is not a string of flag letters (b break, "
                                 "c confidential, d definition differs, e estimated, p provisional, u low "
                                 "reliability, z not applicable, ':' or x missing; '' for none)")
        return v

    @model_validator(mode="after")
    def _geography_columns_of_open_sdg(self) -> SourceConfig:
        if self.geography_columns is not None and self.format != "open_sdg":
            raise ValueError("'geography_columns' is for format 'open_sdg'; a tidy table names its area's "
                             "column in 'columns.area_code' or 'columns.area_name'")
        return self
    # -- end opensdg --
    # codes: left-pad all-digit codes with zeros to this width (01001 saved by a spreadsheet as 1001)
    pad_codes: int | None = Field(None, ge=2, le=20)
    # a fixed period for a tidy file without a period column (``period: "2016"``)
    period: str | None = Field(None, min_length=1)
    #: ``engine``: a large Parquet or CSV file the computation's engine reads itself (DuckDB, or Spark's executors
    #: where the file is), not the ETL process (etl/sources/engine_read.py; docs/scale-out.md)
    read_by: Literal["etl", "engine"] = "etl"

    @model_validator(mode="after")
    def _read_by_the_engine(self) -> SourceConfig:
        if self.read_by == "etl":
            return self
        if self.format not in ("parquet", "csv"):
            raise ValueError(f"read_by: engine reads Parquet and CSV files, not format {self.format!r}; "
                             "leave read_by out (the ETL process reads it)")
        if not self.path:
            raise ValueError("read_by: engine needs 'path': the engine reads the file where it is (on a cluster, "
                             "on storage every executor reads), it does not download a 'url'")
        refused = [k for k, v in (("code_mapping", self.code_mapping), ("columns.area_name", self.columns.area_name))
                   if v]
        if refused:
            raise ValueError(f"{' and '.join(refused)} need the ETL process to read the source: a source with "
                             "read_by: engine gives the geography's codes (pad_codes is fine)")
        if self.format == "csv" and self.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ValueError(f"read_by: engine reads CSV in UTF-8, not {self.encoding!r}; convert the file, or "
                             "leave read_by out")
        return self

    @model_validator(mode="after")
    def _where(self) -> SourceConfig:
        if self.format == "sql":
            if self.sql is None:
                raise ValueError("a 'sql' source needs a 'sql' section (url and query or table)")
            if self.path:
                raise ValueError("a 'sql' source reads from 'sql.url', not 'path'")
        else:
            if self.sql is not None:
                raise ValueError(f"'sql' is only for format 'sql', not {self.format!r}")
            if not self.path and not self.url:
                raise ValueError("give 'path' (a local file) or 'url' (downloaded at each run)")
        if self.format == "excel" and not self.sheet:
            raise ValueError("an 'excel' source needs 'sheet' (the name of the worksheet)")
        if self.period is not None:
            if self.format not in TIDY_FORMATS:
                raise ValueError(f"'period' (a fixed period) is for a tidy table ({', '.join(TIDY_FORMATS)}); a "
                                 f"{self.format!r} source has its own periods")
            if "period" in self.columns.model_fields_set:
                raise ValueError(f"give either 'columns.period' (the column {self.columns.period!r}) or 'period' "
                                 f"(the fixed period {self.period!r}), not both")
        return self

    @property
    def remote(self) -> bool:
        """Downloaded from ``url`` (a ``url`` next to a ``path`` is only the publisher's page)."""
        return self.format != "sql" and not self.path and bool(self.url)

    @property
    def where(self) -> str:
        """What to name in messages: the file, the URL or the database (without credentials)."""
        if self.sql is not None:
            return public_url(self.sql.url) or ""
        return self.path or public_url(self.url) or ""


#: Query parameters that carry a credential (``?token=``, ``api_key``, ``X-Amz-Signature``, ``password``...).
_SECRET_PARAM = re.compile(r"(^|[-_.])(api)?(token|key|secret|password|passwd|pwd|sig|signature|auth|"
                           r"credential|session|odbc_connect)s?$", re.IGNORECASE)


def public_url(url: str | None) -> str | None:
    """``url`` as it may be published (manifest, data package, findings): a password in it and the value of
    every query parameter that carries a credential are replaced by ``***``. Other parameters stay, since
    they often name the dataset (``?dataset=...&lang=en``)."""
    if not url:
        return url
    base, mark, rest = url.partition("?")
    query, hash_, fragment = rest.partition("#")
    base = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", base)
    query = "&".join(f"{raw.partition('=')[0]}=***" if _SECRET_PARAM.search(raw.partition("=")[0]) else raw
                     for raw in query.split("&"))
    return base + mark + query + hash_ + fragment
