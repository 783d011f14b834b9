"""Turnover pools: the observed gaps each case's turnover is drawn from, as specific as history allows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optior.plan.simulate import TurnoverPools

MIN_POOL_GAPS = 30
# With no turnover in history at all (a new site), every turnover is this long; the plan says so.
DEFAULT_TURNOVER_MINUTES = 30.0


def turnover_pools(history: pd.DataFrame, rooms: np.ndarray, services: np.ndarray, *,
                   min_gaps: int = MIN_POOL_GAPS) -> tuple[TurnoverPools, str | None]:
    """Pools for cases in `rooms` with `services` from history (columns room, service, turnover_minutes).

    Each case draws from its room and service's gaps when there are at least min_gaps of them, otherwise its
    room's, then its service's, then every gap. Returns the pools and a note when history had no gaps at all.
    """
    minutes = history["turnover_minutes"].to_numpy(dtype=float)
    if not len(minutes):
        one = np.array([DEFAULT_TURNOVER_MINUTES])
        zero = np.zeros(len(rooms), dtype=np.int64)
        note = f"No turnovers in the history: each turnover is taken as {DEFAULT_TURNOVER_MINUTES:.0f} min."
        return TurnoverPools(one, zero, np.ones(len(rooms), dtype=np.int64)), note
    room = history["room"].astype(str).to_numpy()
    service = history["service"].astype(str).to_numpy()
    groups = {
        "room_service": pd.Series(minutes).groupby([room, service]).indices,
        "room": pd.Series(minutes).groupby(room).indices,
        "service": pd.Series(minutes).groupby(service).indices,
    }
    chosen: dict[object, np.ndarray] = {}
    keys = []
    for case_room, case_service in zip(rooms, services, strict=True):
        candidates = (
            (("room_service", (case_room, case_service)), groups["room_service"].get((case_room, case_service))),
            (("room", case_room), groups["room"].get(case_room)),
            (("service", case_service), groups["service"].get(case_service)),
        )
        key, rows = next(((k, r) for k, r in candidates if r is not None and len(r) >= min_gaps), ("all", None))
        chosen.setdefault(key, minutes if rows is None else minutes[rows])
        keys.append(key)
    order = list(chosen)
    lengths = np.array([len(chosen[key]) for key in order], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    at = {key: i for i, key in enumerate(order)}
    index = np.array([at[key] for key in keys], dtype=np.int64)
    return TurnoverPools(np.concatenate([chosen[key] for key in order]), starts[index], lengths[index]), None
