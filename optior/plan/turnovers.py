"""Turnover pools: the observed gaps each case's turnover is drawn from, as specific as history allows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optior.plan.simulate import TurnoverPools

MIN_POOL_GAPS = 30
# With no turnover in history at all (a new site), every turnover is this long; the plan says so.
DEFAULT_TURNOVER_MINUTES = 30.0


def _codes(history: pd.Series, cases: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes 1..k of the history's values, the cases' values on the same codes (0: not in history), and k + 1."""
    codes, uniques = pd.factorize(history, use_na_sentinel=False)
    found = pd.Index(uniques).get_indexer(pd.Index(cases, dtype=object))
    return codes.astype(np.int64) + 1, found.astype(np.int64) + 1, len(uniques) + 1


def _groups(keys: np.ndarray, asked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """History rows ordered by key (stable, so each group keeps history order), and each asked key's group as
    (first position in that order, size; 0 when no row has the key)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.searchsorted(ordered, asked, side="left")
    return order, first, np.searchsorted(ordered, asked, side="right") - first


def turnover_pools(history: pd.DataFrame, sites: np.ndarray, rooms: np.ndarray, services: np.ndarray, *,
                   min_gaps: int = MIN_POOL_GAPS) -> tuple[TurnoverPools, str | None]:
    """Pools for cases at `sites`, in `rooms`, of `services` from history (columns site, room, service,
    turnover_minutes).

    A room is its site and its name. Each case draws from its room and service's gaps when there are at least
    min_gaps of them, otherwise its room's, then its service's, then every gap. Returns the pools and a note when
    history had no gaps at all. Works on integer codes, so its cost grows with the gaps read, not with rooms times
    cases.
    """
    minutes = history["turnover_minutes"].to_numpy(dtype=float)
    count = len(minutes)
    if not count:
        one = np.array([DEFAULT_TURNOVER_MINUTES])
        zero = np.zeros(len(rooms), dtype=np.int64)
        note = f"No turnovers in the history: each turnover is taken as {DEFAULT_TURNOVER_MINUTES:.0f} min."
        return TurnoverPools(one, zero, np.ones(len(rooms), dtype=np.int64)), note
    site, case_site, _ = _codes(history["site"], sites)
    room, case_room, room_width = _codes(history["room"], rooms)
    service, case_service, service_width = _codes(history["service"], services)
    # A key made of a 0 (a value history lacks) matches no history row.
    room_key = site * room_width + room
    case_room_key = np.where((case_site > 0) & (case_room > 0), case_site * room_width + case_room, 0)
    levels = (
        (room_key * service_width + service,
         np.where(case_service > 0, case_room_key * service_width + case_service, 0)),
        (room_key, case_room_key),
        (service, case_service),
    )
    parts, start, length = [], np.zeros(len(rooms), dtype=np.int64), np.zeros(len(rooms), dtype=np.int64)
    chosen = np.zeros(len(rooms), dtype=bool)
    for offset, (keys, asked) in zip(range(0, 3 * count, count), levels, strict=True):
        order, first, size = _groups(keys, asked)
        parts.append(minutes[order])
        take = ~chosen & (size >= min_gaps)
        start[take], length[take] = offset + first[take], size[take]
        chosen |= take
    parts.append(minutes)
    start[~chosen], length[~chosen] = 3 * count, count
    return TurnoverPools(np.concatenate(parts), start, length), None
