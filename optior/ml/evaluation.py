"""Honest evaluation: a split by date, accuracy and range metrics, and the holdout charts' data."""

from __future__ import annotations

import numpy as np
import pandas as pd

HOLDOUT_SHARE = 0.2
REPORT_POINTS = 1_000
BASELINE_NAMES = {"booked": "Booked time", "procedure_median": "Procedure median"}


def time_split(case_dates: pd.Series, *, holdout_share: float = HOLDOUT_SHARE) -> np.ndarray:
    """True for cases on the latest `holdout_share` of distinct dates (the holdout), False for earlier ones."""
    dates = np.sort(pd.unique(case_dates))
    n_holdout = min(max(1, round(len(dates) * holdout_share)), len(dates) - 1)
    return (case_dates >= dates[len(dates) - n_holdout]).to_numpy()


def accuracy(actual, predicted) -> dict:
    """MAE, median absolute error, bias (mean actual - predicted) and shares within 10% and 15 minutes."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    error = actual - predicted
    return {
        "mae": float(np.mean(np.abs(error))),
        "median_ae": float(np.median(np.abs(error))),
        "bias": float(np.mean(error)),
        "within_10pct": float(np.mean(np.abs(error) <= 0.10 * actual)),
        "within_15min": float(np.mean(np.abs(error) <= 15)),
    }


def range_quality(actual, low, high) -> dict:
    """Share of actual durations inside their range, and the ranges' mean width in minutes."""
    actual = np.asarray(actual, dtype=float)
    return {
        "interval_coverage": float(np.mean((actual >= low) & (actual <= high))),
        "interval_width": float(np.mean(np.asarray(high) - np.asarray(low))),
    }


def residuals_by_service(holdout: pd.DataFrame) -> list[dict]:
    """Per service: cases, MAE, bias, residual quantiles (actual - predicted) and range coverage."""
    rows = []
    for service, group in holdout.groupby("service", sort=True):
        residual = group["actual"] - group["predicted"]
        p10, p25, p50, p75, p90 = np.quantile(residual, [0.1, 0.25, 0.5, 0.75, 0.9])
        rows.append({
            "service": str(service),
            "cases": int(len(group)),
            "mae": float(residual.abs().mean()),
            "bias": float(residual.mean()),
            "residual_p10": float(p10), "residual_p25": float(p25), "residual_median": float(p50),
            "residual_p75": float(p75), "residual_p90": float(p90),
            "interval_coverage": float(((group["actual"] >= group["p10"]) & (group["actual"] <= group["p90"])).mean()),
        })
    return rows


def sample_points(holdout: pd.DataFrame, *, limit: int = REPORT_POINTS, random_state: int = 0) -> list[dict]:
    """Up to `limit` holdout cases for a predicted-vs-actual chart (a random sample when there are more)."""
    sample = holdout.sample(n=limit, random_state=random_state) if len(holdout) > limit else holdout
    sample = sample.sort_values("case_date", kind="stable")
    return [
        {
            "case_date": row.case_date.date().isoformat(), "service": str(row.service), "cpt_code": str(row.cpt_code),
            "actual": float(row.actual), "predicted": round(float(row.predicted), 1),
            "p10": round(float(row.p10), 1), "p90": round(float(row.p90), 1), "booked": float(row.booked_minutes),
        }
        for row in sample.itertuples(index=False)
    ]


def metrics_table(metrics: dict, *, model_name: str) -> list[dict]:
    """One row per predictor (the model, then each baseline) with the same metric keys; ranges only for the model."""
    rows = [{"predictor": f"Model ({model_name})", **metrics["model"]}]
    for key, label in BASELINE_NAMES.items():
        no_range = {"interval_coverage": None, "interval_width": None}
        rows.append({"predictor": label, **metrics["baselines"][key], **no_range})
    return rows
