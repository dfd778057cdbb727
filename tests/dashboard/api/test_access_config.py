"""The access section of the config: documented key by key, and validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.config_models import AccessConfig
from tests.conftest import ROOT


def test_every_access_key_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in AccessConfig.model_fields if f"`access.{name}`" not in doc]
    assert not missing


@pytest.mark.parametrize("bad", [{"mode": "open"}, {"page_size": 20_000}, {"secret_key": "short"},
                                 {"public_url": "ftp://x"}, {"max_rows_xlsx": 2_000_000}, {"unknown": 1}])
def test_bad_access_settings_are_refused(bad):
    with pytest.raises(ValidationError):
        AccessConfig(**bad)


def test_defaults_deny_internal_access():
    assert AccessConfig().mode == "none"
