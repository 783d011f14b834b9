"""Pieces of the dashboard's day view: key-figure cards, schedule table rows, the no-cases message."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from optior.components import format as fmt
from optior.components.kpi import kpi_card

# (column id, header) of the day's schedule table; the CSV export uses these headers.
SCHEDULE_COLUMNS = (
    ("or_suite", "Room"),
    ("scheduled", "Scheduled start"),
    ("service", "Service"),
    ("cpt_code", "CPT"),
    ("cpt_description", "Procedure"),
    ("surgeon", "Surgeon"),
    ("booked_minutes", "Booked (min)"),
    ("wheels_in", "Wheels in"),
    ("wheels_out", "Wheels out"),
    ("in_room_minutes", "Actual in-room (min)"),
    ("difference_minutes", "Difference (min)"),
)
NUMERIC = {"booked_minutes", "in_room_minutes", "difference_minutes"}


def schedule_columns() -> list[dict]:
    return [{"id": cid, "name": name, "type": "numeric" if cid in NUMERIC else "text"}
            for cid, name in SCHEDULE_COLUMNS]


TIME_COLUMNS = ("scheduled_start", "wheels_in", "procedure_start", "procedure_end", "wheels_out")


def schedule_frame(rows: list[dict]) -> pd.DataFrame:
    """The day's cases (as the analytics service returns them) with parsed times."""
    frame = pd.DataFrame(rows)
    for column in TIME_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def schedule_rows(schedule: pd.DataFrame) -> list[dict]:
    """Table rows for the day's cases, times as hh:mm, minutes rounded."""
    frame = pd.DataFrame(
        {
            "or_suite": schedule["or_suite"].astype(str),
            "scheduled": schedule["scheduled_start"].dt.strftime("%H:%M"),
            "service": schedule["service"],
            "cpt_code": schedule["cpt_code"],
            "cpt_description": schedule["cpt_description"],
            "surgeon": schedule["surgeon"].fillna(""),
            "booked_minutes": schedule["booked_minutes"].round(0),
            "wheels_in": schedule["wheels_in"].dt.strftime("%H:%M"),
            "wheels_out": schedule["wheels_out"].dt.strftime("%H:%M"),
            "in_room_minutes": schedule["in_room_minutes"].round(0),
            "difference_minutes": (schedule["in_room_minutes"] - schedule["booked_minutes"]).round(0),
        }
    )
    return frame.to_dict("records")


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


def day_kpi_cards(summary: dict) -> dbc.Row:
    """The day's key figures as a row of cards, each with its definition."""
    definitions = summary["definitions"]
    cards = []
    for name, formatter in DAY_CARDS:
        value = formatter(summary[name])
        if name == "late_first_starts":
            value = f"{value} of {fmt.count(summary['first_case_count'])}"
        entry = definitions[name]
        cards.append(kpi_card(f"dashboard-day-{name.replace('_', '-')}", entry["label"], value, entry["definition"]))
    return dbc.Row([dbc.Col(card, xs=6, md=3, xl=True) for card in cards], className="g-2")


def no_cases_message(day: date, nearby: list[date]) -> dbc.Alert:
    """Say the day has no cases and offer the nearest days that have some."""
    if not nearby:
        return dbc.Alert(f"No cases on {day:%A %d %B %Y}.", color="info")
    days = ", ".join(f"{d:%a %d %b %Y}" for d in nearby)
    return dbc.Alert([html.Strong(f"No cases on {day:%A %d %B %Y}. "), f"Nearest days with cases: {days}."],
                     color="info")
