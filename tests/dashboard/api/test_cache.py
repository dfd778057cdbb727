"""The download cache: same bytes from the file as from the stream, nothing kept from an interrupted
download, no poisoning through the Host header, bounded size, nothing cached for managers."""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from dashboard.api.cache import DownloadCache
from tests.dashboard.api.conftest import make_app


def fresh(api_config, tmp_path, **access):
    update = {"download_cache": str(tmp_path / "cache"), **access}
    return make_app(api_config.model_copy(update={"access": api_config.access.model_copy(update=update)}))


def entries(tmp_path):
    return sorted((tmp_path / "cache").glob("*.bin"))


def test_second_download_comes_from_the_cache_with_the_same_bytes(api_config, tmp_path):
    client = fresh(api_config, tmp_path).test_client()
    url = "/api/v1/data?indicator=neet_rate&format=csv"
    first = client.get(url)
    assert first.headers["X-OpenMeasure-Cache"] == "miss"
    body = first.data
    assert len(entries(tmp_path)) == 1
    second = client.get(url)
    assert second.headers["X-OpenMeasure-Cache"] == "hit" and second.data == body
    assert second.headers["X-Total-Count"] == first.headers["X-Total-Count"]
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert second.mimetype == "text/csv"


def test_an_interrupted_download_leaves_nothing(tmp_path):
    cache = DownloadCache(tmp_path / "cache", 1 << 30)
    gen = cache.tee("k", iter([b"a" * 10, b"b" * 10, b"c"]))
    next(gen)
    gen.close()
    assert not list((tmp_path / "cache").iterdir())
    assert b"".join(cache.tee("k", iter([b"x", b"y"]))) == b"xy"
    assert cache.get("k").read_bytes() == b"xy"


def test_host_header_cannot_poison_cached_downloads(api_config, tmp_path):
    client = fresh(api_config, tmp_path).test_client()
    url = "/api/v1/data?indicator=neet_rate&format=parquet"
    evil = client.get(url, headers={"Host": "evil.example"}).data
    good = client.get(url).data
    meta = pq.read_table(io.BytesIO(good)).schema.metadata[b"openmeasure"]
    assert b"evil.example" not in meta and b"evil.example" in pq.read_table(io.BytesIO(evil)).schema.metadata[
        b"openmeasure"]


def test_cache_is_bounded(tmp_path):
    cache = DownloadCache(tmp_path / "cache", 25)
    for i in range(5):
        b"".join(cache.tee(f"k{i}", iter([b"x" * 10])))
    assert sum(p.stat().st_size for p in (tmp_path / "cache").glob("*.bin")) <= 25
    assert cache.get("k4") is not None and cache.get("k0") is None


def test_managers_downloads_are_not_cached(api_config, tmp_path):
    app = fresh(api_config, tmp_path, mode="proxy_header")
    client = app.test_client()
    r = client.get("/api/v1/data?indicator=sickness_absence&format=csv", headers={"X-Forwarded-User": "boss"})
    assert r.status_code == 200 and b"sickness_absence" in r.data
    assert r.headers["X-OpenMeasure-Cache"] == "off" and entries(tmp_path) == []


def test_cache_off(api_config, tmp_path):
    client = fresh(api_config, tmp_path, download_cache=None).test_client()
    for _ in range(2):
        assert client.get("/api/v1/data?indicator=neet_rate&format=csv").headers["X-OpenMeasure-Cache"] == "off"


def test_files_rendered_by_an_earlier_version_are_not_served(api_config, tmp_path, monkeypatch):
    """A deployment upgraded in place keeps its cache folder: areas.csv cached with the storage column
    'bucket' (or metadata without decimals and sources) must not be served again."""
    from dashboard.api import cache

    client = fresh(api_config, tmp_path).test_client()
    url = "/data/releases/current/areas.csv"

    def got(r):
        assert r.data  # the whole body goes out, so the entry is kept
        return r.headers["X-OpenMeasure-Cache"]

    assert got(client.get(url)) == "miss" and got(client.get(url)) == "hit"
    monkeypatch.setattr(cache, "RENDER_VERSION", cache.RENDER_VERSION + "-next")
    assert got(client.get(url)) == "miss"
