"""SDMX with the real reader, ``sdmx1`` (pinned in the test extras): the structure message at
/api/v1/sdmx/structure is a DSD with code lists, and every observation of the SDMX-CSV 2.0 download reads
back through it with the values of the CSV download."""

from __future__ import annotations

import csv as csv_module
import io
import math
import re

import pandas as pd
import pytest

sdmx = pytest.importorskip("sdmx")

from dashboard.api import sdmx as om_sdmx  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


def _structure(client, tmp_path):
    r = client.get("/api/v1/sdmx/structure")
    assert r.status_code == 200 and r.mimetype == "application/vnd.sdmx.structure+xml"
    path = tmp_path / "structure.xml"
    path.write_bytes(r.data)
    return sdmx.read_sdmx(path)


def _read_back(client, tmp_path, query: str):
    """(observations read by sdmx1, the CSV download of the same query, the SDMX-CSV 2.0 text)."""
    msg = _structure(client, tmp_path)
    flow = msg.dataflow["INDICATOR_VALUES"]
    r = client.get(f"/api/v1/data?{query}&format=sdmx-csv2")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.sdmx.data+csv; version=2.0.0")
    path = tmp_path / "values.csv"
    path.write_bytes(r.data)
    data = sdmx.read_sdmx(path, structure=flow)
    obs = [o for ds in data.data for o in ds.obs]
    csv = pd.read_csv(io.BytesIO(client.get(f"/api/v1/data?{query}&format=csv").data), dtype={"period": str},
                      keep_default_na=False, na_values=[""])
    return msg, obs, csv, r.data.decode()


def _check(msg, obs, csv):
    """Every row an observation, with its value, status and codes from the code lists."""
    assert len(obs) == len(csv) > 0
    dsd = msg.structure["DSD_INDICATOR_VALUES"]
    codes = {cl.id: {c.id for c in cl} for cl in msg.codelist.values()}
    lists = {c.id: c.local_representation.enumerated.id for c in [*dsd.dimensions, *dsd.attributes]
             if c.local_representation and c.local_representation.enumerated is not None}
    want = {(om_sdmx.code_id(r.indicator), om_sdmx.code_id(r.area_code), om_sdmx.breakdown_id(r.breakdown),
             r.period): r.value for r in csv.itertuples()}
    got = {}
    for o in obs:
        key = {k: kv.value for k, kv in o.dimension.values.items()}
        for dim, value in key.items():
            if dim in lists:
                assert value in codes[lists[dim]], (dim, value)
        for att, av in o.attached_attribute.items():
            if att in lists and av.value:
                assert av.value in codes[lists[att]], (att, av.value)
        got[(key["INDICATOR"], key["REF_AREA"], key["BREAKDOWN"], key["TIME_PERIOD"])] = (
            float(o.value) if o.value not in ("", None) else math.nan)
        if o.attached_attribute["OBS_STATUS"].value == "M":
            assert o.value in ("", None)
    assert set(got) == set(want)
    bad = [k for k, v in want.items() if not (math.isclose(got[k], v, rel_tol=1e-12) or
                                              (math.isnan(got[k]) and math.isnan(v)))]
    assert not bad, bad[:5]
    return codes


def test_structure_message_is_a_dsd_with_code_lists(demo_app, tmp_path):
    msg = _structure(demo_app.test_client(), tmp_path)
    dsd = msg.structure["DSD_INDICATOR_VALUES"]
    assert [d.id for d in dsd.dimensions] == [*om_sdmx.DIMENSIONS, "TIME_PERIOD"]
    assert {a.id for a in dsd.attributes} >= {"UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS",
                                              "AREA_LEVEL", "OBS_FLAG"}
    assert [m.id for m in dsd.measures] == ["OBS_VALUE"]
    cl = msg.codelist
    titles = {i["id"]: i["title"] for i in demo_app.test_client().get("/api/v1/indicators").get_json()["data"]}
    assert {c.id: str(c.name) for c in cl["CL_INDICATOR"]} == titles
    assert {"A", "P", "E", "M", "Q"} <= {c.id for c in cl["CL_OBS_STATUS"]}
    assert {c.id for c in cl["CL_CONF_STATUS"]} == {"F", "C", "D"}
    # cross-domain units: % is PC, people PERS, a rate per 1,000 residents P_THAB, days DAY; none is free text
    assert {"PC", "PERS", "P_THAB", "DAY"} <= {c.id for c in cl["CL_UNIT_MEASURE"]}
    assert "_T" in {c.id for c in cl["CL_BREAKDOWN"]}
    assert all(str(c.name) for c in cl["CL_AREA"])


def test_every_demo_observation_reads_back_with_sdmx1(demo_app, tmp_path):
    msg, obs, csv, text = _read_back(demo_app.test_client(), tmp_path, "indicator=neet_rate,satisfaction")
    header = next(csv_module.reader(io.StringIO(text)))
    assert header[:4] == ["STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ"]
    _check(msg, obs, csv)
    units = {o.attached_attribute["UNIT_MEASURE"].value for o in obs}
    assert units == {"PC"}
    status = pd.Series([o.attached_attribute["OBS_STATUS"].value for o in obs])
    assert (status == "Q").sum() == (csv["status"] == "suppressed").sum() > 0


def test_the_whole_demo_reads_back_with_sdmx1(demo_app, tmp_path):
    msg, obs, csv, _ = _read_back(demo_app.test_client(), tmp_path, "")
    _check(msg, obs, csv)
    print(f"sdmx1 read {len(obs)} observations of {len(csv)} rows")


def test_the_release_file_reads_back_whole_with_sdmx1_against_the_release_structure(demo_app, tmp_path):
    """indicator_values.sdmx2.csv, the release's SDMX-CSV 2.0 file beside the SDMX-CSV 1.0 one: every row of the
    release's indicator_values.csv is an observation of it, read by sdmx1 against the structure message of the
    same release, with the same value and codes from the code lists."""
    client = demo_app.test_client()
    rid = client.get("/api/v1/releases").get_json()["data"][0]["id"]
    r = client.get(f"/api/v1/sdmx/structure?release={rid}")
    (tmp_path / "structure.xml").write_bytes(r.data)
    msg = sdmx.read_sdmx(tmp_path / "structure.xml")
    r = client.get(f"/data/releases/{rid}/indicator_values.sdmx2.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.sdmx.data+csv; "
                                                                         "version=2.0.0")
    (tmp_path / "values.sdmx2.csv").write_bytes(r.data)
    data = sdmx.read_sdmx(tmp_path / "values.sdmx2.csv", structure=msg.dataflow["INDICATOR_VALUES"])
    obs = [o for ds in data.data for o in ds.obs]
    csv = pd.read_csv(io.BytesIO(client.get(f"/data/releases/{rid}/indicator_values.csv").data),
                      dtype={"period": str}, keep_default_na=False, na_values=[""])
    _check(msg, obs, csv)
    assert r.data == client.get(f"/api/v1/data?release={rid}&format=sdmx-csv2").data  # the download, whole
    meta = client.get(f"/data/releases/{rid}/indicator_values.sdmx2.csv-metadata.json").get_json()
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == next(csv_module.reader(io.StringIO(
        r.data.decode()[:2000])))
    print(f"sdmx1 read {len(obs)} observations of the release file's {len(csv)} rows")


@pytest.mark.slow
def test_eurostat_example_reads_back_and_its_colon_is_status_m(eurostat_app, tmp_path):
    """Eurostat's ':' (not available) is OBS_STATUS M with no value, never an OBS_FLAG."""
    msg, obs, csv, text = _read_back(eurostat_app.test_client(), tmp_path, "level=nuts0,nuts1,nuts2")
    _check(msg, obs, csv)
    att = pd.DataFrame([{k: v.value for k, v in o.attached_attribute.items()} for o in obs])
    assert not att["OBS_FLAG"].fillna("").str.contains(":").any()
    missing = att["OBS_STATUS"] == "M"
    assert missing.sum() == (csv["status"] == "missing").sum()
    assert {c.id for c in msg.codelist["CL_UNIT_MEASURE"]} >= {"PERS", "EUR_HAB", "PC"}
    print(f"sdmx1 read {len(obs)} observations of {len(csv)} rows; {missing.sum()} OBS_STATUS M; "
          f"units {sorted(set(att['UNIT_MEASURE']))}")


def test_codes_are_sdmx_identifiers_one_to_one():
    texts = ["total", "sex=F", "sex$F", "age=15-24", "NUTS 2", "a@b", "UKC1", "E06000001", "ü"]
    ids = [om_sdmx.breakdown_id(t) for t in texts]
    assert ids[:5] == ["_T", "sex$F", "sex@0024F", "age$15-24", "NUTS@00202"]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_@$-]+", i) for i in ids)


def test_units_and_frequencies_use_the_cross_domain_codes():
    assert om_sdmx.unit("%") == ("PC", 0, "Percentage")
    assert om_sdmx.unit("per 1,000  residents")[0] == "P_THAB"
    assert om_sdmx.unit("million EUR")[:2] == ("EUR", 6)
    assert om_sdmx.unit("days per FTE") == ("DAYS_PER_FTE", 0, "days per FTE")
    assert [om_sdmx.freq(p) for p in ("2021", "2021-Q3", "2021-07", "2021-S1")] == ["A", "Q", "M", "S"]
    with pytest.raises(ValueError, match="period '21' has no SDMX frequency"):
        om_sdmx.freq("21")


#: Eurostat's unit code list (ESTAT:UNIT, the ESS CL_UNIT), cut to the codes near ours: code -> English label.
EUROSTAT_UNITS = dict(line.split("\t", 1) for line in (ROOT / "tests" / "data" / "real" / "eurostat_unit" /
                                                      "unit.dic").read_text(encoding="utf-8").splitlines())


def test_every_unit_code_given_as_eurostats_is_in_eurostats_list_with_its_label():
    """The unit table was written without the reference list at hand: persons were PS and micrograms per cubic
    metre UG_M3, codes the ESS list does not have (its codes are PERS and MCG_M3)."""
    wrong = {words: (code, name) for words, (code, _, name) in om_sdmx.UNITS.items()
             if EUROSTAT_UNITS.get(code) != name}
    assert not wrong, {w: (c, n, EUROSTAT_UNITS.get(c)) for w, (c, n) in wrong.items()}
    assert om_sdmx.unit("People")[:2] == ("PERS", 0) and om_sdmx.unit("µg/m3")[0] == "MCG_M3"


def test_every_unit_the_structure_messages_give_is_eurostats_or_the_units_own_words(demo_app, tmp_path):
    """In the demo's code list of units, a code is Eurostat's (with Eurostat's label), the unit's own words in
    capitals (a local code, named by those words), or _Z (no unit)."""
    client = demo_app.test_client()
    msg = _structure(client, tmp_path)
    units = {i["unit"] for i in client.get("/api/v1/indicators").get_json()["data"]}
    local = {om_sdmx.unit(u)[0]: u for u in units if " ".join(u.split()).lower() not in om_sdmx.UNITS}
    seen = {c.id: str(c.name) for c in msg.codelist["CL_UNIT_MEASURE"]}
    assert len(seen) >= 4 and set(seen) - set(local) - {"_Z"}
    for code, name in seen.items():
        if code in local:
            assert name == local[code] and code not in EUROSTAT_UNITS, (code, name)
        elif code != "_Z":
            assert EUROSTAT_UNITS.get(code) == name, (code, name, EUROSTAT_UNITS.get(code))


def test_the_catalogue_names_the_structure_the_sdmx_csv2_distributions_conform_to(demo_app):
    client = demo_app.test_client()
    datasets = client.get("/catalog.jsonld").get_json()["dcat:dataset"]
    dists = [d for ds in datasets for d in ds["dcat:distribution"] if "format=sdmx-csv2" in d["dcat:downloadURL"]["@id"]]
    assert len(dists) == len(datasets) - 1  # every indicator's dataset; not the release zip's
    structure = {d["dct:conformsTo"]["@id"] for d in dists}
    assert len(structure) == 1 and structure.pop().endswith("/api/v1/sdmx/structure")
