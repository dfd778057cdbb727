"""/catalog.jsonld against SEMIC's own DCAT-AP 3.0.0 SHACL shapes (tests/data/validators/dcat-ap-3.0.0), run
with pyshacl as a portal's harvester runs them: no violation of the mandatory, range and controlled-vocabulary
shapes, and every recommended property the deployment can know."""

from __future__ import annotations

import pyshacl
import pytest
import rdflib

from core.errors import ConfigError
from tests.conftest import ROOT, load_config_with
from tests.standards.conftest import VALIDATORS

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCAT_AP = VALIDATORS / "dcat-ap-3.0.0"


def _shapes(*names: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for name in names:
        g.parse(DCAT_AP / name)
    return g


def _results(app, *shapes: str) -> list[tuple[str, str, str]]:
    """(severity, focus node, path) of every top-level result of the shapes on the app's catalogue."""
    body = app.test_client().get("/catalog.jsonld").get_data(as_text=True)
    data = rdflib.Graph().parse(data=body, format="json-ld")
    _, report, _ = pyshacl.validate(data, shacl_graph=_shapes(*shapes), inference="rdfs")
    return sorted((str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1], str(report.value(r, SH.focusNode)),
                   str(report.value(r, SH.resultPath)))
                  for r in report.objects(None, SH.result))


def test_catalogue_has_no_dcat_ap_violation(deployment):
    name, app = deployment
    results = _results(app, "shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")
    violations = [r for r in results if r[0] == "Violation"]
    assert violations == [], f"{name}: {len(violations)} violations, first {violations[:5]}"
    # the only warning left: the publisher is not one of the EU's corporate bodies (the demo's is fictional;
    # the example's publisher is whoever runs it, not Eurostat)
    assert {r[2] for r in results} <= {"http://purl.org/dc/terms/publisher"}


def test_catalogue_has_every_recommended_property_the_deployment_knows(deployment):
    name, app = deployment
    missing = {r[2].rsplit("/", 1)[-1].rsplit("#", 1)[-1] for r in _results(app, "shapes_recommended.ttl")}
    # dct:spatial: the demo's country is fictional, in no EU table; bbox and centroid of Europe are not kept
    allowed = {"demo": {"spatial"}, "eurostat": {"bbox", "centroid"}}[name]
    assert missing <= allowed, f"{name}: recommended properties missing: {sorted(missing - allowed)}"


def test_licences_and_contact_point_are_resolvable(deployment):
    name, app = deployment
    doc = app.test_client().get("/catalog.jsonld").get_json()
    assert doc["dct:license"]["@id"] == "http://creativecommons.org/licenses/by/4.0/"
    for ds in doc["dcat:dataset"]:
        assert ds["dcat:contactPoint"]["vcard:fn"]
        for dist in ds["dcat:distribution"]:
            assert dist["dct:license"]["@type"] == "dct:LicenseDocument"
            assert dist["dct:license"]["@id"].startswith("http")


def test_a_licence_in_words_is_a_config_finding(tmp_path):
    text = (ROOT / "examples" / "eurostat" / "config.yaml").read_text()
    bad = text.replace("  licence: CC-BY-4.0\n", '  licence: "Eurostat: reuse authorised provided the source is '
                       'acknowledged"\n', 1)
    assert bad != text
    (tmp_path / "config.yaml").write_text(bad.replace("../data/", str(ROOT / "examples" / "data") + "/"))
    with pytest.raises(ConfigError, match=r"publication\.licence: .*neither an SPDX licence id"):
        load_config_with(tmp_path / "config.yaml", {})


def test_a_theme_without_an_eu_data_theme_is_a_warning_not_a_refusal(tmp_path):
    from core.config import unmapped_themes

    text = (ROOT / "examples" / "eurostat" / "config.yaml").read_text()
    bad = text.replace("    theme: inclusion\n", "    theme: ageing\n", 1)
    bad = bad.replace("    inclusion: {fr: Inclusion, de: Teilhabe}\n", "    ageing: {fr: Vieillissement, de: Alterung}\n")
    assert bad != text
    (tmp_path / "config.yaml").write_text(bad.replace("../data/", str(ROOT / "examples" / "data") + "/"))
    config = load_config_with(tmp_path / "config.yaml", {})
    [warning] = unmapped_themes(config)
    assert warning.startswith("indicators[3].theme: 'ageing' has no EU data theme")
