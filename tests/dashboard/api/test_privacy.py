"""Internal indicators appear nowhere public, suppressed cells are withheld in every format, and managers
who sign in (accounts, HTTP Basic or a trusted proxy header) see internal indicators; default is deny."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import openpyxl
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard.api.download_formats import FORMATS
from tests.dashboard.api.conftest import MANAGER, make_app

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

INTERNAL = ("sickness_absence", "Staff sickness absence", "sickness_days")
WITHHELD = ("value", "numerator", "denominator", "lower_ci", "upper_ci")


def public_urls(store) -> list[str]:
    new, old = store["new"], store["old"]
    urls = ["/api/v1/", "/api/v1/indicators", "/api/v1/indicators?format=csv", "/api/v1/areas",
            "/api/v1/areas/VL1", "/api/v1/releases", f"/api/v1/releases/{new}", "/api/v1/openapi.json",
            "/api/", "/data", "/catalog.jsonld", "/sitemap.xml", "/robots.txt", f"/data/revisions?from={old}&to={new}",
            f"/data/revisions?from={old}&to={new}&format=csv", f"/data/revisions?from={old}&to={new}&format=json",
            "/api/v1/data/metadata.json", "/api/v1/indicators?theme=administrative%20burden",
            "/api/v1/data?area=VL1&limit=10000"]
    urls += [f"/api/v1/data?format={f}&level=country,region" for f in FORMATS]
    urls += [f"/data/releases/{rid}/release.zip" for rid in (new, old)]
    from dashboard.api.bulk import FILES
    urls += [f"/data/releases/{new}/{name}" for name in FILES]
    return urls


def as_text(data: bytes) -> str:
    """Everything a download says, decoded from whatever container it is in."""
    if data.startswith(b"PK"):
        zf = zipfile.ZipFile(io.BytesIO(data))
        if any(n.endswith(".xml") for n in zf.namelist()) and "xl/workbook.xml" in zf.namelist():
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            return "\n".join(str(c) for ws in wb for row in ws.values for c in row)
        return "\n".join(as_text(zf.read(n)) + n for n in zf.namelist())
    if data.startswith(b"PAR1"):
        t = pq.read_table(io.BytesIO(data))
        words = [str(t.schema.metadata), *t.schema.names]
        for col in t.columns:
            if str(col.type) in ("string", "large_string"):
                words += [str(v) for v in col.unique().to_pylist()]
        return "\n".join(words)
    return data.decode("utf-8", errors="replace")


def test_internal_indicator_appears_in_no_public_response(client, api_store):
    for url in public_urls(api_store):
        r = client.get(url)
        assert r.status_code == 200, url
        text = as_text(r.data)
        for word in INTERNAL:
            assert word not in text, f"{word!r} leaked through {url}"


def test_internal_id_is_unknown_to_the_public(client):
    r = client.get("/api/v1/data?indicator=sickness_absence")
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "indicator"
    assert r.get_json()["error"]["message"] == "unknown indicator 'sickness_absence'"
    near = client.get("/api/v1/data?indicator=sickness_absenc").get_json()["error"]["message"]
    assert "did you mean 'sickness_absence'" not in near, "a hint must come from public ids only"
    assert client.get("/api/v1/indicators/sickness_absence").status_code == 404


def _xlsx(data: bytes) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True)["data"].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


#: How to read each download format back (SDMX-CSV 1.0 and 2.0 have their own columns:
#: tests/dashboard/api/test_downloads.py).
READERS = {"json": lambda data: pd.DataFrame(orjson.loads(data)["data"]),
           "csv": lambda data: pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""]),
           "parquet": lambda data: pq.read_table(io.BytesIO(data)).to_pandas(), "xlsx": _xlsx,
           "ods": lambda data: pd.read_excel(io.BytesIO(data), engine="odf", sheet_name="data")}


def test_every_download_format_is_checked_for_withheld_cells():
    assert set(READERS) | {"sdmx-csv", "sdmx-csv2"} == set(FORMATS), "give READERS a reader of the new format"


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_suppressed_cells_are_withheld_in_every_format(client, fmt):
    r = client.get(f"/api/v1/data?indicator=neet_rate,neet_count&level=municipality&period_from=2019&format={fmt}"
                   + ("&limit=10000" if fmt == "json" else ""))
    df = READERS[fmt](r.data)
    sup = df[df["status"] == "suppressed"]
    assert len(sup) > 0
    for col in (*WITHHELD, "rank_level", "quartile", "change"):
        assert sup[col].isna().all(), (fmt, col)
    assert df[df["status"] == "ok"]["value"].notna().all()


def test_suppression_is_enforced_even_if_a_release_file_carried_values(tmp_path, api_store):
    """Defence in depth: the API withholds the cell itself rather than trusting the engine's output."""
    import pyarrow as pa

    from dashboard.api.reading import withhold_suppressed
    batch = pa.RecordBatch.from_pydict({"status": ["ok", "suppressed"], "value": [1.0, 7.0],
                                        "numerator": [3.0, 4.0], "area_code": ["A", "B"]})
    out = withhold_suppressed(batch).to_pydict()
    assert out == {"status": ["ok", "suppressed"], "value": [1.0, None], "numerator": [3.0, None],
                   "area_code": ["A", "B"]}


# --- managers ------------------------------------------------------------------------------------------
def sign_in(client, user, password):
    page = client.get("/auth/login").data.decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post("/auth/login", data={"username": user, "password": password, "csrf": token})


def ids(client) -> set[str]:
    return {d["id"] for d in client.get("/api/v1/indicators").get_json()["data"]}


def test_manager_signs_in_and_sees_internal_indicators(manager_app):
    client = manager_app.test_client()
    assert "sickness_absence" not in ids(client)
    r = sign_in(client, *MANAGER)
    assert r.status_code == 303
    assert "sickness_absence" in ids(client)
    data = client.get("/api/v1/data?indicator=sickness_absence&limit=5")
    assert data.status_code == 200 and data.get_json()["total"] > 0
    assert data.headers["Cache-Control"] == "private, no-cache"
    zipped = client.get("/data/releases/current/release.zip").data
    assert "sickness_absence" not in as_text(zipped), "bulk files are public whoever asks"
    page = client.get("/auth/login").data.decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/auth/logout", data={"csrf": token})
    assert "sickness_absence" not in ids(client)


def test_wrong_password_and_forged_forms_are_refused(manager_app):
    client = manager_app.test_client()
    r = sign_in(client, MANAGER[0], "wrong password!!")
    assert r.status_code == 401 and "sickness_absence" not in ids(client)
    r = client.post("/auth/login", data={"username": MANAGER[0], "password": MANAGER[1], "csrf": "forged"})
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "csrf"
    assert "sickness_absence" not in ids(client)
    r = client.post("/auth/login", data={"username": "x", "password": "y" * 5000})
    assert r.status_code == 413


def test_repeated_failures_lock_the_sign_in(api_config, tmp_path):
    from core import accounts

    access = api_config.access.model_copy(update={"mode": "accounts", "secret_key": "k" * 32})
    # its own catalogue: the lock it provokes holds for every client from this address for five minutes
    config = api_config.model_copy(update={"access": access, "catalogue": f"sqlite:///{tmp_path / 'c.db'}"})
    accounts.add_account(accounts.connect(config.catalogue), *MANAGER)
    # two server processes (gunicorn workers) count the same failures: they are kept in the catalogue
    one, two = make_app(config).test_client(), make_app(config).test_client()
    codes = [sign_in(c, MANAGER[0], f"guess number {i}").status_code for i, c in enumerate([one, two] * 3)]
    assert codes == [401] * 5 + [429]
    for client in (one, two, make_app(config).test_client()):  # and a restarted one
        assert sign_in(client, *MANAGER).status_code == 429, "even the right password waits out the lock"
        assert "sickness_absence" not in ids(client)


def test_behind_a_trusted_proxy_failures_count_against_the_forwarded_client(api_config, tmp_path):
    from core import accounts

    access = api_config.access.model_copy(update={"mode": "accounts", "secret_key": "k" * 32,
                                                  "trust_forwarded_for": True})
    config = api_config.model_copy(update={"access": access, "catalogue": f"sqlite:///{tmp_path / 'c.db'}"})
    accounts.add_account(accounts.connect(config.catalogue), *MANAGER)
    app = make_app(config)

    def client(remote, forwarded):
        c = app.test_client()
        c.environ_base.update({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded})
        return c

    # one client guesses five user names through the proxy: that client is locked out...
    guesser = client("127.0.0.1", "203.0.113.5")
    codes = [sign_in(guesser, f"nobody{i}", "guess").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    # ...and a manager elsewhere, through the same proxy, is not (a spoofed first hop changes nothing)
    assert sign_in(client("127.0.0.1", "203.0.113.5, 198.51.100.7"), *MANAGER).status_code == 303
    # from an address that is not a trusted proxy, the header is ignored: rotating it dodges nothing
    codes = [sign_in(client("10.1.2.3", f"192.0.2.{i}"), f"other{i}", "guess").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]


def test_client_addresses_are_compared_parsed_and_the_header_only_when_configured(api_config):
    from dashboard.api.access import Access, parse_address

    assert str(parse_address("203.0.113.5:50001")) == "203.0.113.5"
    assert str(parse_address("[2001:DB8::0:1]:443")) == "2001:db8::1"
    assert str(parse_address("::ffff:127.0.0.1")) == "127.0.0.1"
    assert parse_address("unknown") is None and parse_address("") is None

    def key(trust, remote, forwarded=None):
        access = Access(api_config.model_copy(update={"access": api_config.access.model_copy(
            update={"trust_forwarded_for": trust, "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]})}))
        headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
        with make_app(api_config).test_request_context(headers=headers, environ_base={"REMOTE_ADDR": remote}):
            return access.client_address()

    assert key(False, "127.0.0.1", "203.0.113.5") == "127.0.0.1"  # off by default: the header is not read
    assert key(True, "::ffff:127.0.0.1", "203.0.113.5:50001") == "203.0.113.5"  # a mapped proxy, a port
    assert key(True, "127.0.0.1", "203.0.113.5, 10.1.2.3") == "203.0.113.5"  # a second proxy in the chain
    assert key(True, "127.0.0.1", "2001:db8::1") == key(True, "127.0.0.1", "[2001:db8::ffff]:80") \
        == "2001:db8::/64"  # one subscriber's block is one client
    assert key(True, "127.0.0.1", "unknown") == "127.0.0.1"
    assert key(True, "127.0.0.1", "6.6.6.6, unknown") == "127.0.0.1"  # what precedes a non-address is unvouched
    assert key(True, "127.0.0.1", ",".join(["6.6.6.6"] * 5000 + ["203.0.113.5"])) == "203.0.113.5"
    assert key(True, "198.51.100.9", "203.0.113.5") == "198.51.100.9"  # not from a proxy: header ignored


def test_a_trusted_proxies_entry_must_be_an_address():
    from core.config_models import AccessConfig

    with pytest.raises(ValueError, match=r"\[1\] 'proxy.local' is not an IP address or network"):
        AccessConfig(trusted_proxies=["127.0.0.1", "proxy.local"])
    with pytest.raises(ValueError, match="would trust every address"):
        AccessConfig(trusted_proxies=["0.0.0.0/0"])


def test_etag_differs_between_public_and_manager(manager_app):
    public = manager_app.test_client().get("/api/v1/indicators")
    client = manager_app.test_client()
    sign_in(client, *MANAGER)
    mine = client.get("/api/v1/indicators", headers={"If-None-Match": public.headers["ETag"]})
    assert mine.status_code == 200 and mine.headers["ETag"] != public.headers["ETag"]


def test_http_basic_for_scripts(manager_app):
    client = manager_app.test_client()
    good = base64.b64encode(f"{MANAGER[0]}:{MANAGER[1]}".encode()).decode()
    bad = base64.b64encode(f"{MANAGER[0]}:nope".encode()).decode()
    assert "sickness_absence" in {d["id"] for d in client.get(
        "/api/v1/indicators", headers={"Authorization": f"Basic {good}"}).get_json()["data"]}
    for header in (f"Basic {bad}", "Basic !!!", "Bearer abc"):
        body = client.get("/api/v1/indicators", headers={"Authorization": header}).get_json()
        assert "sickness_absence" not in {d["id"] for d in body["data"]}


def test_proxy_header_only_from_trusted_addresses(api_config):
    access = api_config.access.model_copy(update={"mode": "proxy_header", "proxy_users": ["alice"]})
    client = make_app(api_config.model_copy(update={"access": access})).test_client()

    def seen(user, addr):
        r = client.get("/api/v1/indicators", headers={"X-Forwarded-User": user},
                       environ_base={"REMOTE_ADDR": addr})
        return "sickness_absence" in {d["id"] for d in r.get_json()["data"]}

    assert seen("alice", "127.0.0.1")
    assert seen("alice", "::ffff:127.0.0.1")  # a server listening on [::] sees the proxy's address so
    assert not seen("alice", "10.1.2.3")
    assert not seen("mallory", "127.0.0.1")


def test_default_is_deny(client):
    r = client.get("/api/v1/indicators", headers={"X-Forwarded-User": "alice"})
    assert "sickness_absence" not in {d["id"] for d in r.get_json()["data"]}
    assert client.get("/auth/login").status_code == 404


def test_accounts_command_stores_a_scrypt_hash(tmp_path, demo_env):
    import os
    import subprocess
    import sys

    from sqlalchemy import create_engine, text

    from tests.conftest import ROOT
    env = {**os.environ, **demo_env, "OPENMEASURE_CATALOGUE": f"sqlite:///{tmp_path / 'c.db'}"}
    cmd = [sys.executable, "-m", "etl.cli", "access", "add-user", "ana", "--config", "config.yaml"]
    done = subprocess.run(cmd, input="a long enough password\n", capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    with create_engine(f"sqlite:///{tmp_path / 'c.db'}").connect() as con:
        stored = con.execute(text("SELECT password_hash FROM accounts WHERE username = 'ana'")).scalar_one()
    assert stored.startswith("scrypt:") and "a long enough password" not in stored
    short = subprocess.run(cmd, input="short\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert short.returncode == 2 and "at least 12 characters" in short.stderr and "Traceback" not in short.stderr
