"""What config.yaml's errors tell an operator to do, and the mistakes caught when the file is loaded rather
than later (a cron at `openmeasure schedule`, a target period in the middle of a run)."""

from __future__ import annotations

import pytest

from core.config import load_config
from core.errors import ConfigError
from tests.conftest import ROOT

ONLINE_TARGET = 'target: {value: 90, period: "2030", base_period: "2013"}'  # indicators[0], online_share
NEET_COUNT_DISCLOSURE = ("compute: {method: sum, measure: neet}\n    disclosure:")  # indicators[8], neet_count
SERVICES_COLUMNS = "    columns: {area_code: area_code, period: year, value: value, flag: flag}\n"  # sources[0]


def load_changed(tmp_path, old: str, new: str):
    text = (ROOT / "config.yaml").read_text()
    assert old in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(old, new, 1))
    return load_config(path)


def problems(tmp_path, old: str, new: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_changed(tmp_path, old, new)
    return err.value.problems


@pytest.mark.parametrize("cron, message", [
    ("0 2 * *", "schedules[0].cron: Wrong number of fields; got 4, expected 5: '0 2 * *' (schedule 'nightly')"),
    ("0 25 * * *", "schedules[0].cron: Error validating expression '25'"),
])
def test_a_bad_cron_is_an_error_when_the_config_is_loaded(tmp_path, cron, message):
    found = problems(tmp_path, 'cron: "0 2 * * *"', f'cron: "{cron}"')
    assert len(found) == 1 and found[0].startswith(message), found


@pytest.mark.parametrize("cron, day, month", [
    ("0 2 31 2 *", "31", "2"), ("0 2 30 2 *", "30", "2"), ("15 4 31 4,6,9,11 *", "31", "4,6,9,11"),
    ("0 2 30,31 2 1", "30,31", "2"),
])
def test_a_cron_that_can_never_fire_is_an_error_when_the_config_is_loaded(tmp_path, cron, day, month):
    found = problems(tmp_path, 'cron: "0 2 * * *"', f'cron: "{cron}"')
    assert found == [f"schedules[0].cron: {cron!r} never fires: there is no day {day} in month {month} (February "
                     "has at most 29 days; April, June, September and November have 30) (schedule 'nightly')"]


@pytest.mark.parametrize("cron", ["0 2 29 2 *", "0 2 29 2 0", "0 0 31 * *", "30 2 * * *", "0 6 31 12 6"])
def test_a_cron_that_fires_rarely_is_accepted(tmp_path, cron):
    """Every 29th of February, a leap day on a given weekday (decades apart), a 02:30 the clocks skip once a
    year: rare, but they fire."""
    config = load_changed(tmp_path, 'cron: "0 2 * * *"', f'cron: "{cron}"')
    assert config.schedules[0].cron == cron


def test_the_never_fires_check_is_bounded(tmp_path):
    """The search for a next fire time ends one calendar cycle (400 years) ahead; APScheduler alone would walk
    on to the year 9999 for each impossible date."""
    import time

    from core.config import _never_fires

    started = time.perf_counter()
    for cron in ("* * 31 2 *", "0 2 30,31 2 *", "*/5 * 31 4,6,9,11 *", "0 2 31 2 6"):
        assert _never_fires(cron, "Europe/Paris")
    assert time.perf_counter() - started < 5


def test_the_scheduler_time_zone_is_checked(tmp_path):
    found = problems(tmp_path, "schedules:\n", "scheduler: {timezone: Europe/Olso}\nschedules:\n")
    assert found == ["scheduler.timezone: unknown time zone 'Europe/Olso' (an IANA name such as 'Europe/Oslo', "
                     "or 'UTC')"]
    config = load_changed(tmp_path, "schedules:\n", "scheduler: {timezone: Europe/Oslo}\nschedules:\n")
    assert config.scheduler.timezone == "Europe/Oslo"


@pytest.mark.parametrize("period", ["2030/31", "FY2030", "2030-13", "2030-Q5"])
def test_a_target_period_the_engine_cannot_read_is_an_error(tmp_path, period):
    found = problems(tmp_path, ONLINE_TARGET, f'target: {{value: 90, period: "{period}"}}')
    assert found == [f"indicators[0].target.period: {period!r} is not a period: write a year ('2030'), a quarter "
                     "('2030-Q1') or a month ('2030-07') (indicator 'online_share')"]


def test_a_bad_base_period_is_an_error(tmp_path):
    found = problems(tmp_path, ONLINE_TARGET, 'target: {value: 90, period: "2030", base_period: "2013/14"}')
    assert len(found) == 1 and found[0].startswith("indicators[0].target.base_period: '2013/14' is not a period")


def test_target_periods_are_written_as_the_observations_write_them(tmp_path):
    config = load_changed(tmp_path, ONLINE_TARGET, 'target: {value: 90, period: "2030q4", base_period: "2013M07"}')
    assert (config.indicators[0].target.period, config.indicators[0].target.base_period) == ("2030-Q4", "2013-07")


def test_a_number_where_text_is_meant_says_to_quote_it(tmp_path):
    found = problems(tmp_path, ONLINE_TARGET, "target: {value: 90, period: 2030, base_period: 2013}")
    assert found == [
        "indicators[0].target.period: Input should be a valid string; YAML read the number 2030: write it in "
        "quotes: '2030' (indicator 'online_share')",
        "indicators[0].target.base_period: Input should be a valid string; YAML read the number 2013: write it "
        "in quotes: '2013' (indicator 'online_share')",
    ]
    found = problems(tmp_path, "{indic_em: EMP, unit: NR}", "{indic_em: EMP, unit: NO}")  # the Norway problem
    assert found == ["measures[12].select.unit: Input should be a valid string; YAML read False (an unquoted yes, "
                     "no, on, off, true or false): write the value in quotes (measure 'employed')"]


def test_a_number_as_a_mapping_key_says_to_quote_it(tmp_path):
    found = problems(tmp_path, "    attributes:", "    level_values: {1: region}\n    attributes:")
    assert found == ["geography.areas.level_values.1: Input should be a valid string; YAML read the number 1: "
                     "write it in quotes: '1'"]


def test_an_unknown_key_names_the_item_and_the_closest_key(tmp_path):
    found = problems(tmp_path, NEET_COUNT_DISCLOSURE, NEET_COUNT_DISCLOSURE.replace("disclosure", "disclosre"))
    assert found == ["indicators[8].disclosre: unknown key in indicator 'neet_count'; did you mean 'disclosure'?"]
    found = problems(tmp_path, NEET_COUNT_DISCLOSURE + " {threshold: 10, suppress_zero",
                     NEET_COUNT_DISCLOSURE + " {threshold: 10, supress_zero")
    assert found == ["indicators[8].disclosure.supress_zero: unknown key in indicator 'neet_count'; did you mean "
                     "'suppress_zero'?"]
    found = problems(tmp_path, "    k: 5\n", "    k: 5\n    colour: blue\n")
    assert found == ["geography.neighbours.colour: unknown key; this section takes k, levels, features"]


def test_a_misspelt_rule_name_suggests_the_closest(tmp_path):
    found = problems(tmp_path, SERVICES_COLUMNS, SERVICES_COLUMNS + "    validation: {rules: {unknwn_area: block}}\n")
    assert found == ["sources[0].validation.rules.unknwn_area: unknown key in source 'services'; did you mean "
                     "'unknown_area'?"]
    found = problems(tmp_path, SERVICES_COLUMNS, SERVICES_COLUMNS + "    validation: {rules: {unknown_area: stop}}\n")
    assert found == ["sources[0].validation.rules.unknown_area: Input should be 'warn', 'quarantine' or 'block'; "
                     "got 'stop' (source 'services')"]


def test_a_neighbour_feature_must_be_an_area_attribute(tmp_path):
    found = problems(tmp_path, "{name: urban_type, weight: 0.5}", "{name: urbantype, weight: 0.5}")
    assert found == ["geography.neighbours.features[2].name: unknown attribute 'urbantype'; did you mean "
                     "'urban_type'? (a feature must be one of geography.areas.attributes)"]
