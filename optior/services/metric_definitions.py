"""The text of every OR efficiency figure's definition, filled in with the parameters in force."""

from __future__ import annotations

from datetime import time

from optior.config import MetricSettings


def clock_minutes(moment: time) -> float:
    """Minutes after midnight of a clock time."""
    return moment.hour * 60 + moment.minute + moment.second / 60


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def _number(value: float) -> str:
    return f"{value:g}"


def metric_parameters(params: MetricSettings) -> dict:
    """The parameters as plain values (clock times as HH:MM), for display and JSON."""
    return {
        "staffed_start": _clock(params.staffed_start),
        "staffed_end": _clock(params.staffed_end),
        "prime_start": _clock(params.prime_start),
        "prime_end": _clock(params.prime_end),
        "max_turnover_credit_minutes": params.max_turnover_credit_minutes,
        "turnover_cutoff_minutes": params.turnover_cutoff_minutes,
        "on_time_grace_minutes": params.on_time_grace_minutes,
        "booking_tolerance_pct": params.booking_tolerance_pct,
        "booking_tolerance_minutes": params.booking_tolerance_minutes,
    }


def metric_definitions(params: MetricSettings) -> dict[str, dict[str, str]]:
    """Label, unit and definition of every figure the metrics and day summary report, keyed by name."""
    staffed = f"{_clock(params.staffed_start)}-{_clock(params.staffed_end)}"
    prime = f"{_clock(params.prime_start)}-{_clock(params.prime_end)}"
    cutoff = _number(params.turnover_cutoff_minutes)
    grace = _number(params.on_time_grace_minutes)
    tolerance = (
        f"the larger of {_number(params.booking_tolerance_pct)}% of booked minutes "
        f"and {_number(params.booking_tolerance_minutes)} min"
    )
    room_day = (
        "A staffed room-day is a room on a weekday (Monday to Friday) with at least one case; "
        "days without cases and weekends have no staffed window. With a service filter, the room-days "
        "in which the service had a case count, with all their cases."
    )
    turnover = (
        "Turnover is wheels out of one case to wheels in of the next case in the same room on the same day; "
        f"gaps over {cutoff} min are idle time, not turnover."
    )

    def entry(label: str, unit: str, text: str) -> dict[str, str]:
        return {"label": label, "unit": unit, "definition": text}

    return {
        "cases": entry(
            "Cases", "cases", "Cases whose date lies in the range (and match the room and service filters)."
        ),
        "in_room_minutes": entry(
            "In-room time", "min", "Wheels in to wheels out, summed over the cases. Procedure time is start to end."
        ),
        "in_room_hours": entry("In-room hours", "h", "Wheels in to wheels out, summed over the cases, in hours."),
        "rooms_used": entry("Rooms used", "rooms", "Rooms with at least one case on the day."),
        "staffed_room_days": entry("Staffed room-days", "room-days", room_day),
        "staffed_minutes": entry(
            "Staffed minutes", "min", f"The staffed window {staffed} of every staffed room-day. {room_day}"
        ),
        "staffed_in_room_minutes": entry(
            "In-room minutes in staffed time", "min",
            f"In-room minutes inside the staffed window {staffed}; cases overlapping in one room count once.",
        ),
        "raw_utilization_pct": entry(
            "Raw utilization", "%",
            f"In-room minutes inside the staffed window {staffed} divided by staffed minutes, summed over "
            f"room-days (a ratio of sums, not an average of daily ratios). {room_day}",
        ),
        "adjusted_utilization_pct": entry(
            "Adjusted utilization", "%",
            "Raw utilization that also credits turnover minutes inside the staffed window, each turnover "
            f"credited up to {_number(params.max_turnover_credit_minutes)} min. {turnover}",
        ),
        "prime_time_utilization_pct": entry(
            "Prime-time utilization", "%",
            f"In-room minutes inside the prime window {prime} divided by prime-window minutes, "
            "over the staffed room-days.",
        ),
        "turnover_credit_minutes": entry(
            "Credited turnover", "min",
            f"Turnover minutes inside the staffed window, each turnover capped at "
            f"{_number(params.max_turnover_credit_minutes)} min (the adjusted utilization's credit).",
        ),
        "idle_minutes": entry(
            "Idle time", "min",
            "Staffed minutes with no case and no turnover: before the first case, after the last, "
            f"and gaps over the {cutoff} min turnover cut-off.",
        ),
        "overtime_minutes": entry(
            "Overtime", "min",
            f"In-room minutes after the end of the staffed window ({_clock(params.staffed_end)}) "
            "on staffed room-days.",
        ),
        "weekend_in_room_minutes": entry(
            "Weekend in-room time", "min",
            "In-room minutes on Saturdays and Sundays, which have no staffed window and so count "
            "in neither utilization nor overtime.",
        ),
        "turnover_count": entry("Turnovers", "turnovers", f"{turnover} Each turnover belongs to the case after it."),
        "turnover_median_minutes": entry("Median turnover", "min", f"The median of the turnovers. {turnover}"),
        "turnover_p90_minutes": entry(
            "90th percentile turnover", "min",
            f"90% of turnovers were this long or shorter (linear interpolation between ranks). {turnover}",
        ),
        "turnover_mean_minutes": entry("Mean turnover", "min", f"The mean of the turnovers. {turnover}"),
        "idle_gap_count": entry(
            "Gaps over the cut-off", "gaps",
            f"Gaps between consecutive cases in a room-day longer than {cutoff} min: idle time, not turnover.",
        ),
        "first_case_count": entry(
            "First cases", "cases", "The first case of each room-day (the earliest wheels in)."
        ),
        "first_case_on_time_pct": entry(
            "First-case on-time starts", "%",
            f"Share of first cases of a room-day whose wheels in is no later than the scheduled start + {grace} min.",
        ),
        "late_first_starts": entry(
            "Late first starts", "cases",
            f"First cases of a room-day wheeled in more than {grace} min after their scheduled start.",
        ),
        "first_case_mean_late_minutes": entry(
            "Mean first-case delay", "min", "Mean of wheels in minus scheduled start over the late first cases."
        ),
        "on_time_start_pct": entry(
            "On-time starts (all cases)", "%",
            f"Share of all cases whose wheels in is no later than the scheduled start + {grace} min.",
        ),
        "late_starts": entry(
            "Late starts", "cases", f"Cases wheeled in more than {grace} min after their scheduled start."
        ),
        "mean_late_start_minutes": entry(
            "Mean start delay", "min", "Mean of wheels in minus scheduled start over the late cases."
        ),
        "booking_accurate_pct": entry(
            "Accurately booked", "%",
            f"Share of cases whose actual in-room minutes are within {tolerance} of the booked minutes.",
        ),
        "under_booked_pct": entry(
            "Under-booked", "%", f"Share of cases that ran longer than booked by more than {tolerance}."
        ),
        "over_booked_pct": entry(
            "Over-booked", "%", f"Share of cases that ran shorter than booked by more than {tolerance}."
        ),
        "under_booked_minutes": entry(
            "Minutes over booking", "min", "Actual minus booked in-room minutes, summed over the under-booked cases."
        ),
        "over_booked_minutes": entry(
            "Minutes under booking", "min", "Booked minus actual in-room minutes, summed over the over-booked cases."
        ),
    }
