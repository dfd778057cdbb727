"""The SDMX-ML 2.1 structure message of a release (``/api/v1/sdmx/structure``): dataflow, DSD, concepts and
code lists of the SDMX-CSV 2.0 download (dashboard/api/sdmx.py says which codes and why).

The code lists hold what the release holds: its public indicators (named by their titles), areas (named),
levels, breakdowns and units, and the cross-domain lists' codes a value can take (FREQ, OBS_STATUS,
CONF_STATUS, UNIT_MULT). The message is written as text (no SDMX library at run time); the tests read it with
``sdmx1`` (tests/standards/test_sdmx.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from core import statuses
from dashboard.api import sdmx
from dashboard.api.sdmx import AGENCY, CONCEPTS_ID, DATAFLOW_ID, DSD_ID, VERSION

NS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"

#: component id -> (concept name, code list id or None, text type of an uncoded one)
COMPONENTS: dict[str, tuple[str, str | None, str | None]] = {
    "FREQ": ("Frequency", "CL_FREQ", None),
    "INDICATOR": ("Indicator", "CL_INDICATOR", None),
    "REF_AREA": ("Reference area", "CL_AREA", None),
    "BREAKDOWN": ("Breakdown", "CL_BREAKDOWN", None),
    "TIME_PERIOD": ("Time period", None, "ObservationalTimePeriod"),
    "OBS_VALUE": ("Observation value", None, "Double"),
    "AREA_LEVEL": ("Level of the geography", "CL_AREA_LEVEL", None),
    "UNIT_MEASURE": ("Unit of measure", "CL_UNIT_MEASURE", None),
    "UNIT_MULT": ("Unit multiplier", "CL_UNIT_MULT", None),
    "OBS_STATUS": ("Observation status", "CL_OBS_STATUS", None),
    "CONF_STATUS": ("Confidentiality status", "CL_CONF_STATUS", None),
    "LOWER_CI": ("Lower limit of the 95% confidence interval", None, "Double"),
    "UPPER_CI": ("Upper limit of the 95% confidence interval", None, "Double"),
    "OBS_FLAG": ("The publisher's flag letters", None, "String"),
    "COMMENT_OBS": ("Observation comment", None, "String"),
}
#: Attributes every observation carries (the others are conditional).
MANDATORY = ("UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS")


def _attrs(**kw) -> str:
    return "".join(f" {k}={quoteattr(str(v))}" for k, v in kw.items())


def _maintainable(tag: str, id_: str, name: str, body: Iterable[str]) -> str:
    return (f"<str:{tag}{_attrs(id=id_, agencyID=AGENCY, version=VERSION, isFinal='false')}>"
            f"<com:Name xml:lang=\"en\">{escape(name)}</com:Name>{''.join(body)}</str:{tag}>")


def _codelist(id_: str, name: str, codes: dict[str, str]) -> str:
    return _maintainable("Codelist", id_, name, (
        f"<str:Code{_attrs(id=c)}><com:Name xml:lang=\"en\">{escape(n or c)}</com:Name></str:Code>"
        for c, n in codes.items()))


def _component(tag: str, id_: str, extra: str = "", **attrs) -> str:
    name, codelist, text_type = COMPONENTS[id_]
    concept = (f"<str:ConceptIdentity><Ref{_attrs(id=id_, maintainableParentID=CONCEPTS_ID)}"
               f"{_attrs(maintainableParentVersion=VERSION, agencyID=AGENCY, package='conceptscheme')}"
               f"{_attrs(**{'class': 'Concept'})}/></str:ConceptIdentity>")
    if codelist:
        rep = (f"<str:LocalRepresentation><str:Enumeration><Ref{_attrs(id=codelist, version=VERSION)}"
               f"{_attrs(agencyID=AGENCY, package='codelist', **{'class': 'Codelist'})}/></str:Enumeration>"
               "</str:LocalRepresentation>")
    else:
        rep = f"<str:LocalRepresentation><str:TextFormat{_attrs(textType=text_type)}/></str:LocalRepresentation>"
    return f"<str:{tag}{_attrs(id=id_, **attrs)}>{concept}{rep}{extra}</str:{tag}>"


def codelists(rel, breakdowns: Iterable[str]) -> dict[str, tuple[str, dict[str, str]]]:
    """code list id -> (name, {code: name}) of a release."""
    inds = rel.indicators
    units = [sdmx.unit(u) for u in inds["unit"]]
    areas = rel.areas
    names = areas["area_name"] if "area_name" in areas else areas["area_code"]
    obs = sorted({s.obs_status for s in statuses.PUBLISHED if s.obs_status})
    return {
        "CL_FREQ": ("Frequency", dict(sdmx.FREQ)),
        "CL_INDICATOR": ("Indicators", {sdmx.code_id(i): t for i, t in zip(inds["id"], inds["title"], strict=True)}),
        "CL_AREA": ("Areas", {sdmx.code_id(c): n for c, n in zip(areas["area_code"], names, strict=True)}),
        "CL_AREA_LEVEL": ("Levels of the geography", {sdmx.code_id(lv): lv for lv in rel.levels}),
        "CL_BREAKDOWN": ("Breakdowns", {sdmx.breakdown_id(b): "Total" if b == "total" else b
                                        for b in sorted(breakdowns)}),
        "CL_UNIT_MEASURE": ("Units of measure", {c: n for c, _, n in sorted(units)}),
        "CL_UNIT_MULT": ("Unit multipliers", {str(k): v for k, v in sdmx.UNIT_MULT.items()}),
        "CL_OBS_STATUS": ("Observation status", {c: sdmx.OBS_STATUS_NAMES[c] for c in obs}),
        "CL_CONF_STATUS": ("Confidentiality status", dict(sdmx.CONF_STATUS)),
    }


def structure_message(rel, breakdowns: Iterable[str], prepared: str | None = None) -> bytes:
    """The SDMX-ML 2.1 structure message of ``rel`` (``breakdowns``: every breakdown its values have)."""
    prepared = prepared or str(rel.manifest.get("created") or rel.manifest.get("created_at") or
                               "1970-01-01T00:00:00Z")
    ref = lambda tag, id_, pkg, cls: (f"<str:{tag}><Ref{_attrs(id=id_, version=VERSION, agencyID=AGENCY)}"  # noqa: E731
                                     f"{_attrs(package=pkg, **{'class': cls})}/></str:{tag}>")
    dims = [_component("Dimension", d, position=i + 1) for i, d in enumerate(sdmx.DIMENSIONS)]
    dims.append(_component("TimeDimension", "TIME_PERIOD", position=len(dims) + 1))
    rel_obs = "<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></str:PrimaryMeasure>" \
              "</str:AttributeRelationship>"
    attributes = [_component("Attribute", a, rel_obs,
                             assignmentStatus="Mandatory" if a in MANDATORY else "Conditional")
                  for a in sdmx.SDMX2_VALUES.names[sdmx.SDMX2_VALUES.names.index("OBS_VALUE") + 1:]]
    dsd = _maintainable("DataStructure", DSD_ID, "OpenMeasure indicator values", [
        "<str:DataStructureComponents>",
        "<str:DimensionList id=\"DimensionDescriptor\">", *dims, "</str:DimensionList>",
        "<str:AttributeList id=\"AttributeDescriptor\">", *attributes, "</str:AttributeList>",
        "<str:MeasureList id=\"MeasureDescriptor\">", _component("PrimaryMeasure", "OBS_VALUE"),
        "</str:MeasureList></str:DataStructureComponents>"])
    flow = _maintainable("Dataflow", DATAFLOW_ID, "OpenMeasure indicator values",
                         [ref("Structure", DSD_ID, "datastructure", "DataStructure")])
    concepts = _maintainable("ConceptScheme", CONCEPTS_ID, "Concepts of the OpenMeasure indicator values", (
        f"<str:Concept{_attrs(id=c)}><com:Name xml:lang=\"en\">{escape(n)}</com:Name></str:Concept>"
        for c, (n, _, _) in COMPONENTS.items()))
    lists = [_codelist(i, name, codes) for i, (name, codes) in codelists(rel, breakdowns).items()]
    return "".join([
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        f"<mes:Structure xmlns:mes=\"{NS}message\" xmlns:str=\"{NS}structure\" xmlns:com=\"{NS}common\">",
        "<mes:Header><mes:ID>OPENMEASURE_STRUCTURE</mes:ID><mes:Test>false</mes:Test>",
        f"<mes:Prepared>{escape(prepared)}</mes:Prepared><mes:Sender id=\"{AGENCY}\"/></mes:Header>",
        "<mes:Structures>",
        "<str:Dataflows>", flow, "</str:Dataflows>",
        "<str:Codelists>", *lists, "</str:Codelists>",
        "<str:Concepts>", concepts, "</str:Concepts>",
        "<str:DataStructures>", dsd, "</str:DataStructures>",
        "</mes:Structures></mes:Structure>"]).encode()
