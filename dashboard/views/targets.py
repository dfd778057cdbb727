"""An indicator's target as the explorer shows it: in its header, the ranking's summary and table, and as a
dashed line on the ranking and the trend (dashboard.components.figures draws the lines)."""

from __future__ import annotations

from dashboard.components import fmt


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
    unit, dec = meta["unit"], int(meta["decimals"])
    by = f" by {meta['target_period']}" if fmt.text(meta.get("target_period")) else ""
    met = [target_met(v, target, meta.get("polarity")) for v in values]
    counted = [m for m in met if m is not None]
    tally = f", met by {counted.count(True):,} of the {len(counted):,} areas" if counted else ""
    return f" Target: {fmt.value(target, dec, unit)}{by}{tally} (the dashed line)."


def target_words(value, meta: dict, dec: int, unit: str) -> str:
    """'Met' or 'Not met: 4.3 pts short' for one area's value against the indicator's target; empty without
    a target or a value, 'Gap' without a better direction."""
    target = target_of(meta)
    if target is None or fmt.missing(value):
        return ""
    met = target_met(value, target, meta.get("polarity"))
    gap = fmt.change(value - target, dec, unit, meta.get("method"))
    if met is None:
        return f"{gap} from it"
    return "Met" if met else f"Not met ({gap})"
