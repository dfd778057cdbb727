"""The open data's own words in the reader's language: the status sentences and the columns' descriptions that
the downloads' metadata carries (the zip's README, the CSVW metadata, the spreadsheets' metadata sheet).

``core`` keeps the English texts (core.statuses, core.schema) and imports nothing of the dashboard, so they are
marked for the catalogue here, word for word (tests/dashboard/api/test_open_data_languages.py checks they are
the same): :func:`status_texts` and :func:`column_texts` give them in a language, and a text not marked here
(a column added to core.schema since, the SDMX files' own columns) is given in English rather than not at
all.
"""

from __future__ import annotations

from core import schema, statuses
from dashboard.i18n import N_, translator

#: core.statuses' long texts (the status table of every download), marked for the catalogue.
STATUS_LONG = {
    "ok": N_("Published value with no flag."),
    "provisional": N_("Provisional: the publisher may revise this value."),
    "estimated": N_("Estimated by the publisher."),
    "break": N_("Break in the time series: not directly comparable with earlier periods."),
    "definition_differs": N_("The definition differs from the standard one (see the publisher's metadata)."),
    "low_reliability": N_("Low reliability: treat with caution."),
    "confidential": N_("Confidential: withheld by the publisher."),
    "missing": N_("No value: nothing was reported for this area and period."),
    "low_coverage": N_("Not computed: too few of the areas below reported to give a fair figure."),
    "suppressed": N_("Withheld to protect individuals: the count is below the disclosure threshold (or would "
                     "let one be worked out). The value, counts, interval, rank and change are left empty."),
}

_SIG = N_("Compared with {}: better / similar / worse (higher / similar / lower for a neutral indicator) / "
          "not compared.")

#: core.schema's descriptions of the values' columns (indicator_values), marked for the catalogue.
VALUE_COLUMNS = {
    "indicator": N_("Indicator id (see /api/v1/indicators/<id>)."),
    "area_code": N_("Code of the area."),
    "area_name": N_("Name of the area, as the release's areas table (areas.csv) gives it."),
    "level": N_("Level of the geography the area belongs to."),
    "level_index": N_("Position of the level, 0 = top."),
    "parent_code": N_("Code of the parent area (empty at the top level)."),
    "period": N_("Period, ISO 8601 (2021, 2021-Q3, 2021-07)."),
    "breakdown": N_("'total' or '<dimension>=<value>'."),
    "value": N_("The indicator value, in the indicator's unit."),
    "numerator": N_("Sum of the numerator counts behind the value."),
    "denominator": N_("Sum of the denominator counts behind the value."),
    "lower_ci": N_("Lower limit of the 95% confidence interval."),
    "upper_ci": N_("Upper limit of the 95% confidence interval."),
    "status": N_("Normalised status of the value (see the status table)."),
    "flags": N_("The publisher's flag letters as given (p provisional, e estimated, b break, ...)."),
    "note": N_("Plain-language note on how the value was computed."),
    "coverage": N_("Share of the areas below that reported."),
    "coverage_denominator": N_("Share of the denominator held by the areas that reported."),
    "n_reporting": N_("Number of lowest-level areas that reported."),
    "n_expected": N_("Number of lowest-level areas expected."),
    "parent_value": N_("Value of the parent area."),
    "top_value": N_("Value of the area's own top-level area: the root of its parent chain (with several roots, "
                    "such as the countries of NUTS, its own country)."),
    "aggregate_value": N_("Value of the configured aggregate root (e.g. EU27_2020), for areas whose root is one "
                          "of its members; only in releases of a geography with an aggregate root."),
    "rank_level": N_("Rank among the areas of the same level (1 = best; 1 = highest for a neutral indicator)."),
    "n_ranked_level": N_("Number of areas ranked at this level."),
    "rank_parent": N_("Rank among the areas with the same parent (1 = best; 1 = highest for a neutral "
                      "indicator)."),
    "n_ranked_parent": N_("Number of areas ranked under the same parent."),
    "quartile": N_("Quartile within the level (1 = best quarter; the highest for a neutral indicator)."),
    "previous_period": N_("The previous period with a value."),
    "previous_value": N_("The value in the previous period."),
    "change": N_("Change since the previous period."),
    "change_significance": N_("Whether the change is significant."),
    "peer_mean": N_("Mean of the published values of the area's statistical nearest neighbours: over the "
                    "peer_count of them that have one (withheld values are left out); empty when none has."),
    "peer_count": N_("Number of the area's nearest neighbours with a published value: those peer_mean is taken "
                     "over."),
    "target": N_("Target value."),
    "target_period": N_("Period by which the target should be met."),
    "progress_ratio": N_("Observed / required growth towards the target."),
    "cagr_observed": N_("Observed compound annual growth rate since the base period."),
    "progress_status": N_("Progress towards the target (achieved, on track, ...)."),
    "rag": N_("Red / amber / green status for the target."),
    "visibility": N_("public or internal."),
}

#: core.schema's descriptions of the areas' columns (areas.csv; ``bucket`` is not published).
AREA_COLUMNS = {
    "area_code": N_("Code of the area."),
    "name": N_("Name of the area."),
    "level": N_("Level of the geography the area belongs to."),
    "parent_code": N_("Code of the parent area (empty at the top level)."),
    "level_index": N_("Position of the level, 0 = top."),
    "top_code": N_("Code of the area's own top-level area: the root of its parent chain."),
    "neighbours": N_("Codes of the area's statistical nearest neighbours, nearest first (separated by ';' in CSV)."),
}

#: core.schema's descriptions of the indicators' columns (indicators.csv).
INDICATOR_COLUMNS = {
    "id": N_("Indicator id."),
    "title": N_("Title of the indicator."),
    "description": N_("What the indicator measures."),
    "theme": N_("Theme the indicator belongs to."),
    "kind": N_("Kind of indicator (outcome, output, ...)."),
    "unit": N_("Unit of the values."),
    "decimals": N_("Decimals a value is shown with."),
    "multiplier": N_("Factor a ratio is multiplied by (100 for a percentage)."),
    "polarity": N_("Which way is better: higher, lower or neutral."),
    "method": N_("How the value is computed: ratio, sum, count or published."),
    "aggregation": N_("How a parent's value is made from its children's, in words."),
    "numerator": N_("Measure summed as the numerator (or the measure of a sum or count)."),
    "denominator": N_("Measure summed as the denominator (ratios only)."),
    "interval": N_("Method of the 95% confidence interval."),
    "sources": N_("The sources the indicator is computed from (JSON: id, title, publisher, url)."),
    "licence": N_("Licence of the figures."),
    "attribution": N_("Attribution the licence requires."),
    "methodology": N_("How the indicator is computed, in words."),
    "caveats": N_("What to bear in mind when using the figures."),
    "visibility": N_("public or internal."),
    "frequency": N_("How often the indicator is updated."),
    "disclosure": N_("The disclosure control rule applied (JSON), empty when none is."),
    "target": N_("Target value."),
    "target_period": N_("Period by which the target should be met."),
    "min_coverage": N_("Share of the areas below that must report for a parent's value to be published."),
}

#: Every marked description: a column of any table (the SDMX files' too) whose description is one of these is
#: translated (gettext is keyed by the English text).
_MARKED = {*VALUE_COLUMNS.values(), *AREA_COLUMNS.values(), *INDICATOR_COLUMNS.values()}

#: What the ``{}`` of a significance column's description compares with.
_SIG_WITH = {"significance_parent": N_("the parent"),
             "significance_top": N_("the area's own top-level area (top_value)"),
             "significance_aggregate": N_("the aggregate root")}


def status_texts(lang: str) -> dict[str, str]:
    """Each published status's sentence (core.statuses' order) in ``lang``."""
    t = translator(lang).gettext
    return {word: t(STATUS_LONG[word]) if word in STATUS_LONG else text
            for word, text in statuses.LONG_TEXT.items()}


def column_text(table: schema.Table, name: str, lang: str) -> str:
    """The description of a column of ``table`` in ``lang`` (core.schema's English when it is not marked)."""
    t = translator(lang).gettext
    said = table.describe(name)
    if said in _MARKED:
        return t(said)
    if name in _SIG_WITH and said == _SIG.format(_SIG_WITH[name]):
        return t(_SIG).format(t(_SIG_WITH[name]))
    return said


def column_texts(lang: str, table: schema.Table = schema.INDICATOR_VALUES) -> dict[str, str]:
    """Every column of ``table`` with its description in ``lang``."""
    return {f.name: column_text(table, f.name, lang) for f in table.schema}
