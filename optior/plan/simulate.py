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


def _at_position(minutes: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Each row's grid values at fractional grid positions (n, m); one flat gather per end of the step."""
    width = minutes.shape[1]
    lower = np.minimum(position.astype(np.int64), width - 2)
    weight = position - lower
    flat = lower + (np.arange(minutes.shape[0]) * width)[:, None]
    low = np.take(minutes.ravel(), flat)
    return low + weight * (np.take(minutes.ravel(), flat + 1) - low)


def bin_minutes(levels: np.ndarray, minutes: np.ndarray, bins: int = UNIFORM_BINS) -> np.ndarray:
    """Each case's inverse CDF at the middles of `bins` equal probability bins: (n, bins).

    Drawing a bin at random and taking this value is inverse-CDF sampling at a 1/bins resolution (finer than the
    model's grid), and costs one integer draw and one gather per draw; means over a row are the distribution's
    expectations, exact for the discretised distribution the draws come from.
    """
    middles = (np.arange(bins) + 0.5) / bins
    position = np.interp(middles, levels, np.arange(len(levels), dtype=float))
    return _at_position(minutes, np.broadcast_to(position, (minutes.shape[0], bins)))


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
    table = bin_minutes(day.levels, day.minutes).astype(np.float32)
    picks = rng.integers(0, UNIFORM_BINS, (n, draws)) + (np.arange(n) * UNIFORM_BINS)[:, None]
    durations = np.take(table.ravel(), picks)  # (n, draws)
    pools = day.turnovers
    pick = pools.start[:, None] + (rng.random((n, draws), dtype=np.float32) * pools.length[:, None]).astype(np.int64)
    turnovers = pools.values.astype(np.float32)[pick]

    slots = _slots(day.room, day.scheduled_start)
    rooms, positions = slots.shape
    start_at = np.empty((n, draws), dtype=np.float32)
    end_at = np.empty((n, draws), dtype=np.float32)
    previous_end = np.full((rooms, draws), -np.inf, dtype=np.float32)
    # Staffed minutes in a case or a turnover (not idle, as in the metrics).
    covered = np.zeros((rooms, draws), dtype=np.float32)
    for position in range(positions):
        case = slots[:, position]
        valid = case >= 0
        taken = case[valid]
        ready = previous_end[valid] + turnovers[taken]
        start = np.maximum(day.scheduled_start[taken][:, None].astype(np.float32), ready)
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
    # Booking expectations from each case's binned distribution (what the draws sample), not from the draws.
    overtime = {name: np.maximum(table - b[:, None], 0.0).mean(axis=1, dtype=np.float64)
                for name, b in day.bookings.items()}
    mean_minutes = table.mean(axis=1, dtype=np.float64)
    return DayResult(
        finish=_percentiles(finish, FINISH_PERCENTILES).T,
        p_overtime=(finish > day.staffed_end).mean(axis=1),
        expected_overtime=np.maximum(finish - day.staffed_end, 0.0).mean(axis=1, dtype=np.float64),
        expected_idle=np.maximum(staffed - covered, 0.0).mean(axis=1, dtype=np.float64),
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
