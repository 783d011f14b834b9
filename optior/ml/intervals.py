"""Calibrated ranges: split-conformal quantiles of actual / predicted minutes, per service where data allows."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RANGE_LEVEL = 0.8
MIN_SERVICE_CASES = 100


def _conformal_ratios(ratios: np.ndarray, level: float) -> tuple[float, float]:
    """Lower and upper ratio quantiles with the finite-sample correction of split-conformal prediction."""
    n = len(ratios)
    tail = (1 - level) / 2
    low_rank = max(math.floor((n + 1) * tail), 1)
    high_rank = min(math.ceil((n + 1) * (1 - tail)), n)
    ordered = np.sort(ratios)
    return float(ordered[low_rank - 1]), float(ordered[high_rank - 1])


@dataclass(frozen=True)
class RatioIntervals:
    """P10/P90 as the point prediction times two ratios; a range widens with the expected duration."""

    level: float
    overall: tuple[float, float]
    by_service: dict[str, tuple[float, float]] = field(default_factory=dict)

    def bounds(self, predicted: np.ndarray, services: Iterable[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends for each prediction (services not calibrated on their own use the overall ratios)."""
        ratios = np.array([self.by_service.get(s, self.overall) for s in services], dtype=float).reshape(-1, 2)
        return predicted * ratios[:, 0], predicted * ratios[:, 1]

    def describe(self) -> dict:
        """How the ranges were made, for the model card."""
        return {
            "method": "split-conformal on out-of-sample ratios actual/predicted, per service",
            "level": self.level,
            "overall_ratios": list(self.overall),
            "services_calibrated_separately": sorted(self.by_service),
        }


def fit_ratio_intervals(
    actual: np.ndarray, predicted: np.ndarray, services: pd.Series, *, level: float = RANGE_LEVEL
) -> RatioIntervals:
    """Calibrate from out-of-sample predictions of training cases; services with enough cases get their own."""
    ratios = pd.Series(np.asarray(actual, dtype=float) / np.asarray(predicted, dtype=float))
    by_service = {
        str(service): _conformal_ratios(group.to_numpy(), level)
        for service, group in ratios.groupby(np.asarray(services, dtype=object))
        if len(group) >= MIN_SERVICE_CASES
    }
    return RatioIntervals(level=level, overall=_conformal_ratios(ratios.to_numpy(), level), by_service=by_service)
