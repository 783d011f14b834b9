"""Train on earlier dates, evaluate on the latest ones against two baselines, and describe it in a card."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import date, datetime

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.inspection import permutation_importance

from optior.errors import ModelUnavailable
from optior.ml.estimators import (
    DISPLAY_NAMES,
    ESTIMATORS,
    LOG_LINEAR,
    RIDGE_ALPHA,
    all_cores,
    build_pipeline,
    describe,
    out_of_sample_predictions,
)
from optior.ml.evaluation import (
    CALIBRATION_LEVELS,
    accuracy,
    accuracy_by_site,
    by_frequency,
    central_ranges,
    combination_counts,
    quantile_quality,
    range_quality,
    residuals_by_service,
    sample_points,
    time_split,
)
from optior.ml.features import (
    TARGET,
    TARGET_LABEL,
    build_features,
    design_matrix,
    feature_columns,
    has_surgeons,
)
from optior.ml.intervals import RANGE_LEVEL, fit_ratio_intervals
from optior.ml.model import FORMAT_VERSION, TrainedModel
from optior.ml.reference import build_reference
from optior.ml.row_choice import RowChoice, every_case
from optior.ml.shrinkage import choose_surgeon_alpha
from optior.ml.spread import fit_scaled_residuals

MIN_CASES = 60
MIN_DATES = 5
# Below this many holdout cases, holdout figures are too noisy to compare versions on.
MIN_HOLDOUT_CASES = 30
HOLDOUT_LEVELS = tuple(sorted({0.05, 0.95, 0.25, 0.75, *CALIBRATION_LEVELS}))
IMPORTANCE_ROWS = 2_000
IMPORTANCE_REPEATS = 5


@dataclass(frozen=True)
class TrainingOutcome:
    """The chosen model refitted on every date, with the evaluation of its earlier-dates fit on the latest dates."""

    model: TrainedModel  # fitted on all the cases: the one to activate
    holdout_model: TrainedModel  # the same method fitted on the earlier dates only: the holdout figures are its
    n_train: int
    n_test: int
    train_dates: tuple[str, str]
    test_dates: tuple[str, str]
    metrics: dict
    candidates: dict[str, dict]
    feature_importance: list[dict]
    holdout: pd.DataFrame  # features, case_date, actual and the model's predicted/p10/p90
    report: dict
    row_choice: RowChoice  # which stored cases were read (all, or the latest dates up to a cap)

    @property
    def rows_used(self) -> int:
        return self.n_train + self.n_test

    @property
    def holdout_measurable(self) -> bool:
        """False when the holdout is too small for its figures to mean much (fewer than MIN_HOLDOUT_CASES)."""
        return self.n_test >= MIN_HOLDOUT_CASES

    def summary(self) -> dict:
        """The evaluation as one JSON-friendly object (what `python -m optior evaluate --json` prints)."""
        return {
            "target": TARGET_LABEL,
            "estimator": describe(self.model.estimator, self.model.pipeline),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "train_dates": {"first": self.train_dates[0], "last": self.train_dates[1]},
            "test_dates": {"first": self.test_dates[0], "last": self.test_dates[1]},
            "model": self.metrics["model"],
            "baselines": self.metrics["baselines"],
            "by_site": self.metrics["by_site"],
            "candidates": self.candidates,
            "holdout_measurable": self.holdout_measurable,
            "training_rows": self.row_choice.describe(),
        }

    def card(self, *, version: str, trained_at: datetime, decision: dict) -> dict:
        """The model card (the registry adds the file name and SHA-256)."""
        return {
            "version": version,
            "trained_at": trained_at.isoformat(timespec="seconds"),
            **self.summary(),
            "rows_used": self.rows_used,
            "date_range": {"first": self.train_dates[0], "last": self.test_dates[1]},
            "fitted_on": {
                "cases": self.rows_used, "first": self.train_dates[0], "last": self.test_dates[1],
                "note": f"After the holdout evaluation the chosen method was refitted on all {self.rows_used:,} "
                        f"cases (to {self.test_dates[1]}), so the active model has learned the newest cases. "
                        "The holdout figures are those of the fit on the earlier dates only.",
            },
            "format_version": self.model.format_version,
            "features": list(self.model.columns),
            "interval": {**self.model.describe_spread(), "level": RANGE_LEVEL},
            "feature_importance": self.feature_importance,
            "library_versions": {
                "python": platform.python_version(), "scikit-learn": sklearn.__version__,
                "numpy": np.__version__, "pandas": pd.__version__, "joblib": joblib.__version__,
            },
            "decision": decision,
        }


def _check_enough(rows: pd.DataFrame) -> None:
    n_dates = rows["case_date"].nunique()
    if len(rows) < MIN_CASES or n_dates < MIN_DATES:
        raise ModelUnavailable(
            f"Not enough cases to train and evaluate a model: need at least {MIN_CASES} cases on at least "
            f"{MIN_DATES} different dates, found {len(rows)} on {n_dates}.",
            {"cases": len(rows), "dates": int(n_dates)},
        )


def _fit(
    name: str, features: pd.DataFrame, minutes: pd.Series, case_dates: pd.Series, columns: list[str], reference,
    random_state: int,
):
    """Fit one candidate on the training rows and calibrate its ranges on out-of-sample predictions."""
    surgeon_alpha = choose_surgeon_alpha(features, minutes, case_dates, columns) if name == LOG_LINEAR else RIDGE_ALPHA
    pipeline = build_pipeline(name, columns=columns, n_rows=len(features), random_state=random_state,
                              surgeon_alpha=surgeon_alpha)
    with all_cores():
        pipeline.fit(design_matrix(features[columns]), minutes)
    unseen = out_of_sample_predictions(name, pipeline, features[columns], minutes, random_state=random_state)
    actual, calibration = minutes.loc[unseen.index].to_numpy(), features.loc[unseen.index]
    intervals = fit_ratio_intervals(actual, unseen.to_numpy(), calibration["service"])
    spread = fit_scaled_residuals(calibration, columns, actual, unseen.to_numpy(), random_state=random_state)
    return TrainedModel(estimator=name, pipeline=pipeline, columns=columns, intervals=intervals, reference=reference,
                        spread=spread, format_version=FORMAT_VERSION)


def _importance(model: TrainedModel, holdout: pd.DataFrame, random_state: int) -> list[dict]:
    """How much the holdout MAE grows (minutes) when each feature's values are shuffled."""
    sample = holdout.sample(n=min(len(holdout), IMPORTANCE_ROWS), random_state=random_state)
    result = permutation_importance(
        model.pipeline, design_matrix(sample[model.columns]), sample["actual"], scoring="neg_mean_absolute_error",
        n_repeats=IMPORTANCE_REPEATS, random_state=random_state,
    )
    ranked = sorted(zip(model.columns, result.importances_mean, strict=True), key=lambda pair: -pair[1])
    return [{"feature": column, "mae_increase_minutes": float(value)} for column, value in ranked]


def _by_level(result) -> dict[float, np.ndarray]:
    """Each level's predicted quantiles (a column of the result) keyed by the level."""
    return {round(float(level), 3): result.minutes[:, i] for i, level in enumerate(result.levels)}


def _date_span(dates: pd.Series) -> tuple[str, str]:
    return dates.min().date().isoformat(), dates.max().date().isoformat()


def train_and_evaluate(
    rows: pd.DataFrame, *, estimators: tuple[str, ...] = ESTIMATORS, random_state: int = 0,
    row_choice: RowChoice | None = None, holdout_from: date | None = None,
) -> TrainingOutcome:
    """Fit each candidate on the earlier 80% of dates, choose the lowest holdout MAE, then refit it on all dates.

    `rows` are case rows as read by optior.db.training_data.read_case_rows (actual cases only); `row_choice`
    says how they were chosen (default: they are every case). The holdout is every row of the latest dates:
    the latest 20% of them, or those from `holdout_from` on (to compare choices of training rows on one holdout).
    Raises ModelUnavailable when there are too few cases or dates to train and evaluate.
    """
    _check_enough(rows)
    features, minutes = build_features(rows), rows[TARGET].astype(float)
    columns = feature_columns(with_surgeon=has_surgeons(rows))
    if holdout_from is None:
        test = time_split(rows["case_date"])
    else:
        test = (rows["case_date"] >= pd.Timestamp(holdout_from)).to_numpy()
        if test.all() or not test.any():
            raise ValueError("holdout_from must leave cases on both sides of it")
    train_x, train_y, train_dates = features[~test], minutes[~test], rows.loc[~test, "case_date"]
    reference = build_reference(train_x, train_y)
    holdout = features[test].assign(case_date=rows.loc[test, "case_date"], actual=minutes[test].to_numpy())
    holdout = holdout.reset_index(drop=True)

    fitted, quantiles, candidates = {}, {}, {}
    for name in estimators:
        fitted[name] = _fit(name, train_x, train_y, train_dates, columns, reference, random_state)
        quantiles[name] = fitted[name].quantiles(holdout, HOLDOUT_LEVELS)
        candidates[name] = {
            "mae": accuracy(holdout["actual"], quantiles[name].predicted)["mae"],
            **quantile_quality(holdout["actual"], _by_level(quantiles[name])),
        }
    best = min(estimators, key=lambda name: candidates[name]["mae"])
    at = _by_level(quantiles[best])
    holdout = holdout.assign(predicted=quantiles[best].predicted, p10=at[0.1], p90=at[0.9])

    actual = holdout["actual"]
    procedure_median = reference.procedure_median(holdout)
    metrics = {
        "model": {
            **accuracy(actual, holdout["predicted"]), **range_quality(actual, holdout["p10"], holdout["p90"]),
            **central_ranges(actual, at), **quantile_quality(actual, at),
            "by_frequency": by_frequency(actual, holdout["predicted"], procedure_median,
                                         combination_counts(train_x, holdout)),
        },
        "baselines": {
            "booked": accuracy(actual, holdout["booked_minutes"]),
            "procedure_median": accuracy(actual, procedure_median),
        },
        "by_site": accuracy_by_site(holdout, procedure_median),
    }
    everything = _fit(best, features, minutes, rows["case_date"], columns, build_reference(features, minutes),
                      random_state)
    return TrainingOutcome(
        model=everything,
        holdout_model=fitted[best],
        n_train=int((~test).sum()),
        n_test=int(test.sum()),
        train_dates=_date_span(rows.loc[~test, "case_date"]),
        test_dates=_date_span(rows.loc[test, "case_date"]),
        metrics=metrics,
        candidates={name: {**result, "label": DISPLAY_NAMES[name]} for name, result in candidates.items()},
        feature_importance=_importance(fitted[best], holdout, random_state),
        holdout=holdout,
        report={"points": sample_points(holdout), "residuals_by_service": residuals_by_service(holdout)},
        row_choice=row_choice or every_case(len(rows), int(rows["case_date"].nunique())),
    )
