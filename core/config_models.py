"""Typed models of config.yaml. Every key is documented in docs/configuration.md (a test checks that).

Models forbid unknown keys, so a typo stops start-up with the path of the key instead of being ignored.
Cross-references (an indicator naming an unknown measure, ...) are checked in ``config.check_references``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# the geography (levels, areas, boundaries, neighbours), languages and translated texts (the languages key, indicators[].translations) live in their own module
# the open-data catalogue's settings (publication.catalogue) live in their own module; names kept here too
from core.config_catalogue import (  # noqa: E402, F401
    DEFAULT_EU_THEMES,
    EU_DATA_THEMES,
    IRI,
    PUBLISHER_TYPES,
    CatalogueConfig,
    ContactPointConfig,
)
from core.config_geography import (  # noqa: E402, F401
    AggregateRoot,
    AreasTable,
    BoundaryFile,
    CodeMappingConfig,
    GeographyConfig,
    LevelLabel,
    NeighbourFeature,
    NeighboursConfig,
)
from core.config_languages import (  # noqa: E402, F401
    LanguagesConfig,
    Translatable,
    Translations,
    needs_translation,
    split_translations,
)


class EngineConfig(Strict):
    """``kind: duckdb`` (in-process) or ``spark`` (the same SQL on a Spark master: ``local[2]``,
    ``spark://host:7077``, ``yarn``, ``k8s://...``; ``conf`` is passed to the SparkSession as it is)."""

    kind: Literal["duckdb", "spark"] = "duckdb"
    memory_limit: str = "4GB"
    threads: int = Field(2, ge=1)
    master: str = "local[2]"
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)


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


class MeasureConfig(Strict):
    id: str = Identifier
    source: str
    title: str | None = None
    unit: str | None = None
    select: dict[str, str] = Field(default_factory=dict)
    breakdown: str | None = None
    #: the code of the ``breakdown`` dimension that is the total of its categories (``T``, ``_T``, ``Total``):
    #: its rows are the measure's ``total`` rows, which maps, rankings, targets and trends read
    breakdown_total: str | None = None
    people: bool = False
    frequency: Literal["annual", "quarterly", "monthly"] | None = None

    @model_validator(mode="after")
    def _total_of_a_breakdown(self):
        if self.breakdown_total is not None and not self.breakdown:
            raise ValueError(f"breakdown_total {self.breakdown_total!r} names the total of a breakdown, but the "
                             "measure has no breakdown: add breakdown: <dimension> or remove breakdown_total")
        return self


def _period(v: str | None) -> str | None:
    """A period as the observations write it (``2030``, ``2030-Q1``, ``2030-07``): times are computed from it
    and base periods are looked up among the observations' periods."""
    from core.periods import normalise_period  # it imports this module

    if v is None:
        return v
    period = normalise_period(v)
    if period is None:
        raise ValueError(f"{v!r} is not a period: write a year ('2030'), a quarter ('2030-Q1') or a month "
                         "('2030-07')")
    return period


class ComputeConfig(Strict):
    """How an indicator's value is made. ``method`` names a module of ``indicators/methods``, which checks the
    keys it needs (``indicators.methods.check_config``: core knows no method); here only their types."""
    method: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    measure: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    multiplier: float = Field(1.0, gt=0)
    #: ``index``: the period whose value is 100
    base_period: str | None = None

    @property
    def measures(self) -> tuple[str, ...]:
        """The measures this computation reads."""
        return tuple(m for m in (self.measure, self.numerator, self.denominator) if m)

    @field_validator("base_period")
    @classmethod
    def _a_period(cls, v: str | None) -> str | None:
        return _period(v)


class DisclosureConfig(Strict):
    threshold: int = Field(10, ge=1)
    suppress_zero: bool = True
    apply_to: Literal["numerator", "denominator", "both"] = "numerator"
    #: how wide the range an attacker can work out for a withheld small count must stay (people); default:
    #: the whole range the reason gives (0 to threshold - 1)
    protection: int | None = Field(None, ge=0)


class AreaTarget(Strict):
    area_code: str
    value: float


class TargetConfig(Strict):
    value: float
    period: str
    base_period: str | None = None
    areas: list[AreaTarget] = Field(default_factory=list)

    @field_validator("period", "base_period")
    @classmethod
    def _a_period(cls, v: str | None) -> str | None:
        return _period(v)


#: The outcome and impact themes OpenMeasure knows; a deployment may use its own as well.
THEMES = ("service use", "administrative burden", "jobs", "growth", "inclusion")


class IndicatorConfig(Translatable):
    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("title", "description", "unit", "methodology", "caveats")
    id: str = Identifier
    title: str
    description: str = ""
    theme: str
    kind: Literal["outcome", "impact", "output"]
    unit: str
    decimals: int = Field(1, ge=0, le=6)
    polarity: Literal["higher_is_better", "lower_is_better", "neutral"] = "higher_is_better"
    visibility: Literal["public", "internal"] = "public"
    licence: str | None = None
    attribution: str | None = None
    methodology: str = ""
    caveats: str = ""
    frequency: Literal["annual", "quarterly", "monthly"] = "annual"
    compute: ComputeConfig
    interval: Literal["auto", "wilson", "poisson", "none"] = "auto"
    min_coverage: float | None = Field(None, ge=0, le=1)
    disclosure: DisclosureConfig | None = None
    target: TargetConfig | None = None


class ScheduleConfig(Strict):
    id: str = Identifier
    cron: str | None = None
    interval_seconds: int | None = Field(None, ge=1)
    indicators: list[str] = Field(default_factory=list)
    misfire_grace_seconds: int | None = Field(None, ge=1)
    skip_unchanged: bool = False

    @model_validator(mode="after")
    def _one_trigger(self) -> ScheduleConfig:
        if (self.cron is None) == (self.interval_seconds is None):
            raise ValueError("give exactly one of 'cron' or 'interval_seconds'")
        return self


class RetryConfig(Strict):
    """Retries of a run that failed with a transient error (a source that is down, a timeout)."""
    attempts: int = Field(3, ge=1, le=20)
    backoff_seconds: float = Field(5.0, ge=0)
    backoff_factor: float = Field(2.0, ge=1)
    max_backoff_seconds: float = Field(300.0, ge=0)


class SchedulerConfig(Strict):
    timezone: str = "UTC"
    misfire_grace_seconds: int = Field(3600, ge=1)
    shutdown_grace_seconds: float = Field(30.0, ge=0)
    lock_ttl_seconds: float = Field(120.0, ge=2)
    lock_wait_seconds: float = Field(600.0, ge=0)
    stale_after: float = Field(1.5, ge=1)
    freshness_check_seconds: int = Field(3600, ge=1)
    retries: RetryConfig = Field(default_factory=RetryConfig)


class SmtpConfig(Strict):
    host: str
    port: int = Field(25, ge=1, le=65535)
    sender: str
    recipients: list[str] = Field(min_length=1)
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_seconds: float = Field(10.0, gt=0)


class WebhookConfig(Strict):
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_seconds: float = Field(10.0, gt=0)


class AlertsConfig(Strict):
    on: list[Literal["run_failed", "stale", "target_crossed", "worsened", "release_damaged"]] = Field(
        default_factory=lambda: ["run_failed", "stale", "target_crossed", "worsened", "release_damaged"])
    smtp: SmtpConfig | None = None
    webhook: WebhookConfig | None = None
    indicators: list[str] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)
    max_items: int = Field(50, ge=1)


class AccessibilityConfig(Translatable):
    """The deployment's part of the dashboard's accessibility statement (/accessibility)."""

    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("enforcement",)
    contact: str | None = Field(None, pattern=r"^(https?://\S+|[^@\s/:]+@[^@\s]+\.[^@\s]+)$")
    enforcement: str | None = None


class PublicationConfig(Translatable):
    #: the words a reader reads; the licence is an id, the same in every language
    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("attribution", "citation")
    licence: str = "CC-BY-4.0"
    attribution: str = ""
    citation: str = ""
    min_coverage: float = Field(0.75, ge=0, le=1)
    keep_releases: int = Field(5, ge=1)
    disclosure: DisclosureConfig | None = None
    accessibility: AccessibilityConfig = Field(default_factory=AccessibilityConfig)
    catalogue: CatalogueConfig = Field(default_factory=CatalogueConfig)


class AccessConfig(Strict):
    """Who may see internal indicators, and the limits of the public download and API routes."""

    mode: Literal["none", "accounts", "proxy_header"] = "none"
    proxy_header: str = "X-Forwarded-User"
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    trust_forwarded_for: bool = False
    proxy_users: list[str] = Field(default_factory=list)
    secret_key: str | None = Field(None, min_length=16)
    session_minutes: int = Field(480, ge=1)
    public_url: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    https: bool = False
    max_rows: int = Field(1_000_000, ge=1)
    max_rows_xlsx: int = Field(200_000, ge=1, le=1_048_000)
    page_size: int = Field(1000, ge=1)
    max_page_size: int = Field(10_000, ge=1)
    max_query_length: int = Field(4096, ge=256)
    cache_seconds: int = Field(300, ge=0)
    download_cache: str | None = "auto"
    download_cache_mb: int = Field(2048, ge=0)
    csv_blocks_mb: int = Field(1024, ge=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for n, entry in enumerate(v):
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"[{n}] {entry!r} is not an IP address or network (such as 10.0.0.0/8)") from None
            if network.prefixlen == 0:
                raise ValueError(f"[{n}] {entry!r} would trust every address")
        return v

    @model_validator(mode="after")
    def _page_sizes(self) -> AccessConfig:
        if self.page_size > self.max_page_size:
            raise ValueError("page_size must not exceed max_page_size")
        return self


class MapConfig(Strict):
    """How the explorer's map is drawn (written into each release's manifest)."""
    colour_scale: Literal["quantile", "clipped", "linear"] = "quantile"
    classes: int = Field(5, ge=2, le=9)
    clip_percentiles: tuple[float, float] = (2.0, 98.0)
    #: [west, south, east, north] in degrees: one box for every level, or a box per level
    bounds: tuple[float, float, float, float] | dict[str, tuple[float, float, float, float]] | None = None

    @field_validator("clip_percentiles")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1] <= 100:
            raise ValueError("must be two percentiles, low then high, between 0 and 100")
        return v

    @field_validator("bounds")
    @classmethod
    def _boxes(cls, v):
        for box in ([v] if isinstance(v, tuple) else list((v or {}).values())):
            west, south, east, north = box
            if not (-90 <= south < north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
                raise ValueError(f"{list(box)} is not [west, south, east, north] in degrees (south below "
                                 "north; west greater than east crosses the antimeridian)")
        return v


class DashboardConfig(Strict):
    """How the dashboard draws the map and chooses what to show first."""

    map: MapConfig = Field(default_factory=MapConfig)
    map_min_coverage: float = Field(0.5, ge=0, le=1)
    #: breakdown dimension -> category code -> the words the breakdown charts show (``{sex: {F: Women}}``), in
    #: the default language; a code's words may be a map of languages (``F: {en: Women, fr: Femmes}``)
    breakdown_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: the other languages' words: language -> dimension -> code -> words (from the maps above)
    breakdown_translations: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _split_labels(cls, data, info: ValidationInfo):
        """``{sex: {F: {en: Women, fr: Femmes}}}`` -> the default language's words in ``breakdown_labels`` and
        the others' in ``breakdown_translations`` (as translated fields are split: core.config_languages)."""
        if not isinstance(data, dict) or not isinstance(data.get("breakdown_labels"), dict):
            return data
        default = (info.context or {}).get("default_language") or "en"
        labels, others = {}, {}
        for dim, codes in data["breakdown_labels"].items():
            if not isinstance(codes, dict):
                labels[dim] = codes
                continue
            labels[dim] = {}
            for code, words in codes.items():
                if not isinstance(words, dict):
                    labels[dim][code] = words
                    continue
                if not isinstance(words.get(default), str):
                    raise ValueError(f"breakdown_labels.{dim}.{code}: no words in the default language {default!r} "
                                     f"(languages.default); give them as breakdown_labels.{dim}.{code}.{default}")
                labels[dim][code] = words[default]
                for lang, text in words.items():
                    if lang != default:
                        others.setdefault(lang, {}).setdefault(dim, {})[code] = text
        return {**data, "breakdown_labels": labels, "breakdown_translations": others}

    def breakdown_label(self, dimension: str, code: str, lang: str, default: str) -> tuple[str, bool]:
        """``(words, fell_back)``: a breakdown category's words in ``lang``, else the ``default`` language's
        with ``fell_back`` True, else the code itself (never a fall-back: a code is no language's)."""
        own = self.breakdown_labels.get(dimension, {}).get(code)
        if own is None:
            return code, False
        found = self.breakdown_translations.get(lang, {}).get(dimension, {}).get(code)
        if lang == default or found:
            return found or own, False
        return own, needs_translation(own)


class Config(Translatable):
    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("title",)
    title: str = "OpenMeasure"
    synthetic: bool = False
    demo: bool = False
    store: str = "data/store"
    catalogue: str = "sqlite:///data/catalog.db"
    engine: EngineConfig = Field(default_factory=EngineConfig)
    geography: GeographyConfig
    sources: list[SourceConfig] = Field(min_length=1)
    measures: list[MeasureConfig] = Field(min_length=1)
    indicators: list[IndicatorConfig] = Field(min_length=1)
    schedules: list[ScheduleConfig] = Field(default_factory=list)
    publication: PublicationConfig = Field(default_factory=PublicationConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    alerts: AlertsConfig | None = None
    access: AccessConfig = Field(default_factory=AccessConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    languages: LanguagesConfig = Field(default_factory=lambda: LanguagesConfig.model_validate({}))
    _file: str = PrivateAttr("")
    _hash: str = PrivateAttr("")

    @model_validator(mode="after")
    def _alert_references(self) -> Config:
        if self.alerts is None:
            return self
        ids = {i.id for i in self.indicators}
        for n, i in enumerate(self.alerts.indicators):
            if i not in ids:
                raise ValueError(f"alerts.indicators[{n}]: unknown indicator {i!r}")
        for n, level in enumerate(self.alerts.levels):
            if level not in self.geography.levels:
                raise ValueError(f"alerts.levels[{n}]: unknown level {level!r}; "
                                 f"levels are {', '.join(self.geography.levels)}")
        return self

    # --- conveniences used across the code base -------------------------------------------------
    def indicator(self, indicator_id: str) -> IndicatorConfig:
        return {i.id: i for i in self.indicators}[indicator_id]

    def measure(self, measure_id: str) -> MeasureConfig:
        return {m.id: m for m in self.measures}[measure_id]

    def source(self, source_id: str) -> SourceConfig:
        return {s.id: s for s in self.sources}[source_id]
