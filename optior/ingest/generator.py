"""Generate realistic, deterministic OR case histories in the public utilization CSV format."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from optior.errors import InvalidInput
from optior.ingest.catalog import SERVICES, SURGEON_SURNAMES

DEFAULT_ROOMS = 9
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


def _weekdays(start: date, count: int) -> pd.DatetimeIndex:
    return pd.bdate_range(start=pd.Timestamp(start), periods=count)


def _choose_per_row(rng: np.random.Generator, groups: np.ndarray, members: np.ndarray) -> np.ndarray:
    """For each entry of `groups`, pick a random index i with members[i] == that group."""
    order = np.argsort(members, kind="stable")
    sorted_members = members[order]
    first = np.searchsorted(sorted_members, groups, side="left")
    last = np.searchsorted(sorted_members, groups, side="right")
    offsets = np.floor(rng.random(len(groups)) * (last - first)).astype(int)
    return order[first + offsets]


def generate_cases(
    n_cases: int, *, seed: int = 42, start: date = date(2026, 7, 1), rooms: int = DEFAULT_ROOMS,
    upcoming_days: int = 0,
) -> pd.DataFrame:
    """Return n_cases completed cases in the public CSV's columns (plus Surgeon), ordered by day, room and time,
    followed by the cases of `upcoming_days` more weekdays as scheduled: booked, without actual times.

    The schedule is made in advance from the bookings alone (back-to-back slots with a planned turnover), as a
    real OR schedule is; what actually happened never moves it.
    """
    if n_cases <= 0:
        raise ValueError("n_cases must be positive")
    if upcoming_days < 0:
        raise ValueError("upcoming_days must not be negative")
    rng = np.random.default_rng(seed)
    catalog = _build_catalog(rng)
    n_services = len(catalog["services"])
    # Roughly 4.4 cases per open room-day; draw a margin of extra days, then cut to n_cases.
    n_days = int(np.ceil(n_cases / (rooms * 4.0 * 0.9))) + 2 + upcoming_days
    days = _weekdays(start, n_days)

    room_ids = np.arange(1, rooms + 1)
    room_primary_service = rng.integers(0, n_services, rooms)
    room_speed = rng.lognormal(0.0, 0.04, rooms)
    day_index = np.repeat(np.arange(n_days), rooms)
    room_index = np.tile(np.arange(rooms), n_days)
    open_room = rng.random(len(day_index)) > 0.06
    day_index, room_index = day_index[open_room], room_index[open_room]
    n_room_days = len(day_index)
    block_service = np.where(
        rng.random(n_room_days) < 0.7,
        room_primary_service[room_index],
        rng.integers(0, n_services, n_room_days),
    )

    k = MAX_CASES_PER_ROOM_DAY
    slot_service = np.repeat(block_service, k)
    procedure = _choose_per_row(rng, slot_service, catalog["proc_service"]).reshape(n_room_days, k)
    # One surgeon runs the whole block.
    surgeon = _choose_per_row(rng, block_service, catalog["surgeon_service"])
    surgeon_2d = np.repeat(surgeon[:, None], k, axis=1)

    median = catalog["medians"][procedure]
    speed = catalog["surgeon_speed"][surgeon_2d] * room_speed[room_index][:, None]
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
            "room": room_ids[room_index[rows]],
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
    frame = frame.sort_values(["day", "room", "scheduled"], kind="stable")
    completed = frame.head(n_cases)
    later_days = frame["day"][frame["day"] > completed["day"].iloc[-1]].drop_duplicates().head(upcoming_days)
    public = _to_public_format(pd.concat([completed, frame[frame["day"].isin(later_days)]]), catalog)
    public.loc[len(completed):, ACTUAL_TIME_HEADERS] = ""
    public.attrs["last_completed_day"] = completed["day"].iloc[-1].date()  # the CSV's dates have 2-digit years
    return public


def check_not_after(cases: pd.DataFrame, *, start: date, rooms: int, today: date) -> None:
    """Refuse completed cases dated after today, saying which start (exactly) or room count (about) fits."""
    last = cases.attrs["last_completed_day"]
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


def _to_public_format(frame: pd.DataFrame, catalog: dict) -> pd.DataFrame:
    n = len(frame)
    service_names = np.array(catalog["services"])
    proc = frame["procedure"].to_numpy()
    return pd.DataFrame(
        {
            "index": np.arange(n),
            "Encounter ID": 100001 + np.arange(n),
            "Date": frame["day"].dt.strftime(PUBLIC_DATE).to_numpy(),
            "OR Suite": frame["room"].to_numpy(),
            "Service": service_names[catalog["proc_service"][proc]],
            "CPT Code": catalog["codes"][proc],
            "CPT Description": catalog["descriptions"][proc],
            "Booked Time (min)": frame["booked"].to_numpy(),
            "OR Schedule": frame["scheduled"].dt.strftime(PUBLIC_TIMESTAMP).to_numpy(),
            "Wheels In": frame["wheels_in"].dt.strftime(PUBLIC_TIMESTAMP).to_numpy(),
            "Start Time": frame["start"].dt.strftime(PUBLIC_TIMESTAMP).to_numpy(),
            "End Time": frame["end"].dt.strftime(PUBLIC_TIMESTAMP).to_numpy(),
            "Wheels Out": frame["wheels_out"].dt.strftime(PUBLIC_TIMESTAMP).to_numpy(),
            "Surgeon": catalog["surgeon_names"][frame["surgeon"].to_numpy()],
        }
    )


def write_cases_csv(path: Path, n_cases: int, *, seed: int = 42, start: date = date(2026, 7, 1),
                    rooms: int = DEFAULT_ROOMS, upcoming_days: int = 0, today: date | None = None) -> int:
    """Generate cases and write them as CSV to path; return the number written (scheduled ones included).

    Refuses (InvalidInput, nothing written) when completed cases would be dated after today.
    """
    frame = generate_cases(n_cases, seed=seed, start=start, rooms=rooms, upcoming_days=upcoming_days)
    check_not_after(frame, start=start, rooms=rooms, today=today or date.today())
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return len(frame)
