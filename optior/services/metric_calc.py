"""Vectorised OR efficiency metrics over a case timeline (pandas and numpy only: no I/O, no loop per case).

Every figure is a ratio or total of per-case contributions, so sums can be taken at any grouping:
first per room-day, then rolled up by room, week or overall. Room-day contributions (staffed
minutes, in-room minutes in a window, turnover credit, idle, overtime) come from every case of a
room-day; case contributions (starts, turnovers, bookings) only from the selected services' cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optior.config import MetricSettings
from optior.months import months_of
from optior.services.metric_definitions import clock_minutes

ROOM_DAY_SUMS = (
    "staffed_room_days", "staffed_minutes", "prime_minutes", "staffed_in_room_minutes",
    "prime_in_room_minutes", "turnover_window_minutes", "turnover_credit_minutes",
    "overtime_minutes", "weekend_in_room_minutes",
)
CASE_SUMS = (
    "cases", "in_room_minutes", "first_case", "late_first", "first_late_minutes", "late", "late_minutes",
    "turnover", "turnover_total_minutes", "idle_gap", "accurate", "under_booked", "over_booked",
    "under_booked_minutes", "over_booked_minutes", "booked_minutes",
)
SUMS = ROOM_DAY_SUMS + CASE_SUMS
COUNTS = (
    "staffed_room_days", "cases", "first_case", "late_first", "late", "turnover", "idle_gap",
    "accurate", "under_booked", "over_booked",
)


def _overlap(start: np.ndarray, end: np.ndarray, low: float, high: float) -> np.ndarray:
    """Minutes of [start, end] inside [low, high]; 0 when disjoint, NaN where start is NaN."""
    return np.clip(np.minimum(end, high) - np.maximum(start, low), 0, None)


def _only(mask: np.ndarray, values: np.ndarray | float) -> np.ndarray:
    return np.where(mask, values, 0.0)


def case_contributions(
    timeline: pd.DataFrame, params: MetricSettings, services: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Each case's share of every sum; timeline is sorted by room, day and wheels in.

    Overlapping cases in a room are measured as their union: a case counts only from the latest
    wheels out before it (its room's `reach`), so no minute counts twice and no gap is negative.
    With services given, case sums of other services' cases are zero (room-day sums are kept).
    """
    staffed_start, staffed_end = clock_minutes(params.staffed_start), clock_minutes(params.staffed_end)
    prime_start, prime_end = clock_minutes(params.prime_start), clock_minutes(params.prime_end)
    room, day = pd.factorize(timeline["room"])[0], timeline["day"].to_numpy()
    wheels_in, wheels_out = timeline["in_minute"].to_numpy(), timeline["out_minute"].to_numpy()
    scheduled, booked = timeline["scheduled_minute"].to_numpy(), timeline["booked_minutes"].to_numpy()

    first = np.ones(len(timeline), dtype=bool)
    first[1:] = (room[1:] != room[:-1]) | (day[1:] != day[:-1])
    room_day = np.cumsum(first)
    reach = pd.Series(wheels_out).groupby(room_day).cummax().to_numpy()
    previous_reach = np.where(first, np.nan, np.roll(reach, 1))
    counted_from = np.fmax(wheels_in, previous_reach)
    weekday_index = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    weekday = weekday_index < 5
    staffed_first = first & weekday

    gap = wheels_in - previous_reach
    is_turnover = (gap >= 0) & (gap <= params.turnover_cutoff_minutes)
    staffed_turnover = is_turnover & weekday
    credited_end = previous_reach + np.minimum(gap, params.max_turnover_credit_minutes)
    in_room = timeline["in_room_minutes"].to_numpy()  # as stored: exact, where the clock minutes are rounded
    late = wheels_in > scheduled + params.on_time_grace_minutes
    delay = wheels_in - scheduled
    tolerance = np.maximum(booked * params.booking_tolerance_pct / 100, params.booking_tolerance_minutes)
    difference = in_room - booked
    under, over = difference > tolerance, difference < -tolerance

    room_day_part = {
        "staffed_room_days": staffed_first,
        "staffed_minutes": _only(staffed_first, staffed_end - staffed_start),
        "prime_minutes": _only(staffed_first, prime_end - prime_start),
        "staffed_in_room_minutes": _only(weekday, _overlap(counted_from, wheels_out, staffed_start, staffed_end)),
        "prime_in_room_minutes": _only(weekday, _overlap(counted_from, wheels_out, prime_start, prime_end)),
        "turnover_window_minutes": _only(
            staffed_turnover, _overlap(previous_reach, wheels_in, staffed_start, staffed_end)
        ),
        "turnover_credit_minutes": _only(
            staffed_turnover, _overlap(previous_reach, credited_end, staffed_start, staffed_end)
        ),
        "overtime_minutes": _only(weekday, _overlap(counted_from, wheels_out, staffed_end, np.inf)),
        "weekend_in_room_minutes": _only(~weekday, np.clip(wheels_out - counted_from, 0, None)),
    }
    case_part = {
        "cases": np.ones(len(timeline), dtype=bool),
        "in_room_minutes": in_room,
        "first_case": first,
        "late_first": first & late,
        "first_late_minutes": _only(first & late, delay),
        "late": late,
        "late_minutes": _only(late, delay),
        "turnover": is_turnover,
        "turnover_total_minutes": _only(is_turnover, gap),
        "idle_gap": gap > params.turnover_cutoff_minutes,
        "accurate": ~(under | over),
        "under_booked": under,
        "over_booked": over,
        "under_booked_minutes": _only(under, difference),
        "over_booked_minutes": _only(over, -difference),
        "booked_minutes": booked,
    }
    turnover_minutes = np.where(is_turnover, gap, np.nan)
    if services is not None:
        selected = timeline["service"].isin(services).to_numpy()
        case_part = {name: _only(selected, values) for name, values in case_part.items()}
        turnover_minutes = np.where(selected, turnover_minutes, np.nan)
    columns = {name: np.asarray(values, dtype="float64") for name, values in (room_day_part | case_part).items()}
    return pd.DataFrame(
        {
            "room": timeline["room"].array, "day": day, "week": day - weekday_index,
            "service": timeline["service"].array, "room_day": room_day, **columns,
            "turnover_minutes": turnover_minutes,
        }
    )


def room_day_totals(contributions: pd.DataFrame) -> pd.DataFrame:
    """The sums per room-day (rows of a room-day are contiguous), with room, day, week and month."""
    room_day = contributions["room_day"].to_numpy()
    if not len(room_day):
        empty = {"room": "object", "day": "int64", "week": "int64", "month": "int64"} | {
            name: "float64" for name in SUMS}
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in empty.items()})
    starts = np.flatnonzero(np.r_[True, room_day[1:] != room_day[:-1]])
    sums = np.add.reduceat(contributions[list(SUMS)].to_numpy(), starts, axis=0)
    keys = contributions[["room", "day", "week"]].iloc[starts].reset_index(drop=True)
    keys["month"] = months_of(keys["day"].to_numpy())
    return pd.concat([keys, pd.DataFrame(sums, columns=list(SUMS))], axis=1)


@dataclass(frozen=True)
class MetricInputs:
    """What every figure is computed from, whether summed from cases or read from the summary.

    room_days: one row per room-day (room, day, week, month and SUMS; case sums of the selected services only);
    service_days: one row per room-day and service with cases (room, day, service and CASE_SUMS);
    read from the summary for a long range, whole months come summed per room, week and staffed or not
    (room_days, `day` is then the Monday, `month` still the month the part lies in) and per room and service
    (service_days, `day` is the month's first); `month` counts months since 1970-01;
    turnovers: one row per turnover (room, day, week, service, turnover_minutes), none missing; sorted by
    turnover_minutes when read from the summary, which spares turnover_percentiles a sort per breakdown; rows with
    a `count` column stand for that many turnovers of that value (see MetricViews).
    """

    room_days: pd.DataFrame
    service_days: pd.DataFrame
    turnovers: pd.DataFrame


@dataclass(frozen=True)
class MetricViews:
    """The inputs of one answer in two views, for ranges whose totals come from rows other than its rooms'.

    per_room: what the per-room figures and the heatmap read (room_days and turnovers keyed by room; turnovers
    may carry a `count` column); None when no per-room figure is asked for. totals: what the overall, per-site,
    per-week and per-service figures and the turnover histogram read; its frames carry a `site` column (a `room`
    only where they came from room rows); its turnovers may lack `week`, which week_turnovers (turnovers with
    `week` and `turnover_minutes`, perhaps `count`) has. Computed from room-days, both views are the same inputs
    and week_turnovers their turnovers. heatmap: the period ("day", "week", "month", "year") the per-room rows
    were read for, when it was chosen in the reading (None: the one asked for).
    """

    per_room: MetricInputs | None
    totals: MetricInputs
    week_turnovers: pd.DataFrame
    heatmap: str | None = None


def inputs_from_contributions(contributions: pd.DataFrame) -> MetricInputs:
    """Sum per-case contributions into room-days and room-day services; keep the turnovers."""
    turnovers = contributions.loc[
        contributions["turnover_minutes"].notna(), ["room", "day", "week", "service", "turnover_minutes"]
    ]
    return MetricInputs(
        room_days=room_day_totals(contributions),
        service_days=room_day_service_totals(contributions),
        turnovers=turnovers.reset_index(drop=True),
    )


def room_day_service_totals(contributions: pd.DataFrame) -> pd.DataFrame:
    """The case sums per room-day and service, for the services with counted cases there."""
    counted = contributions[contributions["cases"].to_numpy() > 0]
    codes, services = pd.factorize(counted["service"])
    key = counted["room_day"].to_numpy() * max(len(services), 1) + codes
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]]) if len(key) else np.array([], "int64")
    firsts = order[starts]
    sums = np.add.reduceat(counted[list(CASE_SUMS)].to_numpy()[order], starts) if len(key) else None
    return pd.concat([
        pd.DataFrame({
            "room": np.asarray(counted["room"].array[firsts], dtype=object), "day": counted["day"].to_numpy()[firsts],
            "service": np.asarray(services, dtype=object)[codes[firsts]],
        }),
        pd.DataFrame(sums, columns=list(CASE_SUMS), dtype="float64"),
    ], axis=1)


def value_order(values: np.ndarray) -> np.ndarray:
    """The stable sorting order of values; whole minutes (as hospital clock times give) sort in linear time."""
    if len(values) and np.all((values >= 0) & (values < 32_768) & (values == np.floor(values))):
        return np.argsort(values.astype("int16"), kind="stable")
    return np.argsort(values, kind="stable")


def turnover_percentiles(turnovers: pd.DataFrame, key: str | None = None) -> pd.DataFrame:
    """Median and 90th percentile of turnover_minutes (linear interpolation, as np.percentile) per key value, or
    overall at index 0.

    A `count` column, where present, says how many turnovers each row stands for (the summary keeps turnovers as
    counts per minute value): the percentiles are then those of the values repeated that often, exactly.
    """
    values = turnovers["turnover_minutes"].to_numpy(dtype="float64")
    counts = turnovers["count"].to_numpy(dtype="float64") if "count" in turnovers else np.ones(len(values))
    index = None
    codes, groups = np.zeros(len(values), dtype="int64"), 1
    if key is not None:
        codes, names = pd.factorize(turnovers[key])
        index, groups = pd.Index(np.asarray(names)), len(names)
    if not (values[1:] >= values[:-1]).all():
        by_value = value_order(values)
        values, counts, codes = values[by_value], counts[by_value], codes[by_value]
    # A stable sort by group keeps each group's values in order (small integer codes sort in linear time).
    order = np.argsort(codes.astype(np.min_scalar_type(groups)), kind="stable")
    ordered, running = values[order], np.cumsum(counts[order])
    totals = np.bincount(codes, counts, minlength=groups)
    before = np.cumsum(totals) - totals

    def quantile(q: float) -> np.ndarray:
        position = (totals - 1) * q
        low, high = np.floor(position), np.ceil(position)
        # The value of rank r (from 0) of a group is the first whose running count passes before + r.
        at_low = np.minimum(np.searchsorted(running, before + low, side="right"), max(len(ordered) - 1, 0))
        at_high = np.minimum(np.searchsorted(running, before + high, side="right"), max(len(ordered) - 1, 0))
        found = ordered[at_low] + (ordered[at_high] - ordered[at_low]) * (position - low) if len(ordered) else low
        return np.where(totals > 0, found, np.nan)

    return pd.DataFrame({"median": quantile(0.5), "p90": quantile(0.9)}, index=index)


def _pct(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return 100 * _per(numerator, denominator)


def _per(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """total / count, NaN where count is 0."""
    return np.divide(total, count, out=np.full(len(total), np.nan), where=count > 0)


def figures(sums: pd.DataFrame, percentiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every figure from summed contributions (room-day figures only when their sums are present)."""
    s = {name: sums[name].to_numpy(dtype="float64") for name in SUMS if name in sums}
    count = {name: s[name].astype("int64") for name in COUNTS if name in s}
    out = {"cases": count["cases"], "in_room_minutes": s["in_room_minutes"]}
    if "staffed_minutes" in s:
        staffed, in_window = s["staffed_minutes"], s["staffed_in_room_minutes"]
        out |= {
            "staffed_room_days": count["staffed_room_days"],
            "staffed_minutes": staffed,
            "staffed_in_room_minutes": in_window,
            "raw_utilization_pct": _pct(in_window, staffed),
            "adjusted_utilization_pct": _pct(in_window + s["turnover_credit_minutes"], staffed),
            "prime_time_utilization_pct": _pct(s["prime_in_room_minutes"], s["prime_minutes"]),
            "turnover_credit_minutes": s["turnover_credit_minutes"],
            "idle_minutes": staffed - in_window - s["turnover_window_minutes"],
            "overtime_minutes": s["overtime_minutes"],
            "weekend_in_room_minutes": s["weekend_in_room_minutes"],
        }
    out["turnover_count"] = count["turnover"]
    if percentiles is not None:
        out["turnover_median_minutes"] = percentiles["median"].reindex(sums.index).to_numpy()
        out["turnover_p90_minutes"] = percentiles["p90"].reindex(sums.index).to_numpy()
    out |= {
        "turnover_mean_minutes": _per(s["turnover_total_minutes"], s["turnover"]),
        "idle_gap_count": count["idle_gap"],
        "first_case_count": count["first_case"],
        "first_case_on_time_pct": _pct(s["first_case"] - s["late_first"], s["first_case"]),
        "late_first_starts": count["late_first"],
        "first_case_mean_late_minutes": _per(s["first_late_minutes"], s["late_first"]),
        "on_time_start_pct": _pct(s["cases"] - s["late"], s["cases"]),
        "late_starts": count["late"],
        "mean_late_start_minutes": _per(s["late_minutes"], s["late"]),
        "booking_accurate_pct": _pct(s["accurate"], s["cases"]),
        "under_booked_pct": _pct(s["under_booked"], s["cases"]),
        "over_booked_pct": _pct(s["over_booked"], s["cases"]),
        "under_booked_minutes": s["under_booked_minutes"],
        "over_booked_minutes": s["over_booked_minutes"],
    }
    return pd.DataFrame(out, index=sums.index)


def turnover_histogram(turnovers: pd.DataFrame, *, cutoff: float, bin_minutes: float) -> list[dict]:
    """Counts of turnovers in bins of bin_minutes from 0 up to the cut-off (last bin includes its end); a `count`
    column weighs the rows as in turnover_percentiles."""
    edges = np.arange(0, max(cutoff, bin_minutes) + bin_minutes, bin_minutes)
    weights = turnovers["count"].to_numpy(dtype="float64") if "count" in turnovers else None
    counts, edges = np.histogram(turnovers["turnover_minutes"].to_numpy(dtype="float64"), bins=edges, weights=weights)
    return [
        {"from_minutes": float(low), "to_minutes": float(high), "turnovers": int(count)}
        for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
