"""A trained predictor: the scikit-learn Pipeline plus its calibrated ranges and what it learnt from."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from optior.ml.estimators import all_cores
from optior.ml.fallback import expand, unknown_cases
from optior.ml.features import build_features, design_matrix, room_column
from optior.ml.intervals import RatioIntervals
from optior.ml.reference import Reference
from optior.ml.spread import REPORTED_LEVELS, ScaledResiduals, check_levels, level_key, ratio_log_quantiles
from optior.vocabulary import DEFAULT_SITE

# Below this many rows one core is faster than starting threads (a single prediction takes a few ms).
PARALLEL_ROWS = 5_000
# Saved files carry their format: 1 had only P10/P90 ratios, 2 adds the per-case spread model.
FORMAT_VERSION = 2
LEGACY_SPREAD_NOTE = (
    "This model version was saved before per-case quantiles: its quantiles follow its 80% range "
    "(a log-normal through P10 and P90); retrain for calibrated ones."
)


@dataclass(frozen=True)
class Quantiles:
    """Point predictions and quantiles of in-room minutes for a batch of cases."""

    predicted: np.ndarray  # shape (n,)
    levels: np.ndarray  # shape (L,)
    minutes: np.ndarray  # shape (n, L), non-decreasing along axis 1
    notes: list[list[str]]  # per case: fallbacks used


@dataclass(frozen=True)
class TrainedModel:
    """What is saved and loaded as one file: the fitted Pipeline, its range calibration and training summary."""

    estimator: str
    pipeline: Pipeline
    columns: list[str]
    intervals: RatioIntervals
    reference: Reference
    # Defaults are class attributes, so files saved before these fields load with them (format 1).
    spread: ScaledResiduals | None = None
    format_version: int = 1

    @property
    def with_surgeon(self) -> bool:
        return "surgeon" in self.columns

    @property
    def with_site(self) -> bool:
        """False for versions trained before sites: they know rooms by name alone and ignore the site."""
        return "site" in self.columns

    def _minutes(self, features: pd.DataFrame) -> np.ndarray:
        rows = features[self.columns]
        if not hasattr(self.pipeline, "feature_names_in_"):  # versions fitted on the data frame itself still get it
            rows = design_matrix(rows)
        bulk = all_cores() if len(features) >= PARALLEL_ROWS else nullcontext()
        with bulk:
            return self.pipeline.predict(rows)

    def quantiles(self, features: pd.DataFrame, levels, *, with_spread: bool = True) -> Quantiles:
        """Point prediction and quantiles at `levels` (each in (0, 1)) for each row of a feature frame.

        Unknown categories are averaged over known candidates (minutes, and log scale), with notes saying so.
        with_spread=False skips the spread model (point predictions only; `levels` must then be empty).
        """
        levels = check_levels(levels)
        spread = self.spread if with_spread else None
        features = features.reset_index(drop=True)
        room = room_column(self.columns)
        unknown = unknown_cases(features, self.reference, with_surgeon=self.with_surgeon, room=room)
        predicted, log_scale = np.zeros(len(features)), np.zeros(len(features))
        notes: list[list[str]] = [[] for _ in range(len(features))]
        range_service = features["service"].astype(object).to_numpy().copy()
        if (~unknown).any():
            known = features.loc[~unknown]
            predicted[~unknown] = self._minutes(known)
            if spread is not None:
                log_scale[~unknown] = np.log(spread.scales(known))
        if unknown.any():
            expansion = expand(features.loc[unknown], self.reference, with_surgeon=self.with_surgeon, room=room)
            n_unknown = int(unknown.sum())
            weighted = self._minutes(expansion.rows) * expansion.weight
            predicted[unknown] = np.bincount(expansion.owner, weights=weighted, minlength=n_unknown)
            if spread is not None:
                scales = np.log(spread.scales(expansion.rows)) * expansion.weight
                log_scale[unknown] = np.bincount(expansion.owner, weights=scales, minlength=n_unknown)
            for position, case_notes in zip(np.flatnonzero(unknown), expansion.notes, strict=True):
                notes[position] = case_notes
            range_service[unknown] = expansion.range_service
        if spread is not None:
            log_offsets = np.exp(log_scale)[:, None] * spread.z(levels)[None, :]
        else:
            log_offsets = ratio_log_quantiles(self.intervals, range_service, levels)
        minutes = predicted[:, None] * np.exp(log_offsets)
        return Quantiles(predicted=predicted, levels=levels, minutes=minutes, notes=notes)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predicted in-room minutes, P10, P90 and fallback notes for each row of a feature frame."""
        result = self.quantiles(features, (0.1, 0.9))
        return pd.DataFrame({
            "predicted": result.predicted, "p10": result.minutes[:, 0], "p90": result.minutes[:, 1],
            "notes": result.notes,
        })

    def describe_spread(self) -> dict:
        """How the quantiles are made, for the model card."""
        return self.spread.describe() if self.spread is not None else self.intervals.describe()

    def predict_case(
        self,
        *,
        service: str,
        cpt_code: str,
        or_suite: str,
        case_date: date,
        position_in_day: int,
        scheduled_start: datetime | None = None,
        booked_minutes: float | None = None,
        surgeon: str | None = None,
        site: str = DEFAULT_SITE,
    ) -> dict:
        """Predict one case; a missing booked time or start is filled from the training data, with a note."""
        notes = []
        if site != DEFAULT_SITE and not self.with_site:
            notes.append("This model version was trained before sites were recorded: the room was matched by its "
                         "name alone and the site was not used. Retrain to tell the sites apart.")
        if booked_minutes is None:
            booked_minutes = self.reference.typical_booked(cpt_code, service)
            notes.append(f"No booked time given: used {booked_minutes:.0f} min, the usual booking for this procedure.")
        if scheduled_start is None:
            minute = self.reference.typical_start(position_in_day)
            scheduled_start = datetime.combine(case_date, time()) + timedelta(minutes=minute)
            notes.append(
                f"Assumed a start at {scheduled_start:%H:%M}, the usual start of case {position_in_day} "
                "in a room's day."
            )
        if surgeon and not self.with_surgeon:
            notes.append("The training data names no surgeons, so the surgeon was not used.")
        row = pd.DataFrame(
            [{
                "case_date": case_date, "scheduled_start": scheduled_start, "service": service,
                "cpt_code": cpt_code, "site": site, "or_suite": or_suite, "surgeon": surgeon,
                "booked_minutes": booked_minutes, "position_in_day": position_in_day,
            }]
        )
        features = build_features(row)
        result = self.quantiles(features, REPORTED_LEVELS)
        quantiles = {level_key(level): float(m) for level, m in zip(REPORTED_LEVELS, result.minutes[0], strict=True)}
        if self.spread is None:
            notes.append(LEGACY_SPREAD_NOTE)
        return {
            "predicted_minutes": float(result.predicted[0]),
            "p10_minutes": quantiles["0.1"],
            "p90_minutes": quantiles["0.9"],
            "quantiles": quantiles,
            "notes": notes + result.notes[0],
            "features": {column: _python_scalar(features.iloc[0][column]) for column in self.columns},
            "history": self.history(cpt_code),
        }

    def history(self, cpt_code: str) -> dict | None:
        """How many training cases had this CPT code and their median in-room minutes."""
        known = self.reference.procedures.get(cpt_code)
        if known is None:
            return None
        return {"cpt_code": cpt_code, "cases": known["cases"], "median_minutes": known["median_minutes"]}


def _python_scalar(value):
    """A JSON-friendly Python value (numpy scalars become int/float)."""
    return value.item() if isinstance(value, np.generic) else value
