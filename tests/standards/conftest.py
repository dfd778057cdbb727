"""Fixtures of the standards tests: the demo and the real-data Eurostat example (examples/eurostat), each
served by an in-process app, checked with the standards' own third-party validators."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, load_config_with, temp_store_env
from tests.dashboard.api.conftest import make_app
from tests.dashboard.api.served_app import gunicorn

VALIDATORS = ROOT / "tests" / "data" / "validators"


@pytest.fixture(scope="session")
def eurostat_example(tmp_path_factory):
    """examples/eurostat/config.yaml run once on the real Eurostat files in examples/data: (config, result)."""
    from etl.pipeline import run

    config = load_config_with(ROOT / "examples" / "eurostat" / "config.yaml",
                              temp_store_env(tmp_path_factory.mktemp("eurostat-example")))
    return config, run(config)


@pytest.fixture(scope="session")
def demo_app(demo_config, demo_release):
    return make_app(demo_config)


@pytest.fixture(scope="session")
def eurostat_app(eurostat_example):
    return make_app(eurostat_example[0])


@pytest.fixture(scope="session", params=["demo", "eurostat"])
def deployment(request):
    """Each deployment's app in turn (the demo, then the Eurostat example)."""
    return request.param, request.getfixturevalue(f"{request.param}_app")


def _serve(config: Path, env: dict[str, str]):
    """The open-data routes of ``config`` served by gunicorn on 127.0.0.1 with the options ``openmeasure serve``
    sets (its request-line limit above the app's own, so that an over-long request gets the documented JSON 414,
    not gunicorn's HTML one): a generator that yields the base URL."""
    with gunicorn({**env, "OPENMEASURE_CONFIG": str(config)}, timeout=600) as base:
        yield base


@pytest.fixture(scope="session", params=["demo", "eurostat"])
def served(request):
    """(name, base URL) of each deployment served over HTTP, for validators that fetch URLs themselves."""
    if request.param == "demo":
        request.getfixturevalue("demo_release")
        config, env = ROOT / "config.yaml", request.getfixturevalue("demo_env")
    else:
        config, _ = request.getfixturevalue("eurostat_example")
        config, env = ROOT / "examples" / "eurostat" / "config.yaml", _env_of(config)
    gen = _serve(config, env)
    yield request.param, next(gen)
    gen.close()


def _env_of(config) -> dict[str, str]:
    return {"OPENMEASURE_STORE": config.store, "OPENMEASURE_CATALOGUE": config.catalogue}
