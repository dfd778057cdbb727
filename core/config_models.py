"""Typed models of config.yaml. Every key is documented in docs/configuration.md (a test checks that).

Models forbid unknown keys, so a typo stops start-up with the path of the key instead of being ignored.
Cross-references (an indicator naming an unknown measure, ...) are checked in ``config.check_references``.
"""

from __future__ import annotations

import ipaddress
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
from core.config_sources import (  # noqa: E402, F401
    RULE_NAMES,
    TIDY_FORMATS,
    CsvColumns,
    FetchConfig,
    RuleAction,
    RuleName,
    SourceConfig,
    SqlConfig,
    ValidationConfig,
    public_url,
)


class EngineConfig(Strict):
    """``kind: duckdb`` (in-process) or ``spark`` (the same SQL on a Spark master: ``local[2]``,
    ``spark://host:7077``, ``yarn``, ``k8s://...``; ``conf`` is passed to the SparkSession as it is)."""

    kind: Literal["duckdb", "spark"] = "duckdb"
    memory_limit: str = "4GB"
    threads: int = Field(2, ge=1)
    master: str = "local[2]"
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)
    #: rows of the published table computed and written at once (default: etl.release_values.ROWS_PER_CHUNK)
    rows_per_chunk: int | None = Field(None, ge=1)


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
