"""Numbers as users read them: always with their unit."""

from __future__ import annotations

import math

DASH = "–"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def minutes(value) -> str:
    return DASH if _missing(value) else f"{round(value) or 0:,.0f} min"  # "or 0" avoids "-0 min"


def hours(value) -> str:
    return DASH if _missing(value) else f"{value:,.1f} h"


def percent(value) -> str:
    """Format a percentage given on a 0-100 scale."""
    return DASH if _missing(value) else f"{value:.0f}%"


def count(value) -> str:
    return DASH if _missing(value) else f"{value:,.0f}"
