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
from optior.ml.features import build_features, design_matrix
from optior.ml.intervals import RatioIntervals
from optior.ml.reference import Reference

# Below this many rows one core is faster than starting threads (a single prediction takes a few ms).
PARALLEL_ROWS = 5_000


@dataclass(frozen=True)
class TrainedModel:
    """What is saved and loaded as one file: the fitted Pipeline, its range calibration and training summary."""

    estimator: str
    pipeline: Pipeline
    columns: list[str]
    intervals: RatioIntervals
    reference: Reference

    @property
    def with_surgeon(self) -> bool:
        return "surgeon" in self.columns

    def _minutes(self, features: pd.DataFrame) -> np.ndarray:
        rows = features[self.columns]
        if not hasattr(self.pipeline, "feature_names_in_"):  # versions fitted on the data frame itself still get it
            rows = design_matrix(rows)
        bulk = all_cores() if len(features) >= PARALLEL_ROWS else nullcontext()
        with bulk:
            return self.pipeline.predict(rows)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Predicted in-room minutes, P10, P90 and fallback notes for each row of a feature frame."""
        features = features.reset_index(drop=True)
        unknown = unknown_cases(features, self.reference, with_surgeon=self.with_surgeon)
        predicted = np.zeros(len(features))
        notes: list[list[str]] = [[] for _ in range(len(features))]
        range_service = features["service"].astype(object).to_numpy().copy()
        if (~unknown).any():
            predicted[~unknown] = self._minutes(features.loc[~unknown])
        if unknown.any():
            expansion = expand(features.loc[unknown], self.reference, with_surgeon=self.with_surgeon)
            weighted = self._minutes(expansion.rows) * expansion.weight
            predicted[unknown] = np.bincount(expansion.owner, weights=weighted, minlength=int(unknown.sum()))
            for position, case_notes in zip(np.flatnonzero(unknown), expansion.notes, strict=True):
                notes[position] = case_notes
            range_service[unknown] = expansion.range_service
        low, high = self.intervals.bounds(predicted, range_service)
        return pd.DataFrame({"predicted": predicted, "p10": low, "p90": high, "notes": notes})

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
    ) -> dict:
        """Predict one case; a missing booked time or start is filled from the training data, with a note."""
        notes = []
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
                "cpt_code": cpt_code, "or_suite": or_suite, "surgeon": surgeon,
                "booked_minutes": booked_minutes, "position_in_day": position_in_day,
            }]
        )
        features = build_features(row)
        result = self.predict(features).iloc[0]
        return {
            "predicted_minutes": float(result["predicted"]),
            "p10_minutes": float(result["p10"]),
            "p90_minutes": float(result["p90"]),
            "notes": notes + list(result["notes"]),
            "features": {column: _plain(features.iloc[0][column]) for column in self.columns},
            "history": self.history(cpt_code),
        }

    def history(self, cpt_code: str) -> dict | None:
        """How many training cases had this CPT code and their median in-room minutes."""
        known = self.reference.procedures.get(cpt_code)
        if known is None:
            return None
        return {"cpt_code": cpt_code, "cases": known["cases"], "median_minutes": known["median_minutes"]}


def _plain(value):
    """A JSON-friendly Python value (numpy scalars become int/float)."""
    return value.item() if isinstance(value, np.generic) else value
