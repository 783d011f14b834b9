"""The OR metric summary: room-day sums and turnovers kept per room and month, so figures need not read cases.

Every import and clear updates it in its own transaction (a crash leaves cases and summary consistent). Its
rows are computed by the same vectorised code as the direct computation (metric_calc), for whole months of a
room, so they are exact: sums, counts and the turnover gaps themselves (percentiles are taken from the gaps).
The contributions depend on the metric settings, so the summary records a fingerprint of the settings it was
built with; a process whose settings differ rebuilds it (under the import lock) or, if it cannot take the
lock, computes from the cases.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optior.config import MetricSettings
from optior.db.case_filter import CaseFilter
from optior.db.locks import job_lock
from optior.db.metric_queries import case_timeline
from optior.db.metric_summary import (
    Unpacked,
    consistent_reads,
    delete_summary,
    insert_summary,
    month_start,
    pack,
    read_room_months,
    room_date_spans,
    set_summary_fingerprint,
    stored_room_dates,
    summary_fingerprint,
)
from optior.errors import JobAlreadyRunning
from optior.services.metric_calc import (
    CASE_SUMS,
    SUMS,
    MetricInputs,
    case_contributions,
    inputs_from_contributions,
    value_order,
)
from optior.services.runtime import Runtime

# Stored array layouts; a change here must change LAYOUT so that existing summaries are rebuilt.
# `service` is an index into the row's `services` list. room_weeks has one row per week and staffed or not (its
# `day` is the week's Monday), service_totals one per service (its `day` is the month's first day), so they have
# the widths of room_days and case_sums and are read in their place for the whole months of a long range.
ROOM_DAY_LAYOUT = ("day", *SUMS)  # case sums of all services
CASE_LAYOUT = ("day", "service", *CASE_SUMS)
TURNOVER_LAYOUT = ("day", "service", "turnover_minutes")
DAILY = {"room_days": len(ROOM_DAY_LAYOUT), "case_sums": len(CASE_LAYOUT), "turnovers": len(TURNOVER_LAYOUT)}
WEEKLY = {"room_weeks": len(ROOM_DAY_LAYOUT), "service_totals": len(CASE_LAYOUT), "turnovers": len(TURNOVER_LAYOUT)}
SERVICE_SEPARATOR = "\x1f"
LAYOUT = 1


def fingerprint(params: MetricSettings) -> str:
    """The settings (and storage layout) a summary's contributions depend on, as text."""
    return json.dumps({"layout": LAYOUT, **asdict(params)}, default=str, sort_keys=True)


def _months(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as months since 1970-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("int64")


def _first_days(months: np.ndarray) -> np.ndarray:
    """Months since 1970-01 as their first day (datetime64[D])."""
    return months.astype("datetime64[M]").astype("datetime64[D]")


def _packed(key: np.ndarray, values: np.ndarray) -> dict[int, bytes]:
    """Rows grouped by key (equal keys adjacent) packed per key."""
    if not len(key):
        return {}
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    data, width = pack(values), 8 * values.shape[1]
    return {int(key[start]): data[start * width : end * width] for start, end in zip(starts, ends, strict=True)}


def _by_month(frame: pd.DataFrame, layout: tuple[str, ...]) -> dict[int, bytes]:
    """Packed rows per month (months since 1970-01) of rows in day order."""
    return _packed(_months(frame["day"].to_numpy()), frame[list(layout)].to_numpy("float64"))


def _summed_by_month(
    frame: pd.DataFrame, keys: list[str], sums: tuple[str, ...], layout: tuple[str, ...]
) -> dict[int, bytes]:
    """Sums of frame per month and keys, packed per month (the keys' first one becomes the `day` column)."""
    month = frame.assign(month=_months(frame["day"].to_numpy()))
    totals = month.groupby(["month", *keys], sort=True)[list(sums)].sum().reset_index()
    values = totals.rename(columns={keys[0]: "day"})[list(layout)].to_numpy("float64")
    return _packed(totals["month"].to_numpy(), values)


def _summary_rows(room: str, inputs: MetricInputs) -> list[dict]:
    """Rows for the summary table from one room's inputs over whole months (rows in day order)."""
    codes, services = pd.factorize(inputs.service_days["service"])
    service_days = inputs.service_days.assign(service=codes)
    turnovers = inputs.turnovers.assign(service=pd.Index(services).get_indexer(inputs.turnovers["service"]))
    room_days = _by_month(inputs.room_days, ROOM_DAY_LAYOUT)
    case_sums, gaps = _by_month(service_days, CASE_LAYOUT), _by_month(turnovers, TURNOVER_LAYOUT)
    staffed = inputs.room_days.assign(staffed=inputs.room_days["staffed_room_days"] > 0)
    room_weeks = _summed_by_month(staffed, ["week", "staffed"], SUMS, ROOM_DAY_LAYOUT)
    first_days = service_days.assign(first=_first_days(_months(service_days["day"].to_numpy())).astype("int64"))
    service_totals = _summed_by_month(first_days, ["first", "service"], CASE_SUMS, CASE_LAYOUT)
    names = SERVICE_SEPARATOR.join(str(name) for name in services)
    return [
        {"or_suite": room, "month": _first_days(np.array(month)).item(), "services": names,
         "room_days": data, "case_sums": case_sums.get(month, b""), "turnovers": gaps.get(month, b""),
         "room_weeks": room_weeks[month], "service_totals": service_totals.get(month, b"")}
        for month, data in room_days.items()
    ]


def _refresh_room(connection, params: MetricSettings, room: str, first: date, last: date) -> None:
    """Recompute one room's summary rows for the whole months from first to last."""
    first = month_start(first)
    last = (pd.Timestamp(month_start(last)) + pd.offsets.MonthEnd(0)).date()
    delete_summary(connection, room, first, month_start(last))
    timeline = case_timeline(connection, CaseFilter(start=first, end=last, rooms=(room,)))
    if timeline.empty:
        return
    inputs = inputs_from_contributions(case_contributions(timeline, params))
    insert_summary(connection, _summary_rows(room, inputs))


def rebuild_summary(connection, params: MetricSettings) -> None:
    """Recompute the whole summary from the cases (inside the caller's transaction)."""
    delete_summary(connection)
    for room, first, last in room_date_spans(connection).itertuples(index=False, name=None):
        _refresh_room(connection, params, room, first, last)
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
        incoming = chunk[["encounter_id", "or_suite", "case_date"]].set_axis(["encounter_id", "room", "day"], axis=1)
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
        for room, row in spans.groupby("room").agg(first=("first", "min"), last=("last", "max")).iterrows():
            _refresh_room(self.connection, self.params, str(room), row["first"].date(), row["last"].date())


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


def summary_inputs(runtime: Runtime, case_filter: CaseFilter, *, daily: bool) -> MetricInputs | None:
    """The filter's inputs from the summary, rebuilt first if needed; None while another process holds the lock.

    Unless daily is set, the whole months of a long range come as room-week parts (see read_inputs).
    """
    for attempt in range(2):
        if attempt and ensure_summary(runtime) == "busy":
            return None
        with runtime.db.read() as connection:
            consistent_reads(connection)
            if summary_fingerprint(connection) == fingerprint(runtime.settings.metrics):
                return read_inputs(connection, case_filter, daily=daily)
    return None


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


def _next_month(day: date, step: int) -> date:
    return (pd.Timestamp(day) + pd.DateOffset(months=step)).date()


def _reads(case_filter: CaseFilter, *, daily: bool) -> list[tuple[tuple[date, date], dict[str, int]]]:
    """(first and last month, arrays to read) covering the filter: whole months of a long range summed per
    week, unless room-days are asked for (daily) or a service filter needs each room-day's services."""
    first, last = month_start(case_filter.start), month_start(case_filter.end)
    inner_first = first if case_filter.start == first else _next_month(first, 1)
    inner_last = last if case_filter.end == _next_month(last, 1) - timedelta(days=1) else _next_month(last, -1)
    if daily or case_filter.services is not None or inner_first > inner_last:
        return [((first, last), DAILY)]
    reads = [((inner_first, inner_last), WEEKLY)]
    if first < inner_first:
        reads.append(((first, first), DAILY))
    if inner_last < last:
        reads.append(((last, last), DAILY))
    return reads


def _concatenated(parts: list[tuple[list[str], list[str], dict[str, Unpacked], bool]]) -> tuple:
    """One (rooms, services, arrays under the daily names, whether to filter each array row by day) of the reads."""
    rooms, services, arrays, by_day = [], [], {name: [] for name in DAILY}, {name: [] for name in DAILY}
    for part_rooms, part_services, part_arrays, daily in parts:
        offset = len(rooms)
        rooms += part_rooms
        services += part_services
        for name, unpacked in zip(DAILY, part_arrays.values(), strict=True):
            arrays[name].append(Unpacked(unpacked.values, unpacked.source_row + offset))
            by_day[name].append(np.full(len(unpacked.source_row), daily))
    return rooms, services, {
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
    rooms, services, arrays = _concatenated([
        (*read_room_months(connection, months, case_filter.rooms, widths), widths is DAILY)
        for months, widths in _reads(case_filter, daily=daily)
    ])
    room_codes, room_names = pd.factorize(np.array(rooms, dtype=object), sort=True)

    def selected(name: str) -> tuple[np.ndarray, np.ndarray, pd.Categorical | None]:
        """(rows, room codes, services) of the filter's days and services."""
        (values, source_row), by_day = (arrays[name][0].values, arrays[name][0].source_row), arrays[name][1]
        keep = ~by_day | ((values[:, 0] >= first) & (values[:, 0] <= last))
        if name == "room_days":
            return values[keep], room_codes[source_row[keep]], None
        codes, names = _codes(services, values[:, 1], source_row)
        service = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))
        if case_filter.services is not None:
            keep &= service.isin(case_filter.services)
        return values[keep], room_codes[source_row[keep]], service[keep]

    room_days, room_day_rooms, _ = selected("room_days")
    case_sums, case_rooms, case_services = selected("case_sums")
    gaps, gap_rooms, gap_services = selected("turnovers")
    if case_filter.services is not None:
        room_days, room_day_rooms = _with_service_sums(room_days, room_day_rooms, case_sums, case_rooms)
    if len(room_days) > 1 and not _in_order(room_day_rooms, room_days[:, 0]):
        order = np.lexsort((room_days[:, 0], room_day_rooms))
        room_days, room_day_rooms = room_days[order], room_day_rooms[order]
    by_gap = value_order(gaps[:, 2])
    categories = pd.Index(room_names, dtype=object)

    def keys(rooms: np.ndarray, days: np.ndarray, **more) -> pd.DataFrame:
        days = days.astype("int64")
        return pd.DataFrame({"room": pd.Categorical.from_codes(rooms, categories=categories), "day": days,
                             "week": days - (days + 3) % 7, **more})

    return MetricInputs(
        room_days=keys(room_day_rooms, room_days[:, 0]).join(pd.DataFrame(room_days[:, 1:], columns=list(SUMS))),
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
