"""The Plan page's day at a glance: rooms, cases, rooms likely late, overtime and idle as booked versus as
recommended, each with its unit and definition."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from optior.components import format as fmt
from optior.components.kpi import kpi_card
from optior.services.planning_models import DayPlan


def percentile_text(quantile: float) -> str:
    """A booking quantile as users say it: 0.667 -> "67th percentile"."""
    number = round(quantile * 100)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix} percentile"


def _booked_vs_recommended(booked: float, recommended: float) -> str:
    """"40 → 25 min": as booked, then as recommended."""
    return f"{fmt.count(round(booked))} → {fmt.minutes(recommended)}"


def plan_totals(plan: DayPlan, card_prefix: str) -> dbc.Row:
    """The day's totals as cards; every figure says what it counts in the tooltip beside its label."""
    totals, end = plan.totals, f"{plan.staffed_end:%H:%M}"
    start, draws = f"{plan.staffed_start:%H:%M}", f"{plan.draws:,}"
    booking = f"the recommended booking sets each case at its predicted {percentile_text(plan.quantile)}"
    cards = [
        ("rooms", "Rooms", fmt.count(totals.rooms), "Operating rooms with at least one scheduled case this day."),
        ("cases", "Cases", fmt.count(totals.cases), "Scheduled cases this day (not yet done)."),
        ("late", "Rooms likely late", f"{fmt.count(totals.rooms_likely_late)} of {fmt.count(totals.rooms)}",
         f"Rooms whose last case ends after the staffed end ({end}) in at least half of {draws} simulated days."),
        ("room-overtime", "Expected overtime", fmt.minutes(totals.expected_room_overtime_minutes),
         f"Sum over rooms of the average minutes the last case ends after {end}, over {draws} simulated days."),
        ("room-idle", "Expected idle time", fmt.minutes(totals.expected_room_idle_minutes),
         f"Sum over rooms of the average minutes between {start} and {end} with no case in the room."),
        ("case-overtime", "Case overrun",
         _booked_vs_recommended(totals.booked_overtime_minutes, totals.recommended_overtime_minutes),
         "Expected minutes cases run past their booking, summed over the day's cases: as booked, then as "
         f"recommended ({booking})."),
        ("case-idle", "Unused booking",
         _booked_vs_recommended(totals.booked_idle_minutes, totals.recommended_idle_minutes),
         "Expected minutes of booked time the cases do not use, summed over the day's cases: as booked, then as "
         f"recommended ({booking})."),
    ]
    detail = {"case-overtime": "as booked → recommended", "case-idle": "as booked → recommended"}
    return dbc.Row(
        [dbc.Col(kpi_card(f"{card_prefix}-{key}", label, value, definition, detail=detail.get(key)), xs=6, md=3,
                 xl=True) for key, label, value, definition in cards],
        className="g-2",
    )
