"""Honest evaluation: a split by date, accuracy and range metrics, and the holdout charts' data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optior.vocabulary import natural_room_key

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


def accuracy_by_site(holdout: pd.DataFrame, procedure_median) -> list[dict]:
    """Per site, when the holdout has more than one: cases, the model's MAE and bias, and both baselines' MAE.

    Tells whether one model serves every site: a site whose MAE is near its booked-time MAE gains nothing.
    """
    if holdout["site"].nunique() < 2:
        return []
    frame = holdout.assign(procedure_median=np.asarray(procedure_median, dtype=float))
    rows = []
    for site, group in frame.groupby("site", sort=False):
        error = group["actual"] - group["predicted"]
        rows.append({
            "site": str(site), "cases": int(len(group)), "mae": float(error.abs().mean()), "bias": float(error.mean()),
            "booked_mae": float((group["actual"] - group["booked_minutes"]).abs().mean()),
            "procedure_median_mae": float((group["actual"] - group["procedure_median"]).abs().mean()),
        })
    return sorted(rows, key=lambda row: natural_room_key(row["site"]))


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
    scalars = {key: value for key, value in metrics["model"].items() if not isinstance(value, (dict, list))}
    rows = [{"predictor": f"Model ({model_name})", **scalars}]
    for key, label in BASELINE_NAMES.items():
        no_range = {"interval_coverage": None, "interval_width": None}
        rows.append({"predictor": label, **metrics["baselines"][key], **no_range})
    return rows


CALIBRATION_LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)
CENTRAL_RANGES = (0.5, 0.8, 0.9)
FREQUENCY_BANDS = (("<5", 0, 4), ("5-30", 5, 30), (">30", 31, None))  # label, fewest, most training cases


def quantile_quality(actual, quantiles: dict[float, np.ndarray]) -> dict:
    """Calibration (share of actuals at or below each predicted quantile) and mean pinball loss (minutes).

    `quantiles` maps each level of CALIBRATION_LEVELS to the predicted quantile of every case.
    """
    actual = np.asarray(actual, dtype=float)
    calibration, losses = {}, []
    for level in CALIBRATION_LEVELS:
        predicted = np.asarray(quantiles[level], dtype=float)
        calibration[f"{level:g}"] = float(np.mean(actual <= predicted))
        error = actual - predicted
        losses.append(np.mean(np.maximum(level * error, (level - 1) * error)))
    return {"quantile_calibration": calibration, "pinball_loss": float(np.mean(losses))}


def central_ranges(actual, quantiles: dict[float, np.ndarray]) -> dict:
    """Coverage and mean width (minutes) of the 50% and 90% central ranges (the 80% one is range_quality)."""
    result = {}
    for level in (0.5, 0.9):
        tail = round((1 - level) / 2, 3)
        quality = range_quality(actual, quantiles[tail], quantiles[round(1 - tail, 3)])
        percent = round(level * 100)
        result[f"interval_coverage_{percent}"] = quality["interval_coverage"]
        result[f"interval_width_{percent}"] = quality["interval_width"]
    return result


def combination_counts(train: pd.DataFrame, cases: pd.DataFrame) -> np.ndarray:
    """How many training cases had each case's surgeon-and-procedure combination."""
    counts = train.groupby(["surgeon", "cpt_code"]).size()
    keys = pd.MultiIndex.from_frame(cases[["surgeon", "cpt_code"]].astype(object))
    return counts.reindex(keys).fillna(0).to_numpy(dtype=int)


def by_frequency(actual, predicted, procedure_median, seen: np.ndarray) -> list[dict]:
    """Accuracy by how often the case's surgeon-and-procedure combination was seen in training, with the baseline."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    baseline = np.asarray(procedure_median, dtype=float)
    rows = []
    for label, fewest, most in FREQUENCY_BANDS:
        band = (seen >= fewest) & (seen <= (most if most is not None else np.inf))
        if not band.any():
            rows.append({"band": label, "n": 0, "mae": None, "bias": None, "procedure_median_mae": None})
            continue
        error = actual[band] - predicted[band]
        rows.append({
            "band": label, "n": int(band.sum()), "mae": float(np.mean(np.abs(error))), "bias": float(np.mean(error)),
            "procedure_median_mae": float(np.mean(np.abs(actual[band] - baseline[band]))),
        })
    return rows
