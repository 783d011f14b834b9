"""Generate realistic, deterministic OR case histories in the public utilization CSV format.

Cases are made in blocks of weekdays and written block by block, so memory stays at about half a gigabyte
however many cases are asked for (470 MB at 1M and 3M, 540 MB at 10M).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from optior.errors import InvalidInput
from optior.ingest.catalog import SERVICES, SITE_NAMES, SURGEON_SURNAMES

DEFAULT_ROOMS = 9
# Room-days drawn at once: about 170,000 cases, the most the generator holds whatever the history's size.
BLOCK_ROOM_DAYS = 40_000
MAX_CASES_PER_ROOM_DAY = 12
FIRST_CASE_MINUTE = 7 * 60 + 30
LAST_BOOKABLE_END_MINUTE = 17 * 60 + 15
PLANNED_TURNOVER_MINUTES = 30
PUBLIC_DATE = "%m/%d/%y"
PUBLIC_TIMESTAMP = "%m/%d/%y %I:%M %p"
ACTUAL_TIME_HEADERS = ["Wheels In", "Start Time", "End Time", "Wheels Out"]


def _build_catalog(rng: np.random.Generator) -> dict[str, np.ndarray | list]:
    """Flatten services into arrays and draw each service's surgeons with their habits."""
    services = list(SERVICES)
    codes, descriptions, medians, proc_service = [], [], [], []
    for index, service in enumerate(services):
        for procedure in SERVICES[service]:
            codes.append(procedure.cpt_code)
            descriptions.append(procedure.description)
            medians.append(procedure.median_in_room_minutes)
            proc_service.append(index)
    surnames = iter(SURGEON_SURNAMES)
    surgeon_names, surgeon_service = [], []
    for index in range(len(services)):
        for _ in range(int(rng.integers(3, 5))):
            surname = next(surnames)
            surgeon_names.append(f"Dr. {chr(65 + int(rng.integers(0, 26)))}. {surname}")
            surgeon_service.append(index)
    n_surgeons = len(surgeon_names)
    return {
        "services": services,
        "codes": np.array(codes),
        "descriptions": np.array(descriptions),
        "medians": np.array(medians, dtype=float),
        "proc_service": np.array(proc_service),
        "surgeon_names": np.array(surgeon_names),
        "surgeon_service": np.array(surgeon_service),
        # Some surgeons are quicker than others, and each books with a personal bias.
        "surgeon_speed": rng.lognormal(0.0, 0.15, n_surgeons),
        "surgeon_booking_bias": rng.choice([0.82, 0.9, 1.0, 1.08, 1.18], n_surgeons),
    }


def _choose_per_row(rng: np.random.Generator, groups: np.ndarray, members: np.ndarray) -> np.ndarray:
    """For each entry of `groups`, pick a random index i with members[i] == that group."""
    order = np.argsort(members, kind="stable")
    sorted_members = members[order]
    first = np.searchsorted(sorted_members, groups, side="left")
    last = np.searchsorted(sorted_members, groups, side="right")
    offsets = np.floor(rng.random(len(groups)) * (last - first)).astype(int)
    return order[first + offsets]


@dataclass(frozen=True)
class _Hospital:
    """What stays fixed over the whole history: the catalog, and each room's site, number and habits."""

    catalog: dict
    site_names: list[str]
    room_site: np.ndarray  # per room: its site's index into site_names
    room_number: np.ndarray  # per room: its number within its site, from 1
    primary_service: np.ndarray
    speed: np.ndarray

    @property
    def rooms(self) -> int:
        return len(self.room_site)


def _site_sizes(rooms: int, sites: int) -> list[int]:
    """Rooms per site: as even as the total allows, the larger sites first (114 over 6 is 19 each)."""
    if not 1 <= sites <= len(SITE_NAMES):
        raise InvalidInput(f"sites must be a whole number from 1 to {len(SITE_NAMES)}.", {"field": "sites"})
    if rooms < sites:
        raise InvalidInput(f"{rooms} rooms cannot be spread over {sites} sites: give each site a room at least.",
                           {"field": "rooms"})
    return [rooms // sites + (1 if site < rooms % sites else 0) for site in range(sites)]


def _hospital(rng: np.random.Generator, rooms: int, sites: int) -> _Hospital:
    catalog = _build_catalog(rng)
    sizes = _site_sizes(rooms, sites)
    return _Hospital(
        catalog=catalog,
        site_names=SITE_NAMES[:sites] if sites > 1 else [],
        room_site=np.repeat(np.arange(sites), sizes),
        room_number=np.concatenate([np.arange(1, size + 1) for size in sizes]),
        primary_service=rng.integers(0, len(catalog["services"]), rooms),
        speed=rng.lognormal(0.0, 0.04, rooms),
    )


def _block_cases(rng: np.random.Generator, hospital: _Hospital, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Every room's cases on `days`, ordered by day, room and scheduled time; times as datetime64 minutes.

    The schedule is made in advance from the bookings alone (back-to-back slots with a planned turnover), as a
    real OR schedule is; what actually happened never moves it.
    """
    catalog, rooms, n_days = hospital.catalog, hospital.rooms, len(days)
    n_services = len(catalog["services"])
    day_index = np.repeat(np.arange(n_days), rooms)
    room_index = np.tile(np.arange(rooms), n_days)
    open_room = rng.random(len(day_index)) > 0.06
    day_index, room_index = day_index[open_room], room_index[open_room]
    n_room_days = len(day_index)
    block_service = np.where(
        rng.random(n_room_days) < 0.7,
        hospital.primary_service[room_index],
        rng.integers(0, n_services, n_room_days),
    )

    k = MAX_CASES_PER_ROOM_DAY
    slot_service = np.repeat(block_service, k)
    procedure = _choose_per_row(rng, slot_service, catalog["proc_service"]).reshape(n_room_days, k)
    # One surgeon runs the whole block.
    surgeon = _choose_per_row(rng, block_service, catalog["surgeon_service"])
    surgeon_2d = np.repeat(surgeon[:, None], k, axis=1)

    median = catalog["medians"][procedure]
    speed = catalog["surgeon_speed"][surgeon_2d] * hospital.speed[room_index][:, None]
    actual = median * speed * rng.lognormal(0.0, 0.2, (n_room_days, k))
    actual = np.clip(actual, 12, 16 * 60)
    guess = median * catalog["surgeon_booking_bias"][surgeon_2d] * np.sqrt(speed)
    booked = np.maximum(15, np.round(guess * rng.lognormal(0.0, 0.08, guess.shape) / 15) * 15)

    # The plan: back-to-back bookings with a planned turnover, while they end by late afternoon.
    planned_gap = booked + PLANNED_TURNOVER_MINUTES
    scheduled = FIRST_CASE_MINUTE + np.concatenate(
        [np.zeros((n_room_days, 1)), np.cumsum(planned_gap, axis=1)[:, :-1]], axis=1
    )
    scheduled = np.round(scheduled / 5) * 5
    keep = (scheduled + booked <= LAST_BOOKABLE_END_MINUTE) | (np.arange(k)[None, :] == 0)

    # What happened: late first starts, turnovers of 15-45 minutes, the odd long delay.
    wheels_in = np.empty_like(scheduled)
    late_first = np.where(rng.random(n_room_days) < 0.35, rng.gamma(2.0, 7.0, n_room_days), 0.0)
    wheels_in[:, 0] = scheduled[:, 0] + np.round(late_first - rng.uniform(0, 5, n_room_days))
    turnover = np.round(np.clip(15 + rng.gamma(2.0, 6.0, (n_room_days, k)), 15, 45))
    delay = np.where(rng.random((n_room_days, k)) < 0.04, rng.uniform(30, 120, (n_room_days, k)), 0)
    actual = np.round(actual)
    for slot in range(1, k):
        ready = wheels_in[:, slot - 1] + actual[:, slot - 1] + turnover[:, slot] + np.round(delay[:, slot])
        wheels_in[:, slot] = np.maximum(ready, scheduled[:, slot] - 15)
    prep = np.round(np.minimum(rng.uniform(8, 30, actual.shape), actual * 0.3))
    closing = np.round(np.minimum(rng.uniform(4, 18, actual.shape), actual * 0.2))

    rows, slots = np.nonzero(keep)
    day_stamp = days[day_index[rows]].values.astype("datetime64[m]")

    def stamp(minutes: np.ndarray) -> np.ndarray:
        return day_stamp + minutes[rows, slots].astype("int64").astype("timedelta64[m]")

    frame = pd.DataFrame(
        {
            "day": days[day_index[rows]],
            "room": room_index[rows],
            "scheduled": stamp(scheduled),
            "wheels_in": stamp(wheels_in),
            "start": stamp(wheels_in + prep),
            "end": stamp(wheels_in + actual - closing),
            "wheels_out": stamp(wheels_in + actual),
            "procedure": procedure[rows, slots],
            "surgeon": surgeon_2d[rows, slots],
            "booked": booked[rows, slots].astype(int),
        }
    )
    return frame.sort_values(["day", "room", "scheduled"], kind="stable", ignore_index=True)


def _blocks(seed: int, n_cases: int, start: date, rooms: int, sites: int, upcoming_days: int,
            block_room_days: int) -> Iterator[tuple[_Hospital, pd.DataFrame]]:
    """The history's cases, block of weekdays after block, without end (the caller stops when it has enough).

    A history that fits in `block_room_days` room-days is one block of as many weekdays as it needs (with a
    margin), drawn from the seed's generator as a whole. A larger one comes in blocks of a fixed number of
    weekdays, each drawn from its own generator derived from the seed and the block's number, so a block's
    cases depend on neither the size of the history nor on how many blocks are held at once.
    """
    rng = np.random.default_rng(seed)
    hospital = _hospital(rng, rooms, sites)
    # Roughly 4.4 cases per open room-day; plan on 3.6 with a margin of two extra days.
    needed_days = int(np.ceil(n_cases / (rooms * 4.0 * 0.9))) + 2 + upcoming_days
    block_days = needed_days if needed_days * rooms <= block_room_days else max(1, block_room_days // rooms)
    first_day = pd.bdate_range(start=pd.Timestamp(start), periods=1)[0]
    for block in itertools.count():
        if block:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
        days = pd.bdate_range(start=first_day + pd.offsets.BDay(block * block_days), periods=block_days)
        yield hospital, _block_cases(rng, hospital, days)


@dataclass(frozen=True)
class _Chunk:
    """Consecutive cases in the public format; last_completed_day is None for scheduled ones."""

    cases: pd.DataFrame
    last_completed_day: date | None


def _chunks(n_cases: int, *, seed: int, start: date, rooms: int, sites: int, upcoming_days: int,
            block_room_days: int) -> Iterator[_Chunk]:
    """n_cases completed cases, then every case of the `upcoming_days` weekdays after the last one as scheduled."""
    if n_cases <= 0:
        raise ValueError("n_cases must be positive")
    if upcoming_days < 0:
        raise ValueError("upcoming_days must not be negative")
    remaining, days_left, written = n_cases, upcoming_days, 0
    for hospital, frame in _blocks(seed, n_cases, start, rooms, sites, upcoming_days, block_room_days):
        if remaining:
            completed = frame.head(remaining)
            remaining -= len(completed)
            last = completed["day"].iloc[-1]
            yield _Chunk(_to_public_format(completed, hospital, written, completed=True), last.date())
            written += len(completed)
            if remaining:
                continue
            frame = frame[frame["day"] > last]
        if not days_left:
            return
        later_days = frame["day"].drop_duplicates().head(days_left)
        days_left -= len(later_days)
        scheduled = frame[frame["day"].isin(later_days)]
        if scheduled.empty:
            continue
        yield _Chunk(_to_public_format(scheduled, hospital, written, completed=False), None)
        written += len(scheduled)
        if not days_left:
            return


def generate_cases(
    n_cases: int, *, seed: int = 42, start: date = date(2026, 7, 1), rooms: int = DEFAULT_ROOMS, sites: int = 1,
    upcoming_days: int = 0, block_room_days: int = BLOCK_ROOM_DAYS,
) -> pd.DataFrame:
    """Return n_cases completed cases in the public CSV's columns (plus Surgeon), ordered by day, site, room and
    time, followed by the cases of `upcoming_days` more weekdays as scheduled: booked, without actual times.

    `rooms` is the health system's total, spread over `sites` named hospitals; with more than one site a Site
    column follows the Date, and each site numbers its rooms from 1. Everything is held in memory: for large
    histories write them with write_cases_csv, which keeps only one block at a time.
    """
    chunks = list(_chunks(n_cases, seed=seed, start=start, rooms=rooms, sites=sites, upcoming_days=upcoming_days,
                          block_room_days=block_room_days))
    public = pd.concat([chunk.cases for chunk in chunks], ignore_index=True)
    # the CSV's dates have 2-digit years, so the last completed day is kept as a date beside them
    public.attrs["last_completed_day"] = max(c.last_completed_day for c in chunks if c.last_completed_day)
    return public


def check_not_after(last: date, *, start: date, rooms: int, today: date) -> None:
    """Refuse completed cases dated after today, saying which start (exactly) or room count (about) fits."""
    if last <= today:
        return
    late_weekdays = int(np.busday_count(today + timedelta(days=1), last + timedelta(days=1)))
    fitting_start = pd.Timestamp(start) - pd.offsets.BDay(late_weekdays)
    span = int(np.busday_count(start, last + timedelta(days=1)))
    available = int(np.busday_count(start, today + timedelta(days=1)))
    rooms_text = (f", or about {int(np.ceil(rooms * span / available))} rooms instead of {rooms}"
                  if available > 0 else "")
    raise InvalidInput(
        f"These cases would run to {last.isoformat()}, after today ({today.isoformat()}): completed cases cannot "
        f"be in the future. Start on or before {fitting_start.date().isoformat()}{rooms_text}.",
        {"field": "start", "last_day": last.isoformat(), "fitting_start": fitting_start.date().isoformat()},
    )


def _text_lookup(values: np.ndarray, fmt: str) -> np.ndarray:
    """values (datetime64) formatted with fmt, each distinct value formatted once (strftime is slow per row)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return pd.DatetimeIndex(distinct).strftime(fmt).to_numpy(dtype=object)[inverse]


# Every minute of a day as the public format writes its time of day (" 07:30 AM"), to append to a date.
_CLOCK_TEXT = pd.date_range("2000-01-01", periods=24 * 60, freq="min").strftime(" %I:%M %p").to_numpy(dtype=object)


def _timestamp_text(stamps: pd.Series) -> np.ndarray:
    """Minute timestamps in the public format (PUBLIC_TIMESTAMP), built from a date and a clock lookup."""
    values = stamps.to_numpy(dtype="datetime64[m]")
    days = values.astype("datetime64[D]")
    minutes = (values - days).astype("int64")
    return _text_lookup(days, PUBLIC_DATE) + _CLOCK_TEXT[minutes]


def _to_public_format(frame: pd.DataFrame, hospital: _Hospital, first_row: int, *, completed: bool) -> pd.DataFrame:
    """Cases in the public CSV's columns; rows are numbered (index, Encounter ID) from first_row of the history."""
    catalog, n = hospital.catalog, len(frame)
    service_names = np.array(catalog["services"])
    proc, room = frame["procedure"].to_numpy(), frame["room"].to_numpy()
    numbers = first_row + np.arange(n)
    columns: dict[str, object] = {
        "index": numbers,
        "Encounter ID": 100001 + numbers,
        "Date": _text_lookup(frame["day"].to_numpy(), PUBLIC_DATE),
    }
    if hospital.site_names:
        columns["Site"] = np.array(hospital.site_names, dtype=object)[hospital.room_site[room]]
    columns |= {
        "OR Suite": hospital.room_number[room],
        "Service": service_names[catalog["proc_service"][proc]],
        "CPT Code": catalog["codes"][proc],
        "CPT Description": catalog["descriptions"][proc],
        "Booked Time (min)": frame["booked"].to_numpy(),
        "OR Schedule": _timestamp_text(frame["scheduled"]),
    }
    for header, column in zip(ACTUAL_TIME_HEADERS, ("wheels_in", "start", "end", "wheels_out"), strict=True):
        columns[header] = _timestamp_text(frame[column]) if completed else np.full(n, "", dtype=object)
    columns["Surgeon"] = catalog["surgeon_names"][frame["surgeon"].to_numpy()]
    return pd.DataFrame(columns)


def write_cases_csv(path: Path, n_cases: int, *, seed: int = 42, start: date = date(2026, 7, 1),
                    rooms: int = DEFAULT_ROOMS, sites: int = 1, upcoming_days: int = 0, today: date | None = None,
                    block_room_days: int = BLOCK_ROOM_DAYS) -> int:
    """Generate cases and write them as CSV to path, one block at a time; return the number written (scheduled
    ones included). The file is the same as generate_cases(...).to_csv(path, index=False) would write.

    Refuses (InvalidInput, path left as it was) when completed cases would be dated after today: the last day is
    known only at the end, so the file is written beside path and moved there once it passes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    written, last = 0, None
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            for chunk in _chunks(n_cases, seed=seed, start=start, rooms=rooms, sites=sites,
                                 upcoming_days=upcoming_days, block_room_days=block_room_days):
                chunk.cases.to_csv(out, index=False, header=not written)
                written += len(chunk.cases)
                last = chunk.last_completed_day or last
        assert last is not None  # n_cases > 0, so the first chunk holds completed cases
        check_not_after(last, start=start, rooms=rooms, today=today or date.today())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return written
