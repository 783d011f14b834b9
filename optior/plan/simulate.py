"""Simulate a day of OR rooms many times at once: case minutes by inverse CDF, turnovers from history.

A room's cases run in scheduled order; each starts at the later of its scheduled start and the previous
wheels-out plus a turnover. Everything is vectorised over the draws (a Python loop runs only over the case
positions in a room's day), so 10,000 draws of a 20-room day take a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20_261_206
FINISH_PERCENTILES = (10, 50, 90)
UNIFORM_BINS = 100_000


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


def draw_minutes(levels: np.ndarray, minutes: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Inverse CDF per case, vectorised: uniforms (n, draws) -> minutes (n, draws), linear between grid levels."""
    position = np.interp(uniforms, levels, np.arange(len(levels), dtype=float))
    return _at_position(minutes, position)


def _at_position(minutes: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Each row's grid values at fractional grid positions (n, draws)."""
    lower = np.minimum(position.astype(np.int64), minutes.shape[1] - 2)
    weight = position - lower
    rows = np.arange(minutes.shape[0])[:, None]
    low = minutes[rows, lower]
    return low + weight * (minutes[rows, lower + 1] - low)


def _stratified_positions(levels: np.ndarray, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Grid positions of uniform draws, read from a table of UNIFORM_BINS equal bins (one lookup per draw).

    Drawing a bin and taking its middle is the inverse CDF at a 1/UNIFORM_BINS resolution, far finer than the
    model's quantile grid, at the cost of one integer draw and one gather instead of a binary search per draw.
    """
    table = np.interp((np.arange(UNIFORM_BINS) + 0.5) / UNIFORM_BINS, levels, np.arange(len(levels), dtype=float))
    return table[rng.integers(0, UNIFORM_BINS, shape)]


def _percentiles(values: np.ndarray, percentiles: tuple[float, ...]) -> np.ndarray:
    """Linear-interpolated percentiles along the last axis (rows contiguous): (len(percentiles), rows)."""
    count = values.shape[-1]
    ranks = [p / 100 * (count - 1) for p in percentiles]
    kth = sorted({int(np.floor(r)) for r in ranks} | {min(int(np.floor(r)) + 1, count - 1) for r in ranks})
    ordered = np.partition(values, kth, axis=-1)
    result = []
    for rank in ranks:
        low = int(np.floor(rank))
        high = min(low + 1, count - 1)
        result.append(ordered[..., low] + (rank - low) * (ordered[..., high] - ordered[..., low]))
    return np.array(result)


def _slots(room: np.ndarray, start: np.ndarray) -> np.ndarray:
    """(R, K) case indexes in each room's scheduled order, -1 where a room has fewer cases."""
    order = np.lexsort((np.arange(len(room)), start, room))
    rooms = int(room.max()) + 1
    counts = np.bincount(room, minlength=rooms)
    slots = np.full((rooms, int(counts.max())), -1, dtype=np.int64)
    position = np.arange(len(room)) - np.repeat(np.cumsum(counts) - counts, counts)
    slots[room[order], position] = order
    return slots


def _overlap(start: np.ndarray, end: np.ndarray, window_start: float, window_end: float) -> np.ndarray:
    return np.maximum(np.minimum(end, window_end) - np.maximum(start, window_start), 0.0)


def simulate_day(day: DayInput, *, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> DayResult:
    """Run the day `draws` times with a seeded generator (same input and seed, same result)."""
    n = len(day.room)
    rng = np.random.default_rng(seed)
    durations = _at_position(day.minutes, _stratified_positions(day.levels, rng, (n, draws)))  # (n, draws)
    pools = day.turnovers
    pick = pools.start[:, None] + (rng.random((n, draws)) * pools.length[:, None]).astype(np.int64)
    turnovers = pools.values[pick]

    slots = _slots(day.room, day.scheduled_start)
    rooms, positions = slots.shape
    start_at = np.empty((n, draws))
    end_at = np.empty((n, draws))
    previous_end = np.full((rooms, draws), -np.inf)
    covered = np.zeros((rooms, draws))  # staffed minutes in a case or a turnover (not idle, as in the metrics)
    for position in range(positions):
        case = slots[:, position]
        valid = case >= 0
        taken = case[valid]
        ready = previous_end[valid] + turnovers[taken]
        start = np.maximum(day.scheduled_start[taken][:, None], ready)
        end = start + durations[taken]
        gap = start - previous_end[valid]
        covered[valid] += _overlap(start, end, day.staffed_start, day.staffed_end) + np.where(
            gap <= day.turnover_cutoff, _overlap(previous_end[valid], start, day.staffed_start, day.staffed_end), 0.0
        )
        start_at[taken], end_at[taken] = start, end
        previous_end[valid] = end

    finish = previous_end
    staffed = max(day.staffed_end - day.staffed_start, 0.0)
    ends = _percentiles(end_at, (50, 90))
    # E[max(b - X, 0)] = E[max(X - b, 0)] - E[X] + b: one pass over the draws per booking instead of two.
    overtime = {name: np.maximum(durations - b[:, None], 0.0).mean(axis=1) for name, b in day.bookings.items()}
    mean_minutes = durations.mean(axis=1)
    return DayResult(
        finish=_percentiles(finish, FINISH_PERCENTILES).T,
        p_overtime=(finish > day.staffed_end).mean(axis=1),
        expected_overtime=np.maximum(finish - day.staffed_end, 0.0).mean(axis=1),
        expected_idle=np.maximum(staffed - covered, 0.0).mean(axis=1),
        start_p50=_percentiles(start_at, (50,))[0],
        end_p50=ends[0],
        end_p90=ends[1],
        booking_overtime=overtime,
        booking_idle={name: overtime[name] - mean_minutes + b for name, b in day.bookings.items()},
    )


def booking_cost(overtime: np.ndarray, idle: np.ndarray, cost_ratio: float) -> float:
    """Cost of bookings in idle-minute units: r x overtime minutes + idle minutes."""
    return float(cost_ratio * np.sum(overtime) + np.sum(idle))


def round_up_to(minutes: np.ndarray, step: float = 5.0) -> np.ndarray:
    """Round up to the next multiple of step (a booking is made in whole slots)."""
    return np.ceil(np.asarray(minutes) / step - 1e-9) * step
