"""What a compute method declares: the one place each method's rules live (see ``indicators/methods/__init__``).

A method module builds one :class:`Method`. Everything that used to branch on the method's name (config
validation, the ``ind`` parameter table, the value SQL, intervals, disclosure, the release metadata, the
dashboard's wording) reads it from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.config_models import Config, IndicatorConfig

#: A problem with an indicator's compute settings: the key it is about (``compute.numerator``,
#: ``interval``), relative to ``indicators[n]``, and what is wrong.
Problem = tuple[str, str]

#: How the dashboard words a method's values: ``unit`` (as the indicator's unit says: ``%``, ``per 1,000``),
#: ``count`` (a number of things, which grows with the area's size), ``index`` (relative to a base period = 100).
DISPLAYS = ("unit", "count", "index")


def no_problems(ind: IndicatorConfig, config: Config) -> list[Problem]:
    return []


def no_interval(ind: IndicatorConfig) -> str:
    return "none"


def measure_only(method: str) -> Callable[[IndicatorConfig, Config], list[Problem]]:
    """The check of a method that reads one measure (``measure``) and no numerator or denominator."""
    def check(ind: IndicatorConfig, config: Config) -> list[Problem]:
        c = ind.compute
        if not c.measure:
            return [("compute", f"method {method!r} needs 'measure'")]
        if c.numerator or c.denominator:
            return [("compute", f"method {method!r} takes 'measure', not numerator/denominator")]
        return []
    return check


@dataclass(frozen=True)
class Method:
    """One compute method. SQL fragments are text for ``indicators/sql/values.sql``: in ``computed`` they read
    the rolled-up row ``r`` (its ``numerator``, ``denominator``, ``n_reporting``...), the indicator's
    parameters ``i`` (the ``ind`` table) and the method's own ``join``; they never hold user input."""

    name: str
    #: one line for docs/configuration.md and ``openmeasure`` messages
    summary: str
    #: how a parent's value is made (``indicators.parquet`` column ``aggregation``)
    aggregation: str
    #: the method's paragraph of docs/methodology.md (a test checks it is there)
    methodology: str
    #: the ``compute`` keys the method reads, besides ``method``
    keys: tuple[str, ...]
    #: config problems of one indicator of this method (keys relative to ``indicators[n]``)
    check: Callable[[IndicatorConfig, Config], list[Problem]] = no_problems
    #: computed from the local level's observations and rolled up (cells.sql / rollup.sql); False: taken as
    #: published at each level (values.sql, ``published``)
    local: bool = True
    #: a parent's numerator is the sum of its children's (disclosure: parents and totals give children away)
    rolled_up: bool = True
    #: the value of a rolled-up row (None: the method does not go through the roll-up)
    value_sql: str | None = None
    #: the published numerator and denominator of a rolled-up row
    numerator_sql: str = "r.numerator"
    denominator_sql: str = "r.denominator"
    #: extra CTEs of values.sql (each ending with a comma) and one LEFT JOIN on ``computed``'s rows
    ctes: str = ""
    join: str = ""
    #: the note of a row the method could not compute though its areas reported (NULL otherwise)
    note_sql: str | None = None
    #: the interval ``interval: auto`` takes, and the intervals the method allows at all
    auto_interval: Callable[[IndicatorConfig], str] = no_interval
    intervals: tuple[str, ...] = ("poisson", "none")
    #: the ``ind`` parameters: ``numerator``, ``denominator``, ``multiplier`` and ``method_period`` (a period the
    #: method names: an index's base period)
    params: Callable[[IndicatorConfig], dict] | None = None
    #: how the dashboard words the values (:data:`DISPLAYS`)
    display: str = "unit"
    #: whether ranks and quartiles read best to worst (False: highest to lowest, the value grows with size)
    ranked_by_performance: bool = True
    #: findings of a run about this method's indicators: ``(indicator index, indicator, obs) -> list of dicts``
    findings: Callable | None = None

    @property
    def value_is_count(self) -> bool:
        """Whether a row's value is its count (a sum or count: the value is the numerator)."""
        return self.display == "count"

    def parameters(self, ind: IndicatorConfig) -> dict:
        if self.params is not None:
            return self.params(ind)
        c = ind.compute
        return {"numerator": c.numerator or c.measure, "denominator": c.denominator,
                "multiplier": float(c.multiplier), "method_period": None}
