"""How strongly the linear model pulls a rarely seen surgeon toward the typical one, chosen on the training dates.

The penalty is chosen the way the model will be used: each candidate is fitted on the earlier training dates
and scored on the latest fifth of them (a split by time, as the holdout is), so the holdout never decides it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optior.ml.estimators import LOG_LINEAR, RIDGE_ALPHA, build_pipeline
from optior.ml.evaluation import time_split
from optior.ml.features import design_matrix

# Candidate penalties: a surgeon seen n times keeps n / (n + alpha) of their own cases' deviation.
SURGEON_ALPHAS = (1.0, 4.0, 16.0, 64.0)
# The latest this many training cases are enough to choose a penalty (it does not depend on the table's size)
# and bound the cost of the four extra fits on big tables.
SELECTION_ROWS = 200_000
MIN_VALIDATION_CASES = 30


def choose_surgeon_alpha(
    features: pd.DataFrame, minutes: pd.Series, case_dates: pd.Series, columns: list[str]
) -> float:
    """The candidate penalty with the lowest MAE (minutes) on the latest fifth of the training dates.

    Without a surgeon feature, or with too few cases to score on, the plain ridge penalty is kept.
    """
    if "surgeon" not in columns or case_dates.nunique() < 2:
        return RIDGE_ALPHA
    if len(features) > SELECTION_ROWS:
        recent = case_dates >= case_dates.sort_values(kind="stable").iloc[-SELECTION_ROWS]
        features, minutes, case_dates = features[recent], minutes[recent], case_dates[recent]
    later = time_split(case_dates)
    if later.sum() < MIN_VALIDATION_CASES:
        return RIDGE_ALPHA
    x, y = design_matrix(features[columns]), np.asarray(minutes, dtype=float)
    errors = {}
    for alpha in SURGEON_ALPHAS:
        pipeline = build_pipeline(LOG_LINEAR, columns=columns, n_rows=int((~later).sum()), surgeon_alpha=alpha)
        pipeline.fit(x[~later], y[~later])
        errors[alpha] = float(np.mean(np.abs(y[later] - pipeline.predict(x[later]))))
    return min(SURGEON_ALPHAS, key=errors.__getitem__)
