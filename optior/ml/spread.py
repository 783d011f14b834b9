"""Per-case duration distributions: quantiles of in-room minutes around the point prediction.

log(actual) = log(predicted) + scale(case) * z. A ridge model of the absolute out-of-sample log residual
gives each case its own scale (a case type with a wide spread gets a wide range); z's quantiles are the
empirical (split-conformal) quantiles of the standardised out-of-sample residuals. Quantiles are monotone
in the level by construction and any level in (0, 1) is exact, not interpolated between stored ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from optior.ml.features import CATEGORICAL, design_matrix
from optior.ml.intervals import RatioIntervals

# The grid every case's distribution is tabulated on (what the day planner samples from).
QUANTILE_LEVELS = np.round(np.arange(1, 100) / 100, 2)
# The quantiles every prediction reports.
REPORTED_LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
# The scale model's shrinkage is chosen by leave-one-out error: strong when the spread hardly varies between
# case types (the scale stays near constant instead of chasing noise), weak when it does.
SCALE_ALPHAS = (1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
SCALE_FOLDS = 5
KEPT_RESIDUALS = 4_001  # order statistics kept of the standardised residuals (enough for any level to ~0.0003)
# The leave-one-out choice of shrinkage costs rows x columns^2: on 400,000 rows and 1,500 one-hot columns (1,000
# rooms) one fit took minutes, and a retrain makes eighteen. A random 50,000 calibration cases fit a few hundred
# spread coefficients and place the conformal quantiles to within about half a percentage point.
SCALE_ROWS = 50_000
# Rooms are left out of the spread: hundreds of columns that say little about how much a case type varies; the
# site (what a site's rooms share) stays.
_NOT_IN_SCALE = ("room",)
_FLOOR_SHARE = 0.25  # a case's scale is never below this share of the median scale


def level_key(level: float) -> str:
    """The JSON key of a quantile level: '0.05', '0.1', '0.5' (shortest decimal form)."""
    return f"{float(level):g}"


def check_levels(levels) -> np.ndarray:
    """Levels as a float array, each strictly inside (0, 1); ValueError otherwise."""
    levels = np.atleast_1d(np.asarray(levels, dtype=float))
    if not np.all((levels > 0) & (levels < 1)):
        raise ValueError("quantile levels must be strictly between 0 and 1")
    return levels


def _scale_pipeline(columns: list[str]) -> Pipeline:
    """Ridge regression of |log residual| on one-hot categories and weekday, log booked minutes, scaled times."""
    one_hot = [i for i, c in enumerate(columns) if c in CATEGORICAL or c == "weekday"]
    scaled = [i for i, c in enumerate(columns) if c not in CATEGORICAL and c not in ("booked_minutes", "weekday")]
    encode = ColumnTransformer(
        [
            ("onehot", OneHotEncoder(handle_unknown="ignore"), one_hot),
            ("log_booked", FunctionTransformer(np.log, validate=True), [columns.index("booked_minutes")]),
            ("scaled", StandardScaler(), scaled),
        ]
    )
    return Pipeline([("encode", encode), ("model", RidgeCV(alphas=SCALE_ALPHAS))])


@dataclass(frozen=True)
class LinearScale:
    """The fitted ridge scale model as plain lookups: a prediction costs microseconds, not a Pipeline call."""

    intercept: float
    alpha: float  # the chosen shrinkage
    categories: dict[str, dict]  # column -> {value: coefficient}; unseen values add 0, as one-hot "ignore" does
    log_columns: dict[str, float]  # column -> coefficient of log(value)
    scaled_columns: dict[str, tuple[float, float, float]]  # column -> (mean, standard deviation, coefficient)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        total = np.full(len(features), self.intercept)
        for column, coefficients in self.categories.items():
            total += features[column].map(coefficients).fillna(0.0).to_numpy(dtype=float)
        for column, coefficient in self.log_columns.items():
            total += coefficient * np.log(features[column].to_numpy(dtype=float))
        for column, (mean, std, coefficient) in self.scaled_columns.items():
            total += coefficient * (features[column].to_numpy(dtype=float) - mean) / std
        return total


def _as_lookups(pipeline: Pipeline, columns: list[str]) -> LinearScale:
    """Read the fitted encoders' categories and ridge coefficients into a LinearScale."""
    encode, ridge = pipeline.named_steps["encode"], pipeline.named_steps["model"]
    coefficients, at = ridge.coef_, 0
    one_hot, scaler = encode.named_transformers_["onehot"], encode.named_transformers_["scaled"]
    categories = {}
    for column, values in zip((columns[i] for i in encode.transformers_[0][2]), one_hot.categories_, strict=True):
        categories[column] = {_plain(v): float(c) for v, c in zip(values, coefficients[at:at + len(values)],
                                                                  strict=True)}
        at += len(values)
    log_columns = {columns[encode.transformers_[1][2][0]]: float(coefficients[at])}
    at += 1
    scaled = {
        columns[i]: (float(mean), float(std), float(c))
        for i, mean, std, c in zip(encode.transformers_[2][2], scaler.mean_, scaler.scale_, coefficients[at:],
                                   strict=True)
    }
    return LinearScale(float(ridge.intercept_), float(ridge.alpha_), categories, log_columns, scaled)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class ScaledResiduals:
    """A fitted scale model plus the sorted standardised residuals it was calibrated on."""

    scale_model: LinearScale
    floor: float
    residuals: np.ndarray  # sorted standardised out-of-sample log residuals (order statistics)
    n_calibration: int

    def scales(self, features: pd.DataFrame) -> np.ndarray:
        """Each case's scale of log residuals (at least the floor)."""
        return np.maximum(self.scale_model.predict(features), self.floor)

    def z(self, levels) -> np.ndarray:
        """Quantiles of the standardised residual at `levels` (linear between order statistics)."""
        return np.quantile(self.residuals, check_levels(levels))

    def describe(self) -> dict:
        return {
            "method": "log-scale location model + ridge scale model of |log residual|; split-conformal quantiles "
                      "of the standardised out-of-sample residuals",
            "calibration_cases": self.n_calibration,
            "scale_alpha": self.scale_model.alpha,
        }


def fit_scaled_residuals(
    features: pd.DataFrame, columns: list[str], actual: np.ndarray, predicted: np.ndarray, *, random_state: int = 0
) -> ScaledResiduals:
    """Calibrate from out-of-sample predictions of training cases (both the scale and the residuals cross-fitted).

    At most SCALE_ROWS of them, drawn at random, are used.
    """
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if len(features) > SCALE_ROWS:
        chosen = np.sort(np.random.default_rng(random_state).choice(len(features), SCALE_ROWS, replace=False))
        features, actual, predicted = features.iloc[chosen], actual[chosen], predicted[chosen]
    columns = [column for column in columns if column not in _NOT_IN_SCALE]
    residual = np.log(actual) - np.log(predicted)
    target = np.abs(residual)
    x = design_matrix(features[columns])
    pipeline = _scale_pipeline(columns)
    folds = KFold(SCALE_FOLDS, shuffle=True, random_state=random_state)
    unseen_scale = cross_val_predict(clone(pipeline), x, target, cv=folds)
    floor = _FLOOR_SHARE * float(np.median(target))
    standardised = residual / np.maximum(unseen_scale, floor)
    kept = np.quantile(standardised, np.linspace(0, 1, KEPT_RESIDUALS)) if len(standardised) > KEPT_RESIDUALS \
        else np.sort(standardised)
    return ScaledResiduals(
        scale_model=_as_lookups(pipeline.fit(x, target), columns), floor=floor, residuals=kept,
        n_calibration=len(standardised),
    )


def ratio_log_quantiles(intervals: RatioIntervals, range_service, levels) -> np.ndarray:
    """Log-ratio quantiles for models saved before per-case spread: a log-normal through their P10/P90 ratios.

    Shape (n_cases, n_levels); add log(predicted) to get log minutes.
    """
    ratios = np.array([intervals.by_service.get(s, intervals.overall) for s in range_service], dtype=float)
    low, high = np.log(ratios.reshape(-1, 2)).T
    tail = ndtri(0.5 + intervals.level / 2)
    centre, sigma = (low + high) / 2, (high - low) / (2 * tail)
    return centre[:, None] + sigma[:, None] * ndtri(check_levels(levels))[None, :]
