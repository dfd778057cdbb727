"""The data checks' words on ``/status`` in the reader's language: core.quality_report.RULES (each check's
short name and what it looks for) and its sources' words, marked for translation here (core imports nothing of
the dashboard); tests/dashboard/test_pages_language.py checks they are the same English texts as core's."""

from __future__ import annotations

from dashboard.i18n import N_

#: rule -> (short name, what it looks for), as core.quality_report.RULES says them in English.
RULES: dict[str, tuple[str, str]] = {
    "missing_required": (N_("Missing area or period"),
        N_("a row without an area code, a period or another value it must have")),
    "bad_period": (N_("Unreadable period"),
        N_("a period that is not a year, a quarter or a month")),
    "wrong_frequency": (N_("Period of the wrong kind"),
        N_("a period that does not match how often the figure is published (a quarter in yearly data)")),
    "unknown_area": (N_("Unknown area"),
        N_("an area code or name that is not one of the areas the site covers")),
    "pseudo_area": (N_("Group of areas in the data"),
        N_("a total for a group of areas (such as the EU) or a region 'not elsewhere classified', "
           "which is not an area of the site")),
    "ambiguous_area": (N_("Ambiguous area name"),
        N_("an area name that fits more than one area")),
    "duplicate_key": (N_("Duplicate rows"),
        N_("two rows for the same figure, area and period")),
    "negative_count": (N_("Negative count"),
        N_("a count below zero")),
    "numerator_above_denominator": (N_("Part larger than the whole"),
        N_("a number of people or events larger than the total it is a share of")),
    "not_a_number": (N_("Value not a number"),
        N_("a value that is not a number")),
    "type_error": (N_("Value of the wrong type"),
        N_("a value that does not fit what the column should hold")),
    "cell_error": (N_("Spreadsheet error"),
        N_("a spreadsheet error in a cell (such as #REF! or #N/A)")),
    "merged_cells": (N_("Merged cells"),
        N_("merged cells in a spreadsheet's data")),
    "blank_row": (N_("Blank row"),
        N_("an empty row inside a spreadsheet's table")),
    "bom": (N_("Byte-order mark"),
        N_("an invisible mark at the start of a text file, removed before reading")),
    "metadata_mismatch": (N_("Description of another indicator"),
        N_("a data file whose description belongs to another indicator")),
    "mapping_conflict": (N_("Old and new area codes"),
        N_("a figure given under a current area code and under an old code of the same area (the "
           "current one is used)")),
    "coverage_shrank": (N_("Area no longer reported"),
        N_("an area that had figures in the previous release and has none now")),
    "value_jump": (N_("Large change"),
        N_("a value more than ten times (or under a tenth of) the previous release's, unless "
           "configured otherwise")),
    "no_observations": (N_("No data for a measure"),
        N_("a measure the figures need with no data this time (its figures keep the previously "
           "published values)")),
    "unknown_status": (N_("Unknown status note"),
        N_("a note on a value (such as 'provisional') that is not recognised")),
    "no_total": (N_("No total"),
        N_("an area with figures only for groups (such as men and women) and no total")),
    "area_in_breakdown": (N_("Areas in a breakdown column"),
        N_("a column read as a breakdown whose values are mostly area names")),
    "base_period_without_data": (N_("No data in a target's base period"),
        N_("an indicator whose target is measured from a period without data, so progress towards it "
           "cannot be worked out")),
    "neighbour_ties": (N_("Neighbours that cannot be told apart"),
        N_("areas too alike on the features that pick each area's most similar areas")),
    "boundary_missing": (N_("No boundary"),
        N_("an area without a boundary on the map")),
    "boundary_unmatched": (N_("Boundary of no area"),
        N_("a boundary that matches none of the areas")),
    "boundary_no_code": (N_("Boundary without a code"),
        N_("a boundary without an area code")),
    "boundary_no_match": (N_("Boundaries of other areas"),
        N_("a boundary file none of whose codes matches an area")),
    "boundary_code_padding": (N_("Boundary codes padded"),
        N_("boundary codes that match areas only once padded with zeros")),
    "boundary_code_split": (N_("Boundary codes split"),
        N_("boundary codes that hold more than the area code")),
}
#: core.quality_report.source_words' own words (a finding of no source, a level's map boundaries).
GEOGRAPHY = N_("The geography (areas and their neighbours)")
BOUNDARIES = N_("Map boundaries ({level} areas)")
