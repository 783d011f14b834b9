"""Simulate a day of OR rooms many times at once: case minutes by inverse CDF, turnovers from history.

A room's cases run in scheduled order; each starts at the later of its scheduled start and the previous
wheels-out plus a turnover. Everything is vectorised over the draws (a Python loop runs only over the case
positions in a room's day), so 10,000 draws of a 20-room day take a fraction of a second.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20_261_206
FINISH_PERCENTILES = (10, 50, 90)
UNIFORM_BINS = 4_096


@dataclass(frozen=True)
class TurnoverPools:
    """Observed turnover minutes, concatenated: case i's turnover is drawn from values[start[i]:start[i]+length[i]]."""

    values: np.ndarray
    start: np.ndarray
    length: np.ndarray


@dataclass(frozen=True)
class DayInput:
    """The cases of a day (any order; each room's run in scheduled order, ties in input order).

    Minutes are clock minutes after the day's midnight. `minutes` holds each case's in-room-minute quantiles on
    the shared, increasing `levels` (non-decreasing along each row); draws outside the grid's end levels are
    held at its ends, so the caller extends the grid into the tails it wants sampled.
    """

    levels: np.ndarray  # (L,)
    minutes: np.ndarray  # (n, L)
    room: np.ndarray  # (n,) room number 0..R-1
    scheduled_start: np.ndarray  # (n,) clock minutes
    turnovers: TurnoverPools
    staffed_start: float
    staffed_end: float
    turnover_cutoff: float  # a longer gap between cases is idle, not turnover (as in the OR metrics)
    bookings: dict[str, np.ndarray]  # name -> (n,) booked minutes per case, e.g. "booked", "recommended"


@dataclass(frozen=True)
class DayResult:
    """Per room (R,) and per case (n,) summaries of the simulated days; clock minutes after midnight."""

    finish: np.ndarray  # (R, 3): P10, P50, P90 of the last wheels-out (R rooms numbered as in DayInput.room)
    p_overtime: np.ndarray  # (R,)
    expected_overtime: np.ndarray  # (R,)
    expected_idle: np.ndarray  # (R,)
    start_p50: np.ndarray  # (n,)
    end_p50: np.ndarray  # (n,)
    end_p90: np.ndarray  # (n,)
    booking_overtime: dict[str, np.ndarray]  # name -> (n,) E[max(X - b, 0)]
    booking_idle: dict[str, np.ndarray]  # name -> (n,) E[max(b - X, 0)]


def bin_minutes(levels: np.ndarray, minutes: np.ndarray, bins: int = UNIFORM_BINS) -> np.ndarray:
    """Each case's inverse CDF at the middles of `bins` equal probability bins: (n, bins), float32.

    Drawing a bin at random and taking this value is inverse-CDF sampling at a 1/bins resolution (finer than the
    model's grid), and costs one integer draw and one gather per draw; means over a row are the distribution's
    expectations, exact for the discretised distribution the draws come from. Every row shares the grid levels,
    so where each bin falls on the grid is worked out once, and the rows are read column by column.
    """
    middles = (np.arange(bins) + 0.5) / bins
    position = np.interp(middles, levels, np.arange(len(levels), dtype=float))
    lower = np.minimum(position.astype(np.int64), len(levels) - 2)
    weight = (position - lower).astype(np.float32)
    grid = minutes.astype(np.float32)
    low = grid[:, lower]
    return low + weight * (grid[:, lower + 1] - low)


def _percentiles(values: np.ndarray, percentiles: tuple[float, ...]) -> np.ndarray:
    """Linear-interpolated percentiles along the last axis, percentiles increasing: (len(percentiles), rows).

    One partition per percentile, each on the part of the rows above the previous one (a partition asked for
    several ranks at once costs several times more), and the next order statistic as the minimum of what lies
    above. The values are reordered in place along the last axis.
    """
    count = values.shape[-1]
    result, rest, offset = [], values, 0
    at_low = at_high = values[..., 0]
    for percentile in percentiles:
        rank = percentile / 100 * (count - 1)
        low = int(np.floor(rank))
        if low >= offset:  # else the same order statistics as the previous percentile
            rest.partition(low - offset, axis=-1)
            at_low = rest[..., low - offset]
            rest, offset = rest[..., low - offset + 1:], low + 1
            at_high = rest.min(axis=-1) if rest.shape[-1] else at_low
        result.append(at_low + (rank - low) * (at_high - at_low))
    return np.array(result)


@dataclass(frozen=True)
class _RunOrder:
    """The cases arranged so that the k-th cases of all rooms' days are one block of rows.

    Rooms are ranked by how many cases they have (most first), and block k holds the k-th case of the rooms that
    have one, in rank order: those are the first rows of any per-room array in rank order. So each step of the
    simulation works on slices (views) instead of gathering and scattering rows.
    """

    case: np.ndarray  # (n,) the case (DayInput row) at each run row
    rank: np.ndarray  # (R,) each room's rank (room number -> rank)
    blocks: tuple[slice, ...]  # block k: its run rows; its j-th row is the room of rank j


def _run_order(room: np.ndarray, start: np.ndarray) -> _RunOrder:
    """Cases room by room in scheduled order (ties in input order), then regrouped by place in the day."""
    n = len(room)
    counts = np.bincount(room)
    by_count = np.argsort(-counts, kind="stable")
    rank = np.empty(len(counts), dtype=np.int64)
    rank[by_count] = np.arange(len(counts))
    in_room = np.lexsort((np.arange(n), start, room))
    place = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    case = in_room[np.lexsort((rank[room[in_room]], place))]
    sizes = np.bincount(place)
    ends = np.cumsum(sizes)
    return _RunOrder(case, rank, tuple(slice(int(e - s), int(e)) for s, e in zip(sizes, ends, strict=True)))


def _overlap(start: np.ndarray, end: np.ndarray, window_start: float, window_end: float) -> np.ndarray:
    return np.maximum(np.minimum(end, window_end) - np.maximum(start, window_start), 0.0)


def _in_case_order(values: np.ndarray, case: np.ndarray) -> np.ndarray:
    ordered = np.empty_like(values)
    ordered[case] = values
    return ordered


def simulate_day(day: DayInput, *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
                 workers: int | None = None) -> DayResult:
    """Run the day `draws` times with a seeded generator (same input and seed, same result).

    Rooms run their days independently, so after the draws (one generator, one sequence, whatever the number of
    workers) the rooms are split into groups of about equal case counts, simulated on a thread each (numpy
    releases the interpreter lock in its loops): a health system's day of 200 rooms uses both cores.
    """
    n = len(day.room)
    rng = np.random.default_rng(seed)
    table = bin_minutes(day.levels, day.minutes)
    picks = rng.integers(0, UNIFORM_BINS, (n, draws))
    picks += (np.arange(n) * UNIFORM_BINS)[:, None]
    pools = day.turnovers
    pick = (rng.random((n, draws), dtype=np.float32) * pools.length[:, None]).astype(np.int64)
    pick += pools.start[:, None]
    draw = _Draws(table.ravel(), picks, pools.values.astype(np.float32), pick)
    groups = _room_groups(day.room, workers or _workers(n * draws))
    if len(groups) == 1:
        parts = [_simulate_rooms(day, draw, groups[0])]
    else:
        with ThreadPoolExecutor(len(groups)) as pool:
            parts = list(pool.map(lambda cases: _simulate_rooms(day, draw, cases), groups))
    rooms = int(day.room.max()) + 1 if n else 0
    # Booking expectations from each case's binned distribution (what the draws sample), not from the draws.
    overtime = {name: np.maximum(table - b[:, None], 0.0).mean(axis=1, dtype=np.float64)
                for name, b in day.bookings.items()}
    mean_minutes = table.mean(axis=1, dtype=np.float64)
    result = DayResult(
        finish=np.empty((rooms, len(FINISH_PERCENTILES))), p_overtime=np.empty(rooms),
        expected_overtime=np.empty(rooms), expected_idle=np.empty(rooms),
        start_p50=np.empty(n), end_p50=np.empty(n), end_p90=np.empty(n), booking_overtime=overtime,
        booking_idle={name: overtime[name] - mean_minutes + b for name, b in day.bookings.items()},
    )
    for cases, part in zip(groups, parts, strict=True):
        _place(result, cases, np.unique(day.room[cases]), part)
    return result


@dataclass(frozen=True)
class _Draws:
    """The draws of every case: flat binned minutes and turnover values, with each case's (n, draws) picks."""

    minutes: np.ndarray
    minute_picks: np.ndarray
    turnovers: np.ndarray
    turnover_picks: np.ndarray


def _place(result: DayResult, cases: np.ndarray, rooms: np.ndarray, part: DayResult) -> None:
    """Put a group's per-room and per-case arrays (its rooms numbered 0.., in `rooms` order) in the day's."""
    for name in ("finish", "p_overtime", "expected_overtime", "expected_idle"):
        getattr(result, name)[rooms] = getattr(part, name)
    for name in ("start_p50", "end_p50", "end_p90"):
        getattr(result, name)[cases] = getattr(part, name)


PARALLEL_DRAWS = 2_000_000  # below this many case-draws a day runs on one thread (a thread costs more than it saves)


def _workers(case_draws: int) -> int:
    return min(len(os.sched_getaffinity(0)), 2) if case_draws >= PARALLEL_DRAWS else 1


def _room_groups(room: np.ndarray, workers: int) -> list[np.ndarray]:
    """The cases (ascending) of `workers` groups of whole rooms with about equal case counts, largest rooms first."""
    counts = np.bincount(room)
    load = np.zeros(workers, dtype=np.int64)
    group_of_room = np.empty(len(counts), dtype=np.int64)
    for r in np.argsort(-counts, kind="stable"):
        group_of_room[r] = target = int(np.argmin(load))
        load[target] += counts[r]
    group = group_of_room[room]
    return [cases for g in range(workers) if len(cases := np.flatnonzero(group == g)) or g == 0]


def _simulate_rooms(day: DayInput, draw: _Draws, cases: np.ndarray) -> DayResult:
    """Simulate the rooms of `cases` (whole rooms, numbered 0.. in the order of their DayInput numbers); no
    booking figures (they are per case and need no simulation)."""
    room = np.unique(day.room[cases], return_inverse=True)[1]
    run = _run_order(room, day.scheduled_start[cases])
    rows = cases[run.case]
    # Rows in run order. The turnover rows become each case's start, the duration rows its end, in place.
    start_at = np.take(draw.turnovers, draw.turnover_picks[rows])
    end_at = np.take(draw.minutes, draw.minute_picks[rows])
    scheduled = day.scheduled_start[rows].astype(np.float32)[:, None]
    rooms, draws = len(run.rank), start_at.shape[1]
    previous_end = np.full((rooms, draws), -np.inf, dtype=np.float32)  # rooms in rank order
    # Staffed minutes in a case or a turnover (not idle, as in the metrics).
    covered = np.zeros((rooms, draws), dtype=np.float32)
    window = (day.staffed_start, day.staffed_end)
    for block in run.blocks:
        before = previous_end[: block.stop - block.start]
        start = start_at[block]
        start += before
        np.maximum(start, scheduled[block], out=start)
        end = end_at[block]
        end += start
        # A turnover up to the cut-off counts as covered, so the covered span starts at the previous wheels-out.
        covered[: len(before)] += _overlap(np.where(start - before <= day.turnover_cutoff, before, start), end, *window)
        before[...] = end  # the room's wheels-out so far

    staffed = max(day.staffed_end - day.staffed_start, 0.0)
    ends = _percentiles(end_at, (50, 90))
    return DayResult(
        finish=_percentiles(previous_end, FINISH_PERCENTILES)[:, run.rank].T,
        p_overtime=(previous_end > day.staffed_end).mean(axis=1)[run.rank],
        expected_overtime=np.maximum(previous_end - day.staffed_end, 0.0).mean(axis=1, dtype=np.float64)[run.rank],
        expected_idle=np.maximum(staffed - covered, 0.0).mean(axis=1, dtype=np.float64)[run.rank],
        start_p50=_in_case_order(_percentiles(start_at, (50,))[0], run.case),
        end_p50=_in_case_order(ends[0], run.case),
        end_p90=_in_case_order(ends[1], run.case), booking_overtime={}, booking_idle={},
    )


def booking_cost(overtime: np.ndarray, idle: np.ndarray, cost_ratio: float) -> float:
    """Cost of bookings in idle-minute units: r x overtime minutes + idle minutes."""
    return float(cost_ratio * np.sum(overtime) + np.sum(idle))


def round_up_to(minutes: np.ndarray, step: float = 5.0) -> np.ndarray:
    """Round up to the next multiple of step (a booking is made in whole slots)."""
    return np.ceil(np.asarray(minutes) / step - 1e-9) * step
