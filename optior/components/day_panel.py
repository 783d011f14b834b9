"""Pieces of the dashboard's day view: key-figure cards, schedule table rows, the no-cases message."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import html

from optior.components import format as fmt
from optior.components.grid import number_column, text_column
from optior.components.kpi import kpi_card
from optior.services.analytics_models import DaySummary
from optior.vocabulary import room_label

# Minutes over (or under) the booking at which the difference is coloured.
DIFFERENCE_ALERT_MINUTES = 15


def schedule_columns() -> list[dict]:
    """The day's schedule grid; the CSV export uses these headers. Differences beyond ±15 min are coloured."""
    alert = DIFFERENCE_ALERT_MINUTES
    return [
        text_column("or_suite", "Room"),
        text_column("scheduled", "Scheduled start"),
        text_column("service", "Service"),
        text_column("cpt_code", "CPT"),
        text_column("cpt_description", "Procedure", minWidth=160, wrapText=True, autoHeight=True),
        text_column("surgeon", "Surgeon"),
        number_column("booked_minutes", "Booked (min)"),
        text_column("wheels_in", "Wheels in"),
        text_column("wheels_out", "Wheels out"),
        number_column("in_room_minutes", "Actual in-room (min)"),
        number_column("difference_minutes", "Difference (min)", cellClassRules={
            "optior-ran-over": f"params.value > {alert}", "optior-ran-short": f"params.value < -{alert}"}),
    ]


def _clock(timestamp: str) -> str:
    """hh:mm of an ISO timestamp."""
    return timestamp[11:16]


def schedule_rows(cases: list[dict], *, with_site: bool) -> list[dict]:
    """Table rows for the day's cases (as the analytics service returns them): times as hh:mm, minutes rounded;
    rooms labelled with their site when the cases come from several."""
    return [
        {
            "or_suite": room_label(case["or_suite"], case["site"] if with_site else None),
            "scheduled": _clock(case["scheduled_start"]),
            "service": case["service"],
            "cpt_code": case["cpt_code"],
            "cpt_description": case["cpt_description"],
            "surgeon": case["surgeon"] or "",
            "booked_minutes": round(case["booked_minutes"]),
            "wheels_in": _clock(case["wheels_in"]),
            "wheels_out": _clock(case["wheels_out"]),
            "in_room_minutes": round(case["in_room_minutes"]),
            "difference_minutes": round(case["in_room_minutes"] - case["booked_minutes"]),
        }
        for case in cases
    ]


# (figure, formatter) of the day's cards, in order; labels and definitions come from the service.
DAY_CARDS = (
    ("cases", fmt.count),
    ("rooms_used", fmt.count),
    ("in_room_hours", fmt.hours),
    ("late_first_starts", fmt.count),
    ("booking_accurate_pct", fmt.percent),
    ("raw_utilization_pct", fmt.percent),
    ("turnover_median_minutes", fmt.minutes),
    ("overtime_minutes", fmt.minutes),
)


def day_kpi_cards(summary: DaySummary) -> dbc.Row:
    """The day's key figures as a row of cards, each with its definition."""
    cards = []
    for name, formatter in DAY_CARDS:
        value = formatter(summary.figure(name))
        if name == "late_first_starts":
            value = f"{value} of {fmt.count(summary.first_case_count)}"
        entry = summary.definitions[name]
        cards.append(kpi_card(f"dashboard-day-{name.replace('_', '-')}", entry.label, value, entry.definition))
    return dbc.Row([dbc.Col(card, xs=6, md=3, xl=True) for card in cards], className="g-2")


def no_cases_message(day: date, nearby: list[date]) -> dbc.Alert:
    """Say the day has no cases and offer the nearest days that have some."""
    if not nearby:
        return dbc.Alert(f"No cases on {day:%A %d %B %Y}.", color="info")
    days = ", ".join(f"{d:%a %d %b %Y}" for d in nearby)
    return dbc.Alert([html.Strong(f"No cases on {day:%A %d %B %Y}. "), f"Nearest days with cases: {days}."],
                     color="info")
