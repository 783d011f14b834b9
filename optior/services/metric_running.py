"""Running totals per room of the metric summary: each room's month sums and turnover counts summed from its first
month through each month it has.

A long range's per-room figures are then the difference of two rows per room (the latest at or before the range's
last whole month, the latest before its first), and a heatmap by year one row per room and year, where the month
rows would be one per room and month: at ten million cases, 216 rooms over 42 years are 108,000 room-months.
Counts are whole numbers in float64, so the differences are exact and the percentiles taken from them too.

Kept in step by the summary (metric_summary): a refresh of a room's months rewrites its running rows from the first
month refreshed on, as every later total includes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from optior.db.metric_running_store import (
    RoomFrom,
    delete_running_after,
    last_month,
    read_months_from,
    read_running_at,
    read_running_before,
    replace_running,
    rooms_at,
    summary_rooms,
)
from optior.db.metric_summary_store import RoomMonths, pack
from optior.months import first_day, month_number
from optior.services.metric_calc import SUMS
from optior.vocabulary import room_key

COUNT_LAYOUT = ("turnover_minutes", "count")
SUM_PARTS = 2  # month_sums: the staffed room-days' SUMS, then the other room-days'
MONTH_PARTS = {"month_sums": len(SUMS), "turnover_counts": len(COUNT_LAYOUT)}
RUNNING = {"running_sums": len(SUMS), "running_turnovers": len(COUNT_LAYOUT)}
_CASES = SUMS.index("cases")
_BATCH_ROOMS = 50  # rooms rewritten together (each with all its months from the first refreshed)


def _sums_per_row(read: RoomMonths, name: str) -> np.ndarray:
    """An array column of SUM_PARTS rows of SUMS per row read, as (rows, SUM_PARTS, len(SUMS))."""
    return read.arrays[name].values.reshape(len(read.rooms), SUM_PARTS, len(SUMS))


def _entries_per_row(read: RoomMonths, name: str) -> list[np.ndarray]:
    """An array column of (minute, count) entries, as each row's entries."""
    source_row, values = read.arrays[name].source_row, read.arrays[name].values
    bounds = np.searchsorted(source_row, np.arange(len(read.rooms) + 1))
    return [values[bounds[row]:bounds[row + 1]] for row in range(len(read.rooms))]


def _room_rows(site: str, name: str, first: int, end: int, sums: np.ndarray, entries: list[np.ndarray],
               at: np.ndarray) -> list[dict]:
    """One room's running rows for months first..end: sums (prior first, then each month row's) and entries (the
    same) added up, month rows placed at their month offsets `at` (the prior at offset 0 with them)."""
    months = end - first + 1
    running_sums = np.zeros((months, SUM_PARTS, len(SUMS)))
    np.add.at(running_sums, at, sums)
    running_sums = np.cumsum(running_sums, axis=0)
    minutes = np.unique(np.concatenate([part[:, 0] for part in entries] or [np.zeros(0)]))
    counts = np.zeros((months, len(minutes)))
    for offset, part in zip(at, entries, strict=True):
        counts[offset, np.searchsorted(minutes, part[:, 0])] += part[:, 1]
    counts = np.cumsum(counts, axis=0)
    rows = []
    for offset in range(months):
        held = np.flatnonzero(counts[offset])
        rows.append({"site": site, "or_suite": name, "month": first_day(first + offset),
                     "running_sums": pack(running_sums[offset]),
                     "running_turnovers": pack(np.column_stack((minutes[held], counts[offset, held])))})
    return rows


def _running_rows(rooms: list[RoomFrom], read: RoomMonths, prior: RoomMonths, end: int) -> list[dict]:
    """Running rows of each room from its month (from its first month row, if it has no row before that month)
    through month `end`, from its month rows read and its prior running row."""
    sums, entries = _sums_per_row(read, "month_sums"), _entries_per_row(read, "turnover_counts")
    prior_sums, prior_entries = _sums_per_row(prior, "running_sums"), _entries_per_row(prior, "running_turnovers")
    priors = {room: row for row, room in enumerate(prior.rooms)}
    by_room: dict[str, list[int]] = {}
    for row, room in enumerate(read.rooms):
        by_room.setdefault(room, []).append(row)
    rows: list[dict] = []
    for site, name, month in rooms:
        key = room_key(site, name)
        own, before = by_room.get(key, []), priors.get(key)
        if not own and before is None:
            continue
        first = month_number(month) if before is not None else int(min(read.months[own]))
        if first > end:
            continue
        at = [read.months[row] - first for row in own]
        room_sums = [sums[row] for row in own]
        room_entries = [entries[row] for row in own]
        if before is not None:
            at, room_sums, room_entries = [0, *at], [prior_sums[before], *room_sums], [prior_entries[before],
                                                                                         *room_entries]
        rows += _room_rows(site, name, first, end, np.array(room_sums).reshape(-1, SUM_PARTS, len(SUMS)),
                           room_entries, np.array(at, dtype="int64"))
    return rows


def refresh_running(connection, rooms: list[RoomFrom]) -> None:
    """Rewrite the running rows of each (site, or_suite) from its month on, from its month rows (which must be
    current) and its running row before that month; keep every room's rows running to the summary's last month."""
    end = last_month(connection, running=False)
    if end is None:
        return
    previous_end = last_month(connection, running=True)
    delete_running_after(connection, end)
    if previous_end is not None and previous_end < end:
        # Every room's rows ran to previous_end: carry them on to the new end, each from the month after it at the
        # latest (a room touched only months later would otherwise find no row before its month and start again).
        following = first_day(month_number(previous_end) + 1)
        touched = {(site, name) for site, name, _ in rooms}
        rooms = [(site, name, min(month, following)) for site, name, month in rooms] + [
            (site, name, following) for site, name in rooms_at(connection, previous_end) if (site, name) not in touched]
    for begin in range(0, len(rooms), _BATCH_ROOMS):
        batch = rooms[begin:begin + _BATCH_ROOMS]
        rows = _running_rows(batch, read_months_from(connection, batch, MONTH_PARTS),
                             read_running_before(connection, batch, RUNNING), month_number(end))
        replace_running(connection, batch, rows)


def rebuild_running(connection) -> None:
    """Write every room's running rows from its month rows (after a rebuild of those)."""
    refresh_running(connection, summary_rooms(connection))


def running_case_count(connection) -> int:
    """The cases of every room: the sum of each room's running case count at the last month (one row per room)."""
    last = last_month(connection, running=True)
    if last is None:
        return 0
    read = read_running_at(connection, [last], None, {"running_sums": len(SUMS)})
    return int(round(_sums_per_row(read, "running_sums")[:, :, _CASES].sum()))


@dataclass(frozen=True)
class RunningSpan:
    """The rooms with cases in a span of whole months and their turnovers over it as counts per minute value
    (room, turnover_minutes, count); empty when the span begins after the summary's last month."""

    rooms: list[str]
    turnovers: pd.DataFrame
    last: date | None


def _totals_at(read: RoomMonths, months: list[date]) -> tuple[list[str], np.ndarray]:
    """The rooms read and their running sums at each of those months, zeros where a room has no row yet:
    (rooms, array of rooms × months × SUM_PARTS × len(SUMS))."""
    codes, rooms = pd.factorize(np.asarray(read.rooms, dtype=object))
    column = pd.Index([month_number(month) for month in months]).get_indexer(pd.Index(read.months))
    totals = np.zeros((len(rooms), len(months), SUM_PARTS, len(SUMS)))
    totals[codes, column] = _sums_per_row(read, "running_sums")
    return list(rooms), totals


def _counts(read: RoomMonths, rows: np.ndarray, sign: float) -> pd.DataFrame:
    entries = read.arrays["running_turnovers"]
    chosen = np.isin(entries.source_row, rows)
    return pd.DataFrame({"room": np.asarray(read.rooms, dtype=object)[entries.source_row[chosen]],
                         "turnover_minutes": entries.values[chosen, 0], "count": sign * entries.values[chosen, 1]})


def running_span(connection, months: tuple[date, date], sites: tuple[str, ...] | None) -> RunningSpan:
    """The rooms' turnovers over the whole months from months[0] to months[1] (first days), from two running rows
    per room: the one of the last month (or the summary's last) less the one of the month before the first."""
    stored_last = last_month(connection, running=True)
    if stored_last is None or stored_last < months[0]:
        return RunningSpan([], pd.DataFrame({"room": [], "turnover_minutes": [], "count": []}), None)
    ends = [first_day(month_number(months[0]) - 1), min(months[1], stored_last)]
    read = read_running_at(connection, ends, sites, RUNNING)
    rooms, totals = _totals_at(read, ends)
    cases = (totals[:, 1] - totals[:, 0])[:, :, _CASES].sum(axis=1)
    kept = [room for room, count in zip(rooms, cases, strict=True) if count > 0]
    upper = np.flatnonzero(read.months == month_number(ends[1]))
    lower = np.flatnonzero(read.months == month_number(ends[0]))
    entries = pd.concat([_counts(read, upper, 1.0), _counts(read, lower, -1.0)], ignore_index=True)
    counts = entries[entries["room"].isin(kept)].groupby(["room", "turnover_minutes"], sort=True)["count"].sum()
    return RunningSpan(kept, counts[counts != 0].reset_index(), ends[1])


def year_room_days(connection, months: tuple[date, date], sites: tuple[str, ...] | None,
                   span: RunningSpan) -> pd.DataFrame:
    """Per room of the span and calendar year, its sums in two rows (staffed room-days, the others): room, day
    (the year's first day in the span), week, month (months since 1970-01 of the year's first month) and SUMS."""
    if span.last is None or not span.rooms:
        return pd.DataFrame({"room": [], "day": [], "week": [], "month": [], **{name: [] for name in SUMS}})
    first, last = month_number(months[0]), month_number(span.last)
    ends = [first - 1, *(month for month in range(first, last) if month % 12 == 11), last]
    read = read_running_at(connection, [first_day(month) for month in ends], sites, {"running_sums": len(SUMS)})
    rooms, totals = _totals_at(read, [first_day(month) for month in ends])
    chosen = np.flatnonzero(pd.Index(rooms).isin(span.rooms))
    parts = np.diff(totals[chosen], axis=1)  # rooms × years × SUM_PARTS × SUMS
    year_month = np.array([month - month % 12 for month in ends[1:]], dtype="int64")
    day = np.maximum(year_month, first).astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    room_names = np.asarray(rooms, dtype=object)[chosen]
    keys = pd.DataFrame({"room": np.repeat(room_names, len(year_month) * SUM_PARTS),
                         "day": np.tile(np.repeat(day, SUM_PARTS), len(chosen)),
                         "month": np.tile(np.repeat(year_month, SUM_PARTS), len(chosen))})
    keys.insert(2, "week", keys["day"] - (keys["day"] + 3) % 7)
    return keys.join(pd.DataFrame(parts.reshape(-1, len(SUMS)), columns=list(SUMS)))
