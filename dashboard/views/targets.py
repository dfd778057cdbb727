"""An indicator's target as the explorer shows it: in its header, the ranking's summary and table, and as a
dashed line on the ranking and the trend (dashboard.components.figures draws the lines)."""

from __future__ import annotations

from dashboard.components import fmt
from dashboard.language import _, ngettext
from dashboard.views.common import period_words


def target_of(meta: dict) -> float | None:
    """The indicator's target value, or None when it has none."""
    t = meta.get("target")
    return None if fmt.missing(t) else float(t)


def target_met(value, target: float, polarity: str | None) -> bool | None:
    """Whether a value meets the target (at or above it, or at or below it for lower is better); None for a
    missing value or an indicator with no better direction."""
    if fmt.missing(value) or polarity not in ("higher_is_better", "lower_is_better"):
        return None
    return value >= target if polarity == "higher_is_better" else value <= target


def target_text(meta: dict, values: list) -> str:
    """' Target: 90.0% by 2030, met by 12 of the 283 areas (dashed line).' for the ranking's summary; empty
    without a target."""
    target = target_of(meta)
    if target is None:
        return ""
    met = [target_met(v, target, meta.get("polarity")) for v in values]
    counted = [m for m in met if m is not None]
    tally = ngettext(", met by {met} of the {n} area", ", met by {met} of the {n} areas", len(counted)).format(
        met=fmt.number(counted.count(True), 0), n=fmt.number(len(counted), 0)) if counted else ""
    return " " + _("Target: {target}{tally} (the dashed line).").format(target=aim(meta), tally=tally)


def aim(meta: dict) -> str:
    """'90.0% by 2030' (or '90.0%' without a period): the indicator's target in words; empty without one."""
    target = target_of(meta)
    if target is None:
        return ""
    value = fmt.value(target, int(meta["decimals"]), meta["unit"])
    period = fmt.text(meta.get("target_period"))
    return _("{target} by {period}").format(target=value, period=period_words(period)) if period else value


def target_words(value, meta: dict, dec: int, unit: str) -> str:
    """'Met' or 'Not met: 4.3 pts short' for one area's value against the indicator's target; empty without
    a target or a value, 'Gap' without a better direction."""
    target = target_of(meta)
    if target is None or fmt.missing(value):
        return ""
    met = target_met(value, target, meta.get("polarity"))
    gap = fmt.change(value - target, dec, unit, meta.get("method"))
    if met is None:
        return _("{gap} from it").format(gap=gap)
    return _("Met") if met else _("Not met ({gap})").format(gap=gap)
