"""Fixtures of the standards tests: the demo and the real-data Eurostat example (examples/eurostat), each
served by an in-process app, checked with the standards' own third-party validators."""

from __future__ import annotations

import pytest

from tests.api.conftest import make_app
from tests.conftest import ROOT, load_config_with, temp_store_env

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
