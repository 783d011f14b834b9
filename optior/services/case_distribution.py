"""Per-case duration distributions for many booked cases at once: what the day planner samples from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from scipy.special import ndtri

from optior.db.model_store import active_version
from optior.errors import ModelUnavailable
from optior.ml.features import build_features
from optior.ml.model import LEGACY_SPREAD_NOTE
from optior.ml.spread import QUANTILE_LEVELS, check_levels
from optior.services.model_files import load_version
from optior.services.runtime import Runtime
from optior.vocabulary import DEFAULT_SITE

__all__ = ["QUANTILE_LEVELS", "CaseDistributions", "CaseQuery", "case_distributions", "quantile_minutes"]


@dataclass(frozen=True)
class CaseQuery:
    """What is known about a case when it is booked (None: filled from the training data)."""

    service: str
    cpt_code: str
    or_suite: str
    surgeon: str | None
    scheduled_start: datetime
    booked_minutes: float | None
    position_in_day: int | None
    site: str = DEFAULT_SITE  # with or_suite, which room: the model tells "OR 1" at two sites apart


@dataclass(frozen=True)
class CaseDistributions:
    """Quantiles of in-room minutes for each case on the grid `levels` (== QUANTILE_LEVELS)."""

    levels: np.ndarray  # shape (L,)
    minutes: np.ndarray  # shape (n_cases, L), non-decreasing along axis 1
    model_version: str
    notes: tuple[str | None, ...]  # per case: what was filled in or substituted, or None


def _rows(cases: Sequence[CaseQuery], model) -> tuple[pd.DataFrame, list[list[str]]]:
    """Case rows for build_features, with missing booked times and positions filled (and noted)."""
    records, notes = [], []
    starts = model.reference.overall["start_by_position"]
    for case in cases:
        case_notes = []
        booked = case.booked_minutes
        if booked is None:
            booked = model.reference.typical_booked(case.cpt_code, case.service)
            case_notes.append(f"No booked time: used {booked:.0f} min, the usual booking for CPT {case.cpt_code}.")
        position = case.position_in_day
        if position is None:
            minute = case.scheduled_start.hour * 60 + case.scheduled_start.minute
            position = min(starts, key=lambda p: abs(starts[p] - minute))
        records.append({
            "case_date": case.scheduled_start.date(), "scheduled_start": case.scheduled_start,
            "service": case.service, "cpt_code": case.cpt_code, "site": case.site, "or_suite": case.or_suite,
            "surgeon": case.surgeon, "booked_minutes": float(booked), "position_in_day": position,
        })
        notes.append(case_notes)
    return pd.DataFrame.from_records(records), notes


def case_distributions(runtime: Runtime, cases: Sequence[CaseQuery]) -> CaseDistributions:
    """Every case's quantiles on QUANTILE_LEVELS from the active model, in one batched model call.

    Raises ModelUnavailable when no model is active or its file cannot be used.
    """
    with runtime.db.read() as connection:
        active = active_version(connection)
    if active is None:
        raise ModelUnavailable("No model has been trained yet: import cases, then retrain (python -m optior train).")
    model = load_version(runtime, active)
    if not cases:
        return CaseDistributions(QUANTILE_LEVELS.copy(), np.zeros((0, len(QUANTILE_LEVELS))), active["version"], ())
    rows, filled = _rows(cases, model)
    result = model.quantiles(build_features(rows), QUANTILE_LEVELS)
    legacy = [LEGACY_SPREAD_NOTE] if model.spread is None else []
    notes = tuple(" ".join(f + n + legacy) or None for f, n in zip(filled, result.notes, strict=True))
    return CaseDistributions(
        levels=QUANTILE_LEVELS.copy(), minutes=result.minutes, model_version=active["version"], notes=notes
    )


def quantile_minutes(distributions: CaseDistributions, q: float) -> np.ndarray:
    """Each case's quantile `q` (any level in (0, 1)): linear in the normal score between grid levels.

    Levels outside the grid extrapolate along the last log-scale step, so the tails keep their shape.
    """
    [level] = check_levels(q)
    score, grid = ndtri(level), ndtri(distributions.levels)
    logs = np.log(distributions.minutes)
    upper = int(np.clip(np.searchsorted(grid, score), 1, len(grid) - 1))
    weight = (score - grid[upper - 1]) / (grid[upper] - grid[upper - 1])
    return np.exp(logs[:, upper - 1] + weight * (logs[:, upper] - logs[:, upper - 1]))
