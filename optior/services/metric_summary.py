"""The OR metric summary: room-day sums and turnovers kept per room (site and name) and month, so figures need not
read cases.

Every import and clear updates it in its own transaction (a crash leaves cases and summary consistent). Its
rows are computed by the same vectorised code as the direct computation (metric_calc), for whole months of
rooms, so they are exact: sums, counts and the turnover gaps themselves (percentiles are taken from the gaps).
Its per-service case sums also answer the specialty breakdown (service_totals).
The contributions depend on the metric settings, so the summary records a fingerprint of the settings it was
built with; a process whose settings differ rebuilds it (under the import lock) or, if it cannot take the
lock, computes from the cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd

from optior.config import MetricSettings
from optior.db.analytics_queries import case_extent
from optior.db.case_filter import CaseFilter
from optior.db.locks import job_lock
from optior.db.metric_queries import case_timeline, room_keys, room_sites
from optior.db.metric_summary_store import (
    RoomMonths,
    Unpacked,
    consistent_reads,
    delete_summary,
    insert_summary,
    pack,
    read_room_months,
    read_site_months,
    replace_site_months,
    room_date_spans,
    set_summary_fingerprint,
    stored_room_dates,
    summary_fingerprint,
)
from optior.errors import JobAlreadyRunning
from optior.months import add_months, first_day, first_days, month_start, months_of, months_spanned
from optior.services.metric_calc import (
    CASE_SUMS,
    SUMS,
    MetricInputs,
    MetricViews,
    case_contributions,
    inputs_from_contributions,
    value_order,
)
from optior.services.metric_running import (
    COUNT_LAYOUT,
    rebuild_running,
    refresh_running,
    running_span,
    year_room_days,
)
from optior.services.runtime import Runtime
from optior.vocabulary import split_room_key

T = TypeVar("T")

# Stored array layouts; a change here must change LAYOUT so that existing summaries are rebuilt.
# `service` is an index into the row's `services` list. room_weeks has one row per week and staffed or not (its
# `day` is the week's Monday), service_totals one per service (its `day` is the month's first day), so they have
# the widths of room_days and case_sums and are read in their place for the whole months of a long range.
ROOM_DAY_LAYOUT = ("day", *SUMS)  # case sums of all services
CASE_LAYOUT = ("day", "service", *CASE_SUMS)
TURNOVER_LAYOUT = ("day", "service", "turnover_minutes")
DAILY = {"room_days": len(ROOM_DAY_LAYOUT), "case_sums": len(CASE_LAYOUT), "turnovers": len(TURNOVER_LAYOUT)}
WEEKLY = {"room_weeks": len(ROOM_DAY_LAYOUT), "service_totals": len(CASE_LAYOUT), "turnovers": len(TURNOVER_LAYOUT)}
# month_sums: two rows of SUMS, the staffed room-days' and the others'; turnover_counts: one row per minute value
# (metric_running sums both from each room's first month).
# metric_site_months: site_weeks as room_weeks (not split by staffed), service_totals as the rooms', and turnover
# counts per week (its Monday) and minute value, and per service and minute value (apart: together they would
# be one count per week, service and minute, several times as many).
WEEK_COUNT_LAYOUT = ("day", "turnover_minutes", "count")
SERVICE_COUNT_LAYOUT = ("service", "turnover_minutes", "count")
SITE = {"site_weeks": len(ROOM_DAY_LAYOUT), "service_totals": len(CASE_LAYOUT),
        "week_turnovers": len(WEEK_COUNT_LAYOUT), "service_turnovers": len(SERVICE_COUNT_LAYOUT)}
SERVICE_SUMS = ("cases", "booked_minutes", "in_room_minutes")  # what the specialty breakdown needs
SERVICE_SEPARATOR = "\x1f"
LAYOUT = 4
# A long range's heatmap is by room and month up to this many cells, by room and year beyond.
MAX_MONTH_CELLS = 20_000
_ROW_KEY_MONTHS = 1 << 20  # a summary row's key while building: room code * this + month (see _row_keys)
# Rooms or months built together: at most about this many room-days or cases (bounds the memory used).
_BATCH_ROOM_DAYS, _BATCH_CASES = 50_000, 200_000


def fingerprint(params: MetricSettings) -> str:
    """The settings (and storage layout) a summary's contributions depend on, as text."""
    return json.dumps({"layout": LAYOUT, **asdict(params)}, default=str, sort_keys=True)


def _row_keys(rooms: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The summary row (room code and month) of each day as one integer, ordered by room, then month."""
    return rooms.astype("int64") * _ROW_KEY_MONTHS + months_of(days) + _ROW_KEY_MONTHS // 2


def _row_month(key: int) -> date:
    return first_day(key % _ROW_KEY_MONTHS - _ROW_KEY_MONTHS // 2)


def _packed(key: np.ndarray, values: np.ndarray) -> dict[int, bytes]:
    """Rows grouped by key (equal keys adjacent) packed per key."""
    if not len(key):
        return {}
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    data, width = pack(values), 8 * values.shape[1]
    return {int(key[start]): data[start * width : end * width] for start, end in zip(starts, ends, strict=True)}


def _summed(
    frame: pd.DataFrame, rooms: np.ndarray, keys: list[str], sums: tuple[str, ...], layout: tuple[str, ...]
) -> dict[int, bytes]:
    """Sums of frame per summary row and keys, packed per row (the keys' first one becomes the `day` column)."""
    keyed = frame.assign(row=_row_keys(rooms, frame["day"].to_numpy()))
    totals = keyed.groupby(["row", *keys], sort=True)[list(sums)].sum().reset_index()
    values = totals.rename(columns={keys[0]: "day"})[list(layout)].to_numpy("float64")
    return _packed(totals["row"].to_numpy(), values)


def _month_sums(room_days: pd.DataFrame, rooms: np.ndarray) -> dict[int, bytes]:
    """Per summary row, its staffed room-days' SUMS and its other room-days', packed as two rows."""
    keys = _row_keys(rooms, room_days["day"].to_numpy())
    rows, row_of = np.unique(keys, return_inverse=True)
    sums = np.zeros((len(rows), 2, len(SUMS)))
    np.add.at(sums, (row_of.reshape(-1), (room_days["staffed_room_days"].to_numpy() == 0).astype("int64")),
              room_days[list(SUMS)].to_numpy("float64"))
    return {int(key): pack(part) for key, part in zip(rows, sums, strict=True)}


def _counted(frame: pd.DataFrame, row_keys: np.ndarray, keys: list[str], layout: tuple[str, ...]) -> dict[int, bytes]:
    """How many rows of frame each summary row has per value of keys (the `count` column of layout), packed."""
    counts = frame.assign(row=row_keys).groupby(["row", *keys], sort=True).size().rename("count").reset_index()
    return _packed(counts["row"].to_numpy(), counts[list(layout)].to_numpy("float64"))


def _local_services(rooms: np.ndarray, services: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """Each row's service as an index into its room's services, and each room's services as stored text."""
    codes, names = pd.factorize(services, sort=True)
    width = max(len(names), 1)
    pairs, pair_of_row = np.unique(rooms.astype("int64") * width + codes, return_inverse=True)
    pair_rooms = pairs // width
    starts = np.flatnonzero(np.r_[True, pair_rooms[1:] != pair_rooms[:-1]]) if len(pairs) else pairs
    ends = np.r_[starts[1:], len(pairs)]
    local = np.arange(len(pairs)) - np.repeat(starts, ends - starts)
    texts = {
        int(pair_rooms[start]): SERVICE_SEPARATOR.join(names[pairs[start:end] % width])
        for start, end in zip(starts, ends, strict=True)
    }
    return local[pair_of_row], texts


def _per_row(frame: pd.DataFrame, rooms: np.ndarray, layout: tuple[str, ...]) -> dict[int, bytes]:
    """The frame's rows (in room and day order) packed per summary row."""
    return _packed(_row_keys(rooms, frame["day"].to_numpy()), frame[list(layout)].to_numpy("float64"))


def _summary_rows(room_names: pd.Index, inputs: MetricInputs) -> list[dict]:
    """Rows for the summary table from the inputs of whole months of rooms (each frame in room and day order)."""
    room_days, service_days, turnovers = inputs.room_days, inputs.service_days, inputs.turnovers
    room_code, case_room, turnover_room = (
        pd.Categorical(frame["room"], categories=room_names).codes for frame in (room_days, service_days, turnovers)
    )
    local, services = _local_services(
        np.r_[case_room, turnover_room],
        np.r_[np.asarray(service_days["service"], dtype=object), np.asarray(turnovers["service"], dtype=object)],
    )
    service_days = service_days.assign(service=local[: len(service_days)])
    turnovers = turnovers.assign(service=local[len(service_days) :])
    month_first_days = first_days(months_of(service_days["day"].to_numpy())).astype("int64")
    packed = {
        "room_days": _per_row(room_days, room_code, ROOM_DAY_LAYOUT),
        "case_sums": _per_row(service_days, case_room, CASE_LAYOUT),
        "turnovers": _per_row(turnovers, turnover_room, TURNOVER_LAYOUT),
        "room_weeks": _summed(room_days.assign(staffed=room_days["staffed_room_days"] > 0), room_code,
                              ["week", "staffed"], SUMS, ROOM_DAY_LAYOUT),
        "service_totals": _summed(service_days.assign(first=month_first_days), case_room, ["first", "service"],
                                  CASE_SUMS, CASE_LAYOUT),
        "month_sums": _month_sums(room_days, room_code),
        "turnover_counts": _counted(turnovers.assign(turnover_minutes=turnovers["turnover_minutes"].astype("float64")),
                                    _row_keys(turnover_room, turnovers["day"].to_numpy()), ["turnover_minutes"],
                                    COUNT_LAYOUT),
    }
    return [
        {"room": room_names[room], "month": _row_month(key), "services": services.get(room, ""),
         **{name: rows.get(key, b"") for name, rows in packed.items()}}
        for key, room in ((key, key // _ROW_KEY_MONTHS) for key in packed["room_days"])
    ]


def _whole_months(spans: pd.DataFrame) -> pd.DataFrame:
    """Spans (room, first, last) widened to whole months, as dates."""
    first = pd.to_datetime(spans["first"]).dt.to_period("M")
    last = pd.to_datetime(spans["last"]).dt.to_period("M")
    return pd.DataFrame({"room": spans["room"].astype(str).to_numpy(), "first": first.dt.start_time.dt.date,
                         "last": last.dt.end_time.dt.date})


def _batches(spans: pd.DataFrame) -> list[pd.DataFrame]:
    """Rooms' spans in groups of about _BATCH_ROOM_DAYS room-days (a room is never split)."""
    days = (pd.to_datetime(spans["last"]) - pd.to_datetime(spans["first"])).dt.days.to_numpy() + 1
    batch = (np.cumsum(days) - days) // _BATCH_ROOM_DAYS
    return [part for _, part in spans.groupby(batch, sort=True)]


def _within_spans(timeline: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """The timeline's cases that lie in their room's span (room, first, last); rooms without a span have none."""
    # Each timeline room's span; a room not in spans (position -1) gets the appended empty span (day 1 to day 0).
    position = pd.Index(spans["room"]).get_indexer(timeline["room"].cat.categories)
    first = np.array([*(_day_number(day) for day in spans["first"]), 1])[position]
    last = np.array([*(_day_number(day) for day in spans["last"]), 0])[position]
    room, day = timeline["room"].cat.codes.to_numpy(), timeline["day"].to_numpy()
    return timeline[(day >= first[room]) & (day <= last[room])]


def _insert_rows(connection, params: MetricSettings, timeline: pd.DataFrame) -> None:
    """Insert the summary rows of a timeline of whole months of rooms."""
    if not timeline.empty:
        inputs = inputs_from_contributions(case_contributions(timeline, params))
        insert_summary(connection, _summary_rows(timeline["room"].cat.categories, inputs))


def _refresh(connection, params: MetricSettings, spans: pd.DataFrame) -> None:
    """Recompute the summary rows of the whole months from each room's first to last day (room, first, last)."""
    whole = _whole_months(spans)
    for batch in _batches(whole):
        for room, first, last in batch.itertuples(index=False, name=None):
            delete_summary(connection, room, first, month_start(last))
        sites, rooms = zip(*map(split_room_key, batch["room"]), strict=True)
        # Every named room at every named site: _within_spans drops the pairs that are not the batch's rooms.
        case_filter = CaseFilter(start=batch["first"].min(), end=batch["last"].max(), rooms=tuple(set(rooms)),
                                 sites=tuple(set(sites)))
        _insert_rows(connection, params, _within_spans(case_timeline(connection, case_filter), batch))
        _roll_up_sites(connection, (month_start(batch["first"].min()), month_start(batch["last"].max())),
                       tuple(set(sites)))
    refresh_running(connection, [(*split_room_key(room), first)
                                 for room, first in zip(whole["room"], whole["first"], strict=True)])


def _site_rows(read: RoomMonths) -> list[dict]:
    """Rows of metric_site_months summed from the room rows read (room_weeks, service_totals and turnovers of
    every room of each site and month)."""
    site_codes, site_names = pd.factorize(np.array([split_room_key(room)[0] for room in read.rooms], dtype=object))
    row_key = site_codes.astype("int64") * _ROW_KEY_MONTHS + read.months + _ROW_KEY_MONTHS // 2
    weeks, totals, gaps = (read.arrays[name] for name in WEEKLY)
    service_codes, names = _codes(read.services, np.r_[totals.values[:, 1], gaps.values[:, 1]],
                                  np.r_[totals.source_row, gaps.source_row])
    service_names = np.asarray(names, dtype=object)
    week_sums = pd.DataFrame(weeks.values, columns=list(ROOM_DAY_LAYOUT)).assign(row=row_key[weeks.source_row])
    week_sums = week_sums.groupby(["row", "day"], sort=True)[list(SUMS)].sum().reset_index()
    service_sums = pd.DataFrame(totals.values, columns=list(CASE_LAYOUT)).assign(
        row=row_key[totals.source_row], service=service_codes[: len(totals.values)])
    service_sums = service_sums.groupby(["row", "day", "service"], sort=True)[list(CASE_SUMS)].sum().reset_index()
    days = gaps.values[:, 0].astype("int64")
    counts = pd.DataFrame({"row": row_key[gaps.source_row], "day": days - (days + 3) % 7,
                           "service": service_codes[len(totals.values):], "turnover_minutes": gaps.values[:, 2]})
    week_counts = counts.groupby(["row", "day", "turnover_minutes"], sort=True).size().rename("count").reset_index()
    service_counts = counts.groupby(["row", "service", "turnover_minutes"], sort=True).size().rename(
        "count").reset_index()
    local, texts = _local_services(np.r_[service_sums["row"].to_numpy(), service_counts["row"].to_numpy()],
                                   service_names[np.r_[service_sums["service"].to_numpy(),
                                                       service_counts["service"].to_numpy()]])
    service_sums["service"], service_counts["service"] = local[: len(service_sums)], local[len(service_sums):]
    packed = {
        "site_weeks": _packed(week_sums["row"].to_numpy(), week_sums[list(ROOM_DAY_LAYOUT)].to_numpy("float64")),
        "service_totals": _packed(service_sums["row"].to_numpy(), service_sums[list(CASE_LAYOUT)].to_numpy("float64")),
        "week_turnovers": _packed(week_counts["row"].to_numpy(), week_counts[list(WEEK_COUNT_LAYOUT)].to_numpy(
            "float64")),
        "service_turnovers": _packed(service_counts["row"].to_numpy(),
                                     service_counts[list(SERVICE_COUNT_LAYOUT)].to_numpy("float64")),
    }
    return [
        {"site": site_names[key // _ROW_KEY_MONTHS], "month": _row_month(key), "services": texts.get(key, ""),
         **{name: rows.get(key, b"") for name, rows in packed.items()}}
        for key in packed["site_weeks"]
    ]


def _roll_up_sites(connection, months: tuple[date, date], sites: tuple[str, ...] | None) -> None:
    """Recompute the site rows of those months (first days) and sites (None: every site) from their rooms' rows,
    once these are up to date."""
    rooms = read_room_months(connection, months, CaseFilter(start=months[0], end=months[1], sites=sites), WEEKLY)
    replace_site_months(connection, sites, months, _site_rows(rooms))


def _month_batches(connection) -> list[tuple[date, date]]:
    """The whole months from the first case's to the last case's, in ranges of about _BATCH_CASES cases."""
    extent = case_extent(connection)
    if not extent["case_count"]:
        return []
    months = pd.period_range(extent["first_day"], extent["last_day"], freq="M")
    step = max(1, len(months) * _BATCH_CASES // extent["case_count"])
    return [(months[start].start_time.date(), months[min(start + step, len(months)) - 1].end_time.date())
            for start in range(0, len(months), step)]


def rebuild_summary(connection, params: MetricSettings) -> None:
    """Recompute the whole summary from the cases (inside the caller's transaction).

    Months of all rooms at a time: their cases lie together in the table (imported in date order), so each is
    read once, where reading a few rooms at a time would read every page of the table again.
    """
    delete_summary(connection)
    for first, last in _month_batches(connection):
        _insert_rows(connection, params, case_timeline(connection, CaseFilter(start=first, end=last)))
        _roll_up_sites(connection, (first, month_start(last)), None)
    rebuild_running(connection)
    set_summary_fingerprint(connection, fingerprint(params))


class SummaryUpdate:
    """Keeps the summary in step with an import, inside the import's transaction.

    Call `before_upsert` with each chunk before it is written (it notes the months that cases moving to
    another room or month leave) and `finish` once all chunks are written. An import that replaces the cases,
    starts from an empty table or finds a summary built with other settings rebuilds it whole.
    """

    def __init__(self, connection, params: MetricSettings, *, rebuild: bool) -> None:
        self.connection, self.params = connection, params
        self.rebuild = rebuild or summary_fingerprint(connection) != fingerprint(params)
        self.left: list[pd.DataFrame] = []

    def before_upsert(self, chunk: pd.DataFrame) -> None:
        if self.rebuild or chunk.empty:
            return
        stored = stored_room_dates(self.connection, chunk["encounter_id"].tolist())
        incoming = pd.DataFrame({"encounter_id": chunk["encounter_id"].to_numpy(),
                                 "room": np.asarray(room_keys(chunk["site"], chunk["or_suite"]), dtype=object),
                                 "day": chunk["case_date"].to_numpy()})
        moved = stored.merge(incoming, on="encounter_id", suffixes=("", "_new"))
        moved = moved[(moved["room"] != moved["room_new"]) | (pd.to_datetime(moved["day"]) != pd.to_datetime(
            moved["day_new"]))]
        if len(moved):
            self.left.append(moved[["room", "day"]])

    def finish(self, batch_id: int) -> None:
        if self.rebuild:
            rebuild_summary(self.connection, self.params)
            return
        changed = room_date_spans(self.connection, batch_id)
        left = [part.assign(first=part["day"], last=part["day"])[["room", "first", "last"]] for part in self.left]
        spans = pd.concat([changed, *left]) if left else changed
        if spans.empty:
            return
        spans = spans.assign(first=pd.to_datetime(spans["first"]), last=pd.to_datetime(spans["last"]))
        _refresh(self.connection, self.params,
                 spans.groupby("room").agg(first=("first", "min"), last=("last", "max")).reset_index())


def clear_summary(connection, params: MetricSettings) -> None:
    """Empty the summary when every case is deleted (it then matches the empty table)."""
    delete_summary(connection)
    set_summary_fingerprint(connection, fingerprint(params))


def ensure_summary(runtime: Runtime) -> str:
    """Rebuild the summary if it was built with other settings: "current", "rebuilt" or "busy" (lock held)."""
    params = runtime.settings.metrics
    with runtime.db.read() as connection:
        if summary_fingerprint(connection) == fingerprint(params):
            return "current"
    try:
        with job_lock(runtime.db, "import", "data import"):
            with runtime.db.transaction() as connection:
                if summary_fingerprint(connection) != fingerprint(params):
                    rebuild_summary(connection, params)
    except JobAlreadyRunning:
        return "busy"
    return "rebuilt"


def from_summary(runtime: Runtime, read: Callable[..., T]) -> T | None:
    """read(connection) on the summary, rebuilt first if needed; None while another process holds the lock."""
    for attempt in range(2):
        if attempt and ensure_summary(runtime) == "busy":
            return None
        with runtime.db.read() as connection:
            consistent_reads(connection)
            if summary_fingerprint(connection) == fingerprint(runtime.settings.metrics):
                return read(connection)
    return None


def summary_inputs(runtime: Runtime, case_filter: CaseFilter, *, daily: bool) -> MetricInputs | None:
    """The filter's inputs from the summary (see from_summary).

    Unless daily is set, the whole months of a long range come as room-week parts (see read_inputs).
    """
    return from_summary(runtime, lambda connection: read_inputs(connection, case_filter, daily=daily))


def summary_views(runtime: Runtime, case_filter: CaseFilter, *, heatmap: str | None) -> MetricViews | None:
    """The filter's inputs from the summary as per-room and total views (see read_views, from_summary)."""
    return from_summary(runtime, lambda connection: read_views(connection, case_filter, heatmap=heatmap))


_DENSE_COUNT_KEYS = 8_000_000  # key spaces up to this size are counted in one array instead of sorted


def _summed_counts(keys: list[np.ndarray], minutes: np.ndarray, counts: np.ndarray) -> tuple[list[np.ndarray],
                                                                                            np.ndarray, np.ndarray]:
    """Turnover counts summed per distinct keys (whole numbers: codes or day numbers) and minute value: (the keys,
    minutes, counts) of each. Site months hold one count per site, month, service (or week) and minute; every
    percentile asked of them would otherwise sort them all. Whole minutes and a small key space (sites × services
    × minutes, or days × minutes) are counted in one array, without sorting."""
    whole = bool(len(minutes)) and bool(np.all((minutes >= 0) & (minutes < 32_768) & (minutes == np.floor(minutes))))
    distinct_minutes, minute_code = (None, minutes.astype("int64")) if whole else np.unique(minutes,
                                                                                              return_inverse=True)
    parts = [*keys, minute_code.reshape(-1)]
    lowest = [int(part.min()) if len(part) else 0 for part in parts]
    widths = [int(part.max()) - low + 1 if len(part) else 1 for part, low in zip(parts, lowest, strict=True)]
    key = np.zeros(len(minutes), dtype="int64")
    for part, low, width in zip(parts, lowest, widths, strict=True):
        key = key * width + (part.astype("int64") - low)
    if np.prod(widths, dtype="float64") <= _DENSE_COUNT_KEYS:
        every = np.bincount(key, weights=counts, minlength=int(np.prod(widths)))
        combined = np.flatnonzero(every)
        summed = every[combined]
    else:
        combined, row = np.unique(key, return_inverse=True)
        summed = np.bincount(row.reshape(-1), weights=counts, minlength=len(combined))
    decoded = []
    for low, width in zip(reversed(lowest), reversed(widths), strict=True):
        decoded.append(combined % width + low)
        combined = combined // width
    *key_values, minute_values = decoded[::-1]
    if distinct_minutes is not None:
        minute_values = distinct_minutes[minute_values]
    return key_values, minute_values.astype("float64"), summed


def _site_inputs(read: RoomMonths) -> tuple[MetricInputs, pd.DataFrame]:
    """The totals of site rows: per site and week, per site and service, and turnover counts per site, service
    and minute value; and the turnover counts per week and minute value (of every site read)."""
    weeks, totals, week_counts, counts = (read.arrays[name] for name in SITE)
    sites = np.asarray(read.rooms, dtype=object)
    site_codes, site_names = pd.factorize(sites)
    codes, names = _codes(read.services, np.r_[totals.values[:, 1], counts.values[:, 0]],
                          np.r_[totals.source_row, counts.source_row])
    service = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))
    week_days = weeks.values[:, 0].astype("int64")
    (turnover_sites, turnover_services), turnover_minutes, turnover_counts = _summed_counts(
        [site_codes[counts.source_row], codes[len(totals.values):]], counts.values[:, 1], counts.values[:, 2])
    (week_of,), week_minutes, per_week = _summed_counts(
        [week_counts.values[:, 0].astype("int64")], week_counts.values[:, 1], week_counts.values[:, 2])
    return MetricInputs(
        room_days=pd.DataFrame({"site": sites[weeks.source_row], "day": week_days, "week": week_days,
                                "month": read.months[weeks.source_row]}).join(
            pd.DataFrame(weeks.values[:, 1:], columns=list(SUMS))),
        service_days=pd.DataFrame({"site": sites[totals.source_row], "day": totals.values[:, 0].astype("int64"),
                                   "service": service[: len(totals.values)]}).join(
            pd.DataFrame(totals.values[:, 2:], columns=list(CASE_SUMS))),
        turnovers=pd.DataFrame({"site": np.asarray(site_names, dtype=object)[turnover_sites],
                                "service": pd.Categorical.from_codes(turnover_services, categories=service.categories),
                                "turnover_minutes": turnover_minutes, "count": turnover_counts}),
    ), pd.DataFrame({"week": week_of, "turnover_minutes": week_minutes, "count": per_week})


def _room_sums(read: RoomMonths, *, weekly: bool) -> pd.DataFrame:
    """Per room, the room-week parts (weekly) or the month sums (staffed room-days and others) of each room-month
    read, as room_days rows."""
    rooms = np.asarray(read.rooms, dtype=object)
    sums = read.arrays["room_weeks" if weekly else "month_sums"]
    if weekly:
        days, values = sums.values[:, 0].astype("int64"), sums.values[:, 1:]
    else:
        days, values = first_days(read.months[sums.source_row]).astype("int64"), sums.values
    return pd.DataFrame({"room": rooms[sums.source_row], "day": days, "week": days - (days + 3) % 7,
                         "month": read.months[sums.source_row]}).join(pd.DataFrame(values, columns=list(SUMS)))


def _per_room(connection, whole: tuple[date, date], case_filter: CaseFilter, heatmap: str) -> tuple[MetricInputs, str]:
    """Per room over whole months: room_days per week or month, or per year when rooms × months would exceed
    MAX_MONTH_CELLS; turnover counts per minute value from the running totals (no service_days: the per-room
    figures do not read them). Returns the inputs and the heatmap period they are for."""
    span = running_span(connection, whole, case_filter.sites)
    months = months_spanned(*whole)
    if heatmap == "month" and len(span.rooms) * months > MAX_MONTH_CELLS:
        heatmap = "year"
    if heatmap == "year":
        room_days = year_room_days(connection, whole, case_filter.sites, span)
    else:
        columns = {"room_weeks": len(ROOM_DAY_LAYOUT)} if heatmap == "week" else {"month_sums": len(SUMS)}
        room_days = _room_sums(read_room_months(connection, whole, case_filter, columns), weekly=heatmap == "week")
    return MetricInputs(room_days=room_days, service_days=pd.DataFrame({"room": np.empty(0, dtype=object)}),
                        turnovers=span.turnovers), heatmap


def _with_sites(inputs: MetricInputs) -> MetricInputs:
    """Inputs keyed by room with each row's site added (so they can join the site rows' totals)."""
    return MetricInputs(*(frame.assign(site=np.asarray(room_sites(frame["room"]), dtype=object))
                          for frame in (inputs.room_days, inputs.service_days, inputs.turnovers)))


def _joined(parts: list[MetricInputs]) -> MetricInputs:
    return MetricInputs(*(pd.concat([getattr(part, name) for part in parts], ignore_index=True)
                          for name in ("room_days", "service_days", "turnovers")))


def read_views(connection, case_filter: CaseFilter, *, heatmap: str | None) -> MetricViews:
    """A long range of every room of the filter's sites and every service, from the summary (built with current
    settings), in rows per site and month for the totals and from each room's running totals for the per-room
    figures.

    Whole months: totals (overall, per site, week and service; the weeks' turnovers apart) from metric_site_months;
    per room (heatmap "week": room-week parts, "month": month sums, or year sums where rooms × months exceed
    MAX_MONTH_CELLS; None: no per-room view) with turnover counts per minute value (see _per_room). The cut
    months at either end: their room-days, as read_inputs gives them, in both views. The views' `heatmap` says
    the period the per-room rows are for.
    """
    edges, whole = [], None
    for (first, last), is_whole in _month_reads(case_filter):
        if is_whole:
            whole = (first, last)
            continue
        cut = CaseFilter(start=max(case_filter.start, first), end=min(case_filter.end, add_months(last, 1) - timedelta(
            days=1)), sites=case_filter.sites)
        edges.append(read_inputs(connection, cut, daily=True))
    edge_turnovers = [MetricInputs(edge.room_days, edge.service_days, edge.turnovers.assign(count=1.0))
                      for edge in edges]
    totals, per_room = [_with_sites(edge) for edge in edge_turnovers], list(edge_turnovers)
    week_turnovers = [part.turnovers for part in totals]
    if whole is not None:
        site_totals, site_week_turnovers = _site_inputs(read_site_months(connection, whole, case_filter.sites, SITE))
        totals.append(site_totals)
        week_turnovers.append(site_week_turnovers)
        if heatmap is not None:
            whole_rooms, heatmap = _per_room(connection, whole, case_filter, heatmap)
            per_room.append(whole_rooms)
    return MetricViews(per_room=_joined(per_room) if heatmap is not None else None, totals=_joined(totals),
                       week_turnovers=pd.concat(week_turnovers, ignore_index=True), heatmap=heatmap)


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _codes(names_per_row: list[str], local: np.ndarray, source_row: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Row-local service indexes as codes into one list of service names (returned too)."""
    codes: dict[str, int] = {}
    translations: dict[str, np.ndarray] = {}
    for text in set(names_per_row):
        names = text.split(SERVICE_SEPARATOR) if text else []
        translations[text] = np.array([codes.setdefault(name, len(codes)) for name in names], dtype="int64")
    lengths = np.array([len(translations[text]) for text in names_per_row], dtype="int64")
    flat = np.concatenate([translations[text] for text in names_per_row] or [np.empty(0, "int64")])
    offsets = np.cumsum(lengths) - lengths
    return flat[offsets[source_row] + local.astype("int64")], list(codes)


def _month_reads(case_filter: CaseFilter) -> list[tuple[tuple[date, date], bool]]:
    """(first and last month, whether they are whole) covering the filter: its whole months, then the cut ones."""
    first, last = month_start(case_filter.start), month_start(case_filter.end)
    inner_first = first if case_filter.start == first else add_months(first, 1)
    inner_last = last if case_filter.end == add_months(last, 1) - timedelta(days=1) else add_months(last, -1)
    if inner_first > inner_last:
        return [((first, last), False)]
    reads = [((inner_first, inner_last), True)]
    if first < inner_first:
        reads.append(((first, first), False))
    if inner_last < last:
        reads.append(((last, last), False))
    return reads


def _reads(case_filter: CaseFilter, *, daily: bool) -> list[tuple[tuple[date, date], dict[str, int]]]:
    """(first and last month, arrays to read) covering the filter: whole months of a long range summed per
    week, unless room-days are asked for (daily) or a service filter needs each room-day's services."""
    if daily or case_filter.services is not None:
        return [((month_start(case_filter.start), month_start(case_filter.end)), DAILY)]
    return [(months, WEEKLY if whole else DAILY) for months, whole in _month_reads(case_filter)]


def _service_sums(connection, case_filter: CaseFilter, months: tuple[date, date], whole: bool) -> pd.DataFrame:
    """SERVICE_SUMS per service of the filter's rooms and services in those months (whole, or cut to its days);
    whole months of every room from the site rows."""
    name = "service_totals" if whole else "case_sums"
    if whole and case_filter.rooms is None:
        read = read_site_months(connection, months, case_filter.sites, {name: len(CASE_LAYOUT)})
    else:
        read = read_room_months(connection, months, case_filter, {name: len(CASE_LAYOUT)})
    services, values, source_row = read.services, read.arrays[name].values, read.arrays[name].source_row
    if not whole:
        day = values[:, 0]
        keep = (day >= _day_number(case_filter.start)) & (day <= _day_number(case_filter.end))
        values, source_row = values[keep], source_row[keep]
    codes, names = _codes(services, values[:, 1], source_row)
    columns = [CASE_LAYOUT.index(column) for column in SERVICE_SUMS]
    sums = np.stack([np.bincount(codes, values[:, column], len(names)) for column in columns], axis=1)
    return pd.DataFrame(sums, index=pd.Index(names, dtype=object), columns=list(SERVICE_SUMS))


def service_totals(connection, case_filter: CaseFilter) -> list[dict]:
    """analytics_queries.service_totals from the summary (built with current settings), most in-room minutes first."""
    sums = pd.concat([_service_sums(connection, case_filter, *read) for read in _month_reads(case_filter)])
    sums = sums.groupby(level=0).sum()
    if case_filter.services is not None:
        sums = sums[sums.index.isin(case_filter.services)]
    sums = sums[sums["cases"] > 0]
    return [
        {"service": service, "cases": int(cases), "mean_booked_minutes": booked / cases,
         "mean_in_room_minutes": in_room / cases, "total_in_room_minutes": in_room}
        for service, (cases, booked, in_room) in sorted(
            zip(sums.index, sums.itertuples(index=False, name=None), strict=True),
            key=lambda item: (-item[1][2], item[0]),
        )
    ]


def _concatenated(parts: list[tuple[RoomMonths, bool]]) -> tuple:
    """One (rooms, months, services, arrays under the daily names, whether to filter each array row by day) of
    the reads."""
    rooms: list[str] = []
    months: list[np.ndarray] = []
    services: list[str] = []
    arrays: dict[str, list[Unpacked]] = {name: [] for name in DAILY}
    by_day: dict[str, list[np.ndarray]] = {name: [] for name in DAILY}
    for read, daily in parts:
        offset = len(rooms)
        rooms += read.rooms
        months.append(read.months)
        services += read.services
        for name, unpacked in zip(DAILY, read.arrays.values(), strict=True):
            arrays[name].append(Unpacked(unpacked.values, unpacked.source_row + offset))
            by_day[name].append(np.full(len(unpacked.source_row), daily))
    return rooms, np.concatenate(months), services, {
        name: (
            Unpacked(np.concatenate([u.values for u in parts_of]), np.concatenate([u.source_row for u in parts_of])),
            np.concatenate(by_day[name]),
        )
        for name, parts_of in arrays.items()
    }


def read_inputs(connection, case_filter: CaseFilter, *, daily: bool) -> MetricInputs:
    """The filter's inputs from the summary (built with current settings).

    Unless daily is set, the whole months of a long range come as room-week parts (see MetricInputs).
    """
    first, last = _day_number(case_filter.start), _day_number(case_filter.end)
    rooms, row_months, services, arrays = _concatenated([
        (read_room_months(connection, months, case_filter, widths), widths is DAILY)
        for months, widths in _reads(case_filter, daily=daily)
    ])
    room_codes, room_names = pd.factorize(np.array(rooms, dtype=object), sort=True)

    def selected(name: str) -> tuple[np.ndarray, np.ndarray, pd.Categorical | None]:
        """(rows, the summary row each came from, services) of the filter's days and services."""
        (values, source_row), by_day = (arrays[name][0].values, arrays[name][0].source_row), arrays[name][1]
        keep = ~by_day | ((values[:, 0] >= first) & (values[:, 0] <= last))
        if name == "room_days":
            return values[keep], source_row[keep], None
        codes, names = _codes(services, values[:, 1], source_row)
        service = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))
        if case_filter.services is not None:
            keep &= service.isin(case_filter.services)
        return values[keep], source_row[keep], service[keep]

    room_days, room_day_source, _ = selected("room_days")
    room_day_rooms = room_codes[room_day_source]
    # A room-week part's month is its summary row's (its `day`, the Monday, may lie in the month before).
    room_day_months = row_months[room_day_source]
    case_sums, case_source, case_services = selected("case_sums")
    gaps, gap_source, gap_services = selected("turnovers")
    case_rooms, gap_rooms = room_codes[case_source], room_codes[gap_source]
    assert gap_services is not None, "every table but room_days carries a service"
    if case_filter.services is not None:  # read by day (see _reads), so each row's month is its day's
        room_days, room_day_rooms = _with_service_sums(room_days, room_day_rooms, case_sums, case_rooms)
        room_day_months = months_of(room_days[:, 0].astype("int64"))
    if len(room_days) > 1 and not _in_order(room_day_rooms, room_days[:, 0]):
        order = np.lexsort((room_days[:, 0], room_day_rooms))
        room_days, room_day_rooms, room_day_months = room_days[order], room_day_rooms[order], room_day_months[order]
    by_gap = value_order(gaps[:, 2])
    categories = pd.Index(room_names, dtype=object)

    def keys(rooms: np.ndarray, days: np.ndarray, **more) -> pd.DataFrame:
        days = days.astype("int64")
        return pd.DataFrame({"room": pd.Categorical.from_codes(rooms, categories=categories), "day": days,
                             "week": days - (days + 3) % 7, **more})

    return MetricInputs(
        room_days=keys(room_day_rooms, room_days[:, 0], month=room_day_months).join(
            pd.DataFrame(room_days[:, 1:], columns=list(SUMS))),
        service_days=keys(case_rooms, case_sums[:, 0], service=case_services).join(
            pd.DataFrame(case_sums[:, 2:], columns=list(CASE_SUMS))
        ),
        turnovers=keys(gap_rooms[by_gap], gaps[by_gap, 0], service=gap_services[by_gap],
                       turnover_minutes=gaps[by_gap, 2]),
    )


def _in_order(rooms: np.ndarray, days: np.ndarray) -> bool:
    """Are the rows sorted by room code, then day?"""
    return bool(np.all((rooms[1:] > rooms[:-1]) | ((rooms[1:] == rooms[:-1]) & (days[1:] >= days[:-1]))))


def _with_service_sums(
    room_days: np.ndarray, rooms: np.ndarray, case_sums: np.ndarray, case_rooms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Room-days in which the selected services had cases, with those services' case sums instead of all cases'."""
    def key(room: np.ndarray, day: np.ndarray) -> np.ndarray:
        return room.astype("int64") << 32 | day.astype("int64")

    case_key = key(case_rooms, case_sums[:, 0])
    order = np.argsort(case_key, kind="stable")
    starts = np.flatnonzero(np.r_[True, case_key[order][1:] != case_key[order][:-1]]) if len(order) else order
    if not len(starts):
        return room_days[:0], rooms[:0]
    used_keys = case_key[order][starts]
    room_day_key = key(rooms, room_days[:, 0])
    position = np.minimum(np.searchsorted(used_keys, room_day_key), len(used_keys) - 1)
    used = used_keys[position] == room_day_key
    result = room_days[used].copy()
    result[:, 1 + len(SUMS) - len(CASE_SUMS):] = np.add.reduceat(case_sums[order][:, 2:], starts)[position[used]]
    return result, rooms[used]
