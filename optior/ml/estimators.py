"""The candidate estimators, each one scikit-learn Pipeline (preprocessing + model) on log minutes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import parallel_config
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

from optior.ml.features import CATEGORICAL, design_matrix

RANDOM_FOREST = "random_forest"
LOG_LINEAR = "log_linear"
ESTIMATORS = (RANDOM_FOREST, LOG_LINEAR)
DISPLAY_NAMES = {RANDOM_FOREST: "random forest", LOG_LINEAR: "log-scale linear model"}

# Measured on 1M generated cases (2 cores): fit + out-of-bag predictions about 30 s.
FOREST_PARAMS = {"n_estimators": 100, "min_samples_leaf": 10, "max_features": 0.5}
SAMPLES_PER_TREE = 100_000
RIDGE_ALPHA = 1.0
CROSS_FIT_FOLDS = 5
CALIBRATION_ROWS = 200_000  # plenty for two quantiles per service; keeps cross-fitting cheap on big tables


def all_cores():
    """Context in which the forest fits and predicts on every core (threads: the tree code releases the GIL).

    The backend must be named: joblib ignores a bare n_jobs when an estimator prefers threads.
    """
    return parallel_config(backend="threading", n_jobs=-1)


def _folds(random_state: int) -> KFold:
    return KFold(CROSS_FIT_FOLDS, shuffle=True, random_state=random_state)


def _forest(categorical: list[int], n_rows: int, random_state: int) -> Pipeline:
    """Random forest on target-encoded and ordinal-encoded categories plus the numeric features.

    Each tree sees at most SAMPLES_PER_TREE bootstrap rows, which bounds the fit time on big tables;
    n_jobs stays unset, so one case predicts on one core and all_cores() speeds up fitting and bulk predictions.
    """
    encode = ColumnTransformer(
        [
            ("target", TargetEncoder(target_type="continuous", cv=_folds(random_state)), categorical),
            ("ordinal", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), categorical),
        ],
        remainder="passthrough",
    )
    forest = RandomForestRegressor(
        **FOREST_PARAMS,
        max_samples=SAMPLES_PER_TREE if n_rows > SAMPLES_PER_TREE else None,
        oob_score=True,
        random_state=random_state,
    )
    return Pipeline([("encode", encode), ("model", _on_log_scale(forest))])


def _log_linear(columns: list[str], surgeon_alpha: float) -> Pipeline:
    """Ridge regression of log minutes on one-hot categories and weekday, log booked minutes, scaled times.

    The surgeon's one-hot block has a penalty of its own, `surgeon_alpha`: a surgeon seen n times keeps about
    n / (n + surgeon_alpha) of their cases' mean deviation, so one with few cases (and any rare surgeon-and-
    procedure combination of theirs) stays near the procedure's typical duration instead of following a few
    cases. Scaling the block's columns by w makes Ridge penalise its coefficients by RIDGE_ALPHA / w^2.
    """
    one_hot = _positions(columns, lambda c: (c in CATEGORICAL and c != "surgeon") or c == "weekday")
    scaled = _positions(columns, lambda c: c not in CATEGORICAL and c not in ("booked_minutes", "weekday"))
    blocks = [
        ("onehot", OneHotEncoder(handle_unknown="ignore"), one_hot),
        ("log_booked", FunctionTransformer(np.log, validate=True), [columns.index("booked_minutes")]),
        ("scaled", StandardScaler(), scaled),
    ]
    weights = None
    if "surgeon" in columns:
        blocks.append(("surgeon", OneHotEncoder(handle_unknown="ignore"), [columns.index("surgeon")]))
        weights = {"surgeon": float(np.sqrt(RIDGE_ALPHA / surgeon_alpha))}
    encode = ColumnTransformer(blocks, transformer_weights=weights)
    return Pipeline([("encode", encode), ("model", _on_log_scale(Ridge(alpha=RIDGE_ALPHA)))])


def surgeon_alpha_of(pipeline: Pipeline) -> float | None:
    """The surgeon block's penalty of a fitted log-linear pipeline (None when it has no surgeon block of its own)."""
    weights = pipeline.named_steps["encode"].transformer_weights or {}
    if "surgeon" not in weights:
        return None
    return float(pipeline.named_steps["model"].regressor_.alpha / weights["surgeon"] ** 2)


def _on_log_scale(regressor) -> TransformedTargetRegressor:
    """Fit on log minutes (durations vary by multiples) and predict back in minutes."""
    return TransformedTargetRegressor(regressor=regressor, func=np.log, inverse_func=np.exp, check_inverse=False)


def _positions(columns: list[str], wanted) -> list[int]:
    return [index for index, column in enumerate(columns) if wanted(column)]


def build_pipeline(
    name: str, *, columns: list[str], n_rows: int, random_state: int = 0, surgeon_alpha: float = RIDGE_ALPHA
) -> Pipeline:
    """An unfitted Pipeline for estimator `name` (one of ESTIMATORS) on design_matrix(features[columns]).

    `surgeon_alpha` is the linear model's penalty on surgeon effects (see _log_linear); the forest ignores it.
    """
    if name == RANDOM_FOREST:
        return _forest(_positions(columns, lambda c: c in CATEGORICAL), n_rows, random_state)
    if name == LOG_LINEAR:
        return _log_linear(columns, surgeon_alpha)
    raise ValueError(f"unknown estimator {name!r}")


def out_of_sample_predictions(
    name: str, pipeline: Pipeline, features: pd.DataFrame, minutes: pd.Series, *, random_state: int = 0
) -> pd.Series:
    """Predictions for training rows from models that did not see them (for calibrating ranges), by row label.

    The forest's out-of-bag predictions come free with the fit (rows never out of bag are left out); the
    linear model is cross-fitted in 5 folds on at most CALIBRATION_ROWS rows.
    """
    if name == RANDOM_FOREST:
        unseen = pd.Series(np.exp(pipeline.named_steps["model"].regressor_.oob_prediction_), index=features.index)
        return unseen[np.isfinite(unseen)]
    if len(features) > CALIBRATION_ROWS:
        features = features.sample(n=CALIBRATION_ROWS, random_state=random_state)
        minutes = minutes.loc[features.index]
    predicted = cross_val_predict(clone(pipeline), design_matrix(features), minutes, cv=_folds(random_state))
    return pd.Series(predicted, index=features.index)


def describe(name: str, pipeline: Pipeline) -> dict:
    """The estimator's class and the parameters that matter, for the model card."""
    model = pipeline.named_steps["model"].regressor_
    keys = ("n_estimators", "min_samples_leaf", "max_features", "max_samples", "random_state")
    if name == RANDOM_FOREST:
        params = {k: v for k, v in model.get_params().items() if k in keys}
    else:
        params = {"alpha": model.alpha}
        surgeon_alpha = surgeon_alpha_of(pipeline)
        if surgeon_alpha is not None:
            params["surgeon_alpha"] = surgeon_alpha
    encoding = (
        "target encoding + ordinal codes" if name == RANDOM_FOREST else "one-hot categories, log booked minutes"
    )
    return {
        "name": name,
        "class": type(model).__name__,
        "parameters": params,
        "target_transform": "log(minutes)",
        "category_encoding": encoding,
    }
