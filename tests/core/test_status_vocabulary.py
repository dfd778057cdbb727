"""One status vocabulary (core/statuses.py): complete for every status the computation can write, and the
only definition the readers, the SDMX writer and the source readers use."""

from __future__ import annotations

import re
from importlib import resources

from core import statuses
from dashboard.api import formats, metadata
from dashboard.components import fmt
from etl import observations
from etl.sources import statuses as source_statuses
from tests.indicators.world import build_config, compute_final


def _words_written_by(sql_file: str) -> set[str]:
    """The quoted words of every ``CASE ... END AS status`` of a computation SQL file."""
    sql = resources.files("indicators").joinpath("sql", sql_file).read_text(encoding="utf-8")
    words = set()
    for block in re.findall(r"CASE((?:(?!CASE).)*?)END AS status\b", sql, flags=re.S):
        words |= set(re.findall(r"(?:THEN|ELSE)\s+'(\w+)'", block))
    return words


def test_every_status_the_sql_writes_is_in_the_vocabulary():
    written = (_words_written_by("values.sql") | _words_written_by("published_cells.sql")
               | _words_written_by("compare.sql"))
    assert {"ok", "missing", "suppressed", "low_coverage"} <= written  # the parse found the CASEs
    published = {s.word for s in statuses.PUBLISHED}
    assert written <= published, f"statuses the computation writes but core/statuses.py lacks: {written - published}"


def test_every_status_a_computation_gives_is_published_with_its_codes_and_texts(tmp_path):
    """A world with every flag letter, a late area and a small count: each status it gets is in the vocabulary."""
    flags = ["p", "e", "c", "u", "b", "d", "z", ""]
    obs = []
    for i, area in enumerate(["L1", "L2", "L3", "L4"]):
        for year, flag in zip((2018, 2019), (flags[i], flags[i + 4]), strict=True):
            obs += [("x", area, year, 20 + i, flag), ("n", area, year, 100, "")]
    obs += [("x", "L1", 2020, 3, ""), ("n", "L1", 2020, 100, ""), ("n", "L2", 2020, 100, "")]
    rate = {"id": "rate", "unit": "people", "compute": {"method": "sum", "measure": "x"},
            "disclosure": {"threshold": 10}}
    final = compute_final(build_config(tmp_path, obs, [rate], ["x", "n"]))
    seen = set(final["status"])
    assert {"provisional", "estimated", "low_reliability", "suppressed", "missing"} <= seen
    for word in seen:
        s = statuses.status(word)
        assert s.published and s.obs_status and s.short is not None and s.long, word


def test_the_vocabulary_is_what_every_reader_uses():
    assert observations.FLAG_STATUS is statuses.FLAG_STATUS
    assert formats.OBS_STATUS is statuses.OBS_STATUS and formats.WITHHELD == ("confidential", "suppressed")
    assert metadata.STATUS_TEXT == {s.word: s.long for s in statuses.PUBLISHED}
    assert fmt.NO_VALUE == {"missing", "low_coverage", "suppressed"}
    assert all(fmt.status(s.word) == (s.short or s.word) or s.word == "ok" for s in statuses.PUBLISHED)


def test_every_flag_letter_and_code_means_one_status():
    letters = [letter for s in statuses.STATUSES for letter in s.flags]
    assert len(letters) == len(set(letters)) and set(letters) == set(statuses.FLAG_PRIORITY)
    assert list(statuses.FLAG_STATUS) == list(statuses.FLAG_PRIORITY)
    assert observations.status_of("pc") == "confidential" and observations.status_of("") == "ok"
    # the SDMX codes we write are codes a source reader knows (CL_OBS_STATUS), and a source's codes and words
    # read into letters of the vocabulary only
    assert set(statuses.OBS_STATUS.values()) <= set(source_statuses.OBS_STATUS)
    for mapping in (source_statuses.OBS_STATUS, source_statuses.CONF_STATUS, source_statuses.OPEN_SDG):
        assert set(mapping.values()) <= set(statuses.FLAG_STATUS) | {""}
    assert set(statuses.FLAG_PRIORITY) <= source_statuses.EUROSTAT_LETTERS


def test_an_unknown_status_word_names_the_known_ones():
    try:
        statuses.status("withheld")
    except KeyError as err:
        assert "suppressed" in str(err) and "'withheld' is not a status" in str(err)
    else:
        raise AssertionError("an unknown word was accepted")
