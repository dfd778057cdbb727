"""Area codes against the real Eurostat files and the NUTS 2021 geography: legacy codes mapped (one-to-one and
many-to-one) or reported, pseudo-regions kept out, names matched."""

from __future__ import annotations

import pandas as pd
import pytest

from core.config_models import CodeMappingConfig, SourceConfig
from etl.sources import read_source
from etl.sources.area_codes import apply_code_mapping, match_names, normalise_name
from etl.validate import is_pseudo_area
from tests.etl.bad_inputs_helpers import deployment, read

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

TSV = "eurostat-regional-population-gdp/tsv/demo_r_pjanaggr3.tsv.gz"
GDP = "eurostat-regional-population-gdp/sdmx-csv/nama_10r_3gdp_linear.csv.gz"


@pytest.fixture(scope="module")
def population(shared_data) -> pd.DataFrame:
    raw = read_source(SourceConfig(id="p", format="eurostat_tsv", path=str(shared_data / TSV)))
    return raw[(raw.sex == "T") & (raw.age == "TOTAL")].reset_index(drop=True)


def test_nuts_2016_codes_carried_to_2021(tmp_path, population):
    # Real NUTS 2016 -> 2021 changes: Estonia's EE006/EE007 became EE009/EE00A; Norway's Oslo NO011 became NO081
    # and Akershus NO012, Østfold NO031 and Buskerud NO032 merged into Viken NO082.
    (tmp_path / "nuts2016_2021.csv").write_text(
        "old_code,new_code\nEE006,EE009\nEE007,EE00A\nNO011,NO081\nNO012,NO082\nNO031,NO082\nNO032,NO082\n")
    src = SourceConfig(id="p", format="eurostat_tsv", path="x",
                       code_mapping=CodeMappingConfig(path=str(tmp_path / "nuts2016_2021.csv")))
    mapped, found = apply_code_mapping(population, src)

    def value(df, code, year):
        return df.loc[(df.area_code == code) & (df.period == year), "value"].tolist()

    assert value(mapped, "EE009", "2019") == value(population, "EE006", "2019") == [122922.0]
    viken = sum(value(population, c, "2019")[0] for c in ("NO012", "NO031", "NO032"))
    assert value(mapped, "NO082", "2019") == [viken]
    assert value(mapped, "NO082", "2021") == [1252384.0]  # published under the new code only: unchanged
    assert value(mapped, "EE009", "2021") == [121335.0]
    assert not mapped.area_code.isin(["EE006", "NO012"]).any()
    assert len(mapped[(mapped.area_code == "EE009")]) == len(population[population.area_code == "EE009"])
    # the old and new codes never both carry a value for the same year in this file: no conflict
    assert found == []


def test_weighted_split():
    raw = pd.DataFrame({"area_code": ["OLD", "KEEP", "B"], "period": ["2020", "2020", "2020"],
                        "value": [1000.0, 5.0, 700.0], "flags": ["p", "", ""], "row": [2, 3, 4]})
    table = pd.DataFrame({"old_code": ["OLD", "OLD"], "new_code": ["A", "B"], "weight": [0.25, 0.75]})
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as t:
        table.to_csv(Path(t) / "m.csv", index=False)
        src = SourceConfig(id="x", format="csv", path="x",
                           code_mapping=CodeMappingConfig(path=str(Path(t) / "m.csv"), weight="weight"))
        out, found = apply_code_mapping(raw, src)
    got = out.sort_values("area_code")[["area_code", "value", "flags", "row"]].values.tolist()
    assert got == [["A", 250.0, "p", 2], ["B", 700.0, "", 4], ["KEEP", 5.0, "", 3]]
    assert [(f["rule"], f["row"], f["message"]) for f in found] == [
        ("mapping_conflict", 2, "B is published directly and also mapped from OLD; the published value is kept")]


def test_real_gdp_file_pseudo_regions_and_legacy_codes(tmp_path, shared_data):
    source = {"format": "sdmx_csv", "path": str(shared_data / GDP)}
    measures = [{"id": "gdp", "source": "s", "select": {"unit": "MIO_EUR"}}]
    gdp = {"id": "gdp", "title": "GDP", "theme": "growth", "kind": "impact", "unit": "million EUR",
           "compute": {"method": "sum", "measure": "gdp"}}
    obs, found = read(deployment(tmp_path, shared_data, source, measures=measures, indicators=[gdp]))
    pseudo = set(found.loc[found.rule == "pseudo_area", "area_code"])
    assert "EU27_2020" in pseudo and {"ATZ", "ATZZ", "ATZZZ", "SEZZZ"} <= pseudo
    assert len(pseudo) == 48  # 47 Extra-Regio codes and EU27_2020 (SOURCE.md)
    assert set(found.rule) <= {"pseudo_area", "unknown_area"}
    assert not obs.area_code.map(is_pseudo_area).any()
    assert obs.loc[(obs.area_code == "DE111") & (obs.period == "2019"), "value"].tolist() == [57510.22]


@pytest.mark.parametrize(("code", "pseudo"), [
    ("EU27_2020", True), ("EU28", True), ("EU27_2007", True), ("EFTA", True), ("DE_TOT", True), ("EA19", True),
    ("ATZ", True), ("ATZZ", True), ("ATZZZ", True), ("ALX", True), ("FRXX", True), ("HUXXX", True),
    ("DE111", False), ("DEA", False), ("LU000", False), ("NA", False), ("UKZ", True)])
def test_pseudo_codes(code, pseudo):
    assert is_pseudo_area(code) is pseudo


def test_nuts_pseudo_codes_need_their_country_in_the_geography():
    assert is_pseudo_area("ATZZZ", {"AT", "AT1"}) and is_pseudo_area("FRXX", {"FR"})
    assert not is_pseudo_area("LUX", {"LUX", "DEU"}) and not is_pseudo_area("KAZ", {"DEU"})
    assert is_pseudo_area("EU27_2020", set()) and is_pseudo_area("DE_TOT", set())


def test_name_normalisation_and_matching():
    assert normalise_name("  Provence-Alpes-Côte d’Azur ") == "provence alpes cote dazur"
    assert normalise_name("Trinidad & Tobago") == normalise_name("trinidad and tobago")
    areas = pd.DataFrame({"area_code": ["DE212", "FRL0", "LU", "LU0"],
                          "name": ["München, Kreisfreie Stadt", "Provence-Alpes-Côte d’Azur", "Luxembourg",
                                   "Luxembourg"]})
    raw = pd.DataFrame({"area_code": ["", "", "DE212", ""], "area_name": ["MUNCHEN kreisfreie stadt",
                                                                         "provence alpes cote d'azur", "x",
                                                                         "Luxembourg"],
                        "period": ["2020"] * 4, "value": [1.0, 2.0, 3.0, 4.0], "flags": [""] * 4, "row": [2, 3, 4, 5]})
    out, found = match_names(raw, areas)
    assert out["area_code"].tolist() == ["DE212", "FRL0", "DE212"]
    assert [(f["rule"], f["row"]) for f in found] == [("ambiguous_area", 5)]
