"""A damaged release is never served as if it were good: with a file of the current release truncated or
with one bit flipped, every route and format answers either a whole, valid body or 503 naming the file —
never a 200 that breaks off, never a 500. ``releases verify`` and ``status`` name the damaged file."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from core.store import ReleaseStore

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

DAMAGED = ["indicator_values.parquet", "by_area/part-00000.parquet", "areas.parquet",
           "boundaries/municipality.geojson", "manifest.json"]
KINDS = ["truncated", "bit-flipped"]
INDICATOR = "online_share"


def damage(path, kind: str) -> None:
    data = bytearray(path.read_bytes())
    if kind == "truncated":
        path.write_bytes(bytes(data[: len(data) * 6 // 10]))
    else:
        data[len(data) // 2] ^= 0x04  # one bit, in the middle of the data
        path.write_bytes(bytes(data))


@pytest.fixture()
def damaged_store(tmp_path, api_store, request):
    name, kind = request.param
    store = tmp_path / "store"
    shutil.copytree(api_store["store"], store)
    damage(store / "releases" / api_store["new"] / name, kind)
    return store, name, kind


def _area_in_first_part(store, rid) -> str:
    """An area whose rows are in by_area/part-00000.parquet (read from the other, undamaged release)."""
    old = next(p for p in (store / "releases").iterdir() if p.name != rid)
    t = pq.read_table(old / "areas.parquet", columns=["area_code", "bucket"]).to_pandas()
    return str(t.loc[t["bucket"] == 0, "area_code"].iloc[0])


def routes(rid: str, area: str) -> list[tuple[str, str]]:
    """(path, what a 200 must parse as)."""
    data = f"/api/v1/data?indicator={INDICATOR}"
    return [
        ("/api/v1/indicators", "json"), (f"/api/v1/indicators/{INDICATOR}", "json"), ("/api/v1/areas", "json"),
        (f"/api/v1/areas/{area}", "json"), ("/api/v1/releases", "json"), (data, "json"),
        (f"{data}&format=csv", "csv"), (f"{data}&format=xlsx", "xlsx"), (f"{data}&format=parquet", "parquet"),
        (f"{data}&format=sdmx-csv", "csv"), (f"/api/v1/data?area={area}", "json"),
        (f"/api/v1/data?area={area}&format=csv", "csv"), ("/api/v1/areas?format=csv", "csv"),
        ("/data", "html"), ("/catalog.jsonld", "json"),
        *[(f"/data/releases/current/{n}", "parquet" if n.endswith(".parquet") else "json" if n.endswith(".json")
           else "csv" if n.endswith(".csv") else "text")
          for n in ("indicator_values.parquet", "indicator_values.csv", "indicator_values.sdmx.csv",
                    "indicator_values.csv-metadata.json", "areas.parquet", "areas.csv", "indicators.csv",
                    "datapackage.json", "README.md")],
        ("/data/releases/current/release.zip", "zip"),
        (f"/boundaries/{rid}/municipality.geojson", "json"),
        ("/", "html"), (f"/indicator/{INDICATOR}", "html"), (f"/area/{area}", "html"), ("/compare", "html"),
        ("/_dash-layout", "json"),
    ]


def whole(body: bytes, kind: str) -> None:
    """Raises unless ``body`` is a complete document of its kind."""
    if kind == "json":
        json.loads(body)
    elif kind == "csv":
        pd.read_csv(io.BytesIO(body))
    elif kind == "parquet":
        pq.read_table(io.BytesIO(body))
    elif kind == "xlsx":
        openpyxl.load_workbook(io.BytesIO(body), read_only=True).close()
    elif kind == "zip":
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            assert zf.testzip() is None
            for n in zf.namelist():
                if n.endswith(".parquet"):
                    pq.read_table(io.BytesIO(zf.read(n)))
    elif kind == "html":
        assert body.rstrip().endswith(b"</html>")


def _callbacks(client, rid: str, area: str):
    """Every dashboard callback, called with the current release (as a page drawn from it would)."""
    from tests.dashboard.api.test_attacks import _outputs

    defaults = {"level": "municipality", "period": "2024", "areas": [area], "area": area, "theme": None}
    for dep in client.get("/_dash-dependencies").get_json():
        if dep.get("clientside_function"):
            continue

        def value(f):
            key = str(f["id"])
            if key == "release-id":
                return rid
            if "indicators" in key:
                return [INDICATOR]
            if "indicator" in key:
                return INDICATOR
            if key == "_pages_location" and f["property"] == "pathname":
                return f"/indicator/{INDICATOR}"
            return next((v for k, v in defaults.items() if key.endswith(k)), None)
        outputs = _outputs(dep["output"])
        body = {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
                "inputs": [{**f, "value": value(f)} for f in dep["inputs"]],
                "state": [{**f, "value": value(f)} for f in dep["state"]],
                "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]}
        yield dep["output"], client.post("/_dash-update-component", json=body)


@pytest.mark.parametrize("damaged_store", [(n, k) for n in DAMAGED for k in KINDS], indirect=True,
                         ids=[f"{n}-{k}" for n in DAMAGED for k in KINDS])
def test_no_route_serves_a_damaged_release_as_good(damaged_store, api_config, api_store):
    from dashboard.app import create_app

    store, name, kind = damaged_store
    rid = api_store["new"]
    area = _area_in_first_part(store, rid)
    access = api_config.access.model_copy(update={"download_cache": None})
    config = api_config.model_copy(update={"store": str(store), "access": access})
    client = create_app(config).server.test_client()
    refused = []
    for path, fmt in routes(rid, area):
        resp = client.get(path)
        body = resp.get_data()  # the whole body, streamed or not: a read error mid-stream raises here
        assert resp.status_code != 500, (path, body[:300])
        if resp.status_code == 503:
            if path.startswith(("/api/", "/data", "/catalog", "/boundaries")):
                msg = json.loads(body)["error"]["message"]
                assert name in msg and rid in msg and "damaged" in msg, (path, msg)
            refused.append(path)
            continue
        assert resp.status_code == 200, (path, resp.status_code, body[:300])
        whole(body, fmt)
    for output, resp in _callbacks(client, rid, area):
        assert resp.status_code in (200, 204, 503), (output, resp.status_code, resp.get_data()[:300])
    # what reads the damaged file says so: the file's own downloads, and every page (the cheap check)
    must = {"indicator_values.parquet": ["format=csv", "format=parquet", "sdmx", "indicator_values.parquet",
                                         "release.zip"],
            "by_area/part-00000.parquet": [f"area={area}&format=csv"],
            "areas.parquet": ["/api/v1/areas", "/data/releases/current/areas.csv", "release.zip"],
            "boundaries/municipality.geojson": ["/boundaries/"],
            "manifest.json": ["/api/v1/indicators", "release.zip", "/data"]}[name]
    # every page too when the cheap check sees it (a short file; the manifest, which is hashed when read)
    for part in must + (["/indicator/", "/area/"] if kind == "truncated" or name == "manifest.json" else []):
        assert any(part in p for p in refused), (part, refused)


@pytest.mark.parametrize("kind", KINDS)
def test_releases_verify_status_and_alerts_name_the_damaged_file(tmp_path, api_store, api_config, kind, capsys,
                                                                  monkeypatch):
    from etl import alerts, cli

    store = tmp_path / "store"
    shutil.copytree(api_store["store"], store)
    rid, old = api_store["new"], api_store["old"]
    config = api_config.model_copy(update={"store": str(store)})
    monkeypatch.setattr(cli, "_load", lambda args: config)
    verify = argparse.Namespace(config=None, id=None)
    assert cli.cmd_releases_verify(verify) == 0
    assert cli.cmd_releases_list(argparse.Namespace(config=None)) == 0
    assert cli.cmd_status(argparse.Namespace(config=None, history=None)) == 0
    assert alerts.damaged_release(config) == []
    capsys.readouterr()

    damage(store / "releases" / rid / "indicator_values.parquet", kind)
    assert [n for n, _ in ReleaseStore(store).problems(rid)] == ["indicator_values.parquet"]
    assert ReleaseStore(store).problems(old) == []
    assert cli.cmd_releases_verify(verify) == 2
    text = capsys.readouterr().out
    assert f"release {rid} (current): indicator_values.parquet" in text and f"release {old}: ok" in text
    assert cli.cmd_releases_verify(argparse.Namespace(config=None, id=old)) == 0
    capsys.readouterr()
    if kind == "bit-flipped":  # same size, whole footer: only the checksum (verify) sees it
        assert "does not match its manifest checksum" in text
        return
    # a short file: the quick check sees it, so do list, status and the alerts
    assert cli.cmd_releases_list(argparse.Namespace(config=None)) == 2
    assert "damaged: indicator_values.parquet has" in capsys.readouterr().out
    assert cli.cmd_status(argparse.Namespace(config=None, history=None)) == 2
    assert f"current release {rid} is damaged: indicator_values.parquet has" in capsys.readouterr().out
    [alert] = alerts.damaged_release(config)
    assert alert.kind == "release_damaged" and alert.details["file"] == "indicator_values.parquet"
    assert rid in alert.message


def test_a_damaged_manifest_is_named_by_list_verify_and_status(tmp_path, api_store, api_config, capsys,
                                                                monkeypatch):
    from etl import cli

    store = tmp_path / "store"
    shutil.copytree(api_store["store"], store)
    rid = api_store["new"]
    config = api_config.model_copy(update={"store": str(store)})
    monkeypatch.setattr(cli, "_load", lambda args: config)
    damage(store / "releases" / rid / "manifest.json", "bit-flipped")
    [listed] = [r for r in ReleaseStore(store).list() if r["id"] == rid]
    assert "manifest.json does not match its checksum in manifest.sha256" in listed["damaged"]
    assert cli.cmd_releases_verify(argparse.Namespace(config=None, id=rid)) == 2
    assert "manifest.json does not match its checksum" in capsys.readouterr().out
    assert cli.cmd_status(argparse.Namespace(config=None, history=None)) == 2


def test_publishing_refuses_a_release_whose_file_changed_after_its_manifest(tmp_path, api_store):
    from core.integrity import DamagedRelease

    store = ReleaseStore(tmp_path / "store")
    store.releases.mkdir(parents=True)
    staging = store.staging("20300101T000000Z-000001")
    shutil.copytree(ReleaseStore(api_store["store"]).path(api_store["new"]), staging, dirs_exist_ok=True)
    damage(staging / "areas.parquet", "bit-flipped")
    with pytest.raises(DamagedRelease, match="areas.parquet does not match its manifest checksum"):
        store.publish(staging, "20300101T000000Z-000001")
    assert store.current_id() is None
