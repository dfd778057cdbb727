"""A release pruned while a callback reads it: the callback answers from the current release, never 500."""

from __future__ import annotations

import shutil

from core.store import ReleaseStore
from tests.dashboard.api.test_attacks import _outputs


def test_a_release_pruned_mid_callback_falls_back_to_the_current_one(tmp_path, demo_config, release, monkeypatch):
    from dashboard import context
    from dashboard.app import create_app

    store = tmp_path / "store"
    old, new = release.id, release.id[:-6] + "ffffff"
    shutil.copytree(release.path, store / "releases" / new)
    (store / "CURRENT").write_text(new + "\n")
    client = create_app(demo_config.model_copy(update={"store": str(store)})).server.test_client()
    client.get("/")  # the first request registers the pages' callbacks
    real = context.release
    pruned: list[str] = []

    def release_then_prune(release_id=None):
        rel = real(release_id)
        if release_id == old and rel.id == old and not pruned:
            pruned.extend(ReleaseStore(store).prune(keep=1))  # after the callback found it, before it reads
        return rel

    monkeypatch.setattr(context, "release", release_then_prune)
    defaults = {"level": "municipality", "period": "2024", "areas": ["VL101", "VL102"], "area": "VL101",
                "indicator": "online_share", "indicators": ["online_share"], "theme": None}
    tried = 0
    for dep in client.get("/_dash-dependencies").get_json():
        fields = dep["inputs"] + dep["state"]
        if dep.get("clientside_function") or not any(str(f["id"]) == "release-id" for f in fields):
            continue

        def value(f):
            key = str(f["id"])
            if key == "release-id":
                return old
            return next((v for k, v in defaults.items() if key.endswith(k)), None)

        shutil.copytree(release.path, store / "releases" / old)  # the previous release, kept until pruned
        pruned.clear()
        outputs = _outputs(dep["output"])
        body = {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
                "inputs": [{**f, "value": value(f)} for f in dep["inputs"]],
                "state": [{**f, "value": value(f)} for f in dep["state"]],
                "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]}
        resp = client.post("/_dash-update-component", json=body)
        assert resp.status_code in (200, 204), (dep["output"], resp.status_code, resp.get_data()[:300])
        assert pruned == [old], dep["output"]
        assert not (store / "releases" / old).exists()
        assert not [d for d in (store / "releases").iterdir() if d.name.startswith(".")]
        tried += 1
    assert tried >= 3
