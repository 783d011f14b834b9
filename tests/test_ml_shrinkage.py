"""Rare surgeon-and-procedure combinations stay near the procedure's typical duration instead of swinging."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from optior.ml.estimators import LOG_LINEAR, describe
from optior.ml.features import build_features
from optior.ml.shrinkage import SURGEON_ALPHAS, choose_surgeon_alpha
from optior.ml.training import train_and_evaluate

TYPICAL = {"11111": 60.0, "22222": 120.0}  # each procedure's median minutes, whoever operates
EXTREME = 2.5  # the rare combinations' few training cases ran this many times their procedure's median
REGULARS = [f"Dr. {letter}. Regular" for letter in "BCDEFGH"]


def _rows(seed: int = 3) -> pd.DataFrame:
    """200 weekdays of 8 cases by regular surgeons (who all operate at the same speed), plus two rare
    combinations seen three times each, early on, at 2.5 times the procedure's median:
    - Dr. R. Rare, who has no other cases, doing 22222;
    - Dr. A. Busy, who does 11111 every day, doing 22222."""
    rng = np.random.default_rng(seed)
    records, extreme_days = [], {20, 45, 70}
    for day in range(200):
        case_date = pd.Timestamp(date(2025, 1, 6) + timedelta(days=day))
        for position in range(1, 9):
            cpt = "11111" if position in (1, 2) or rng.random() < 0.4 else "22222"
            surgeon = "Dr. A. Busy" if position == 1 else REGULARS[int(rng.integers(len(REGULARS)))]
            minutes = TYPICAL[cpt] * rng.lognormal(0.0, 0.2)
            if day in extreme_days and position in (1, 8):
                cpt, surgeon = "22222", ("Dr. A. Busy" if position == 1 else "Dr. R. Rare")
                minutes = EXTREME * TYPICAL[cpt]
            records.append({
                "case_date": case_date, "scheduled_start": case_date + pd.Timedelta(minutes=450 + 90 * position),
                "service": "General Surgery", "cpt_code": cpt, "or_suite": str(1 + position % 3),
                "surgeon": surgeon, "booked_minutes": TYPICAL[cpt], "position_in_day": position,
                "in_room_minutes": float(minutes),
            })
    return pd.DataFrame.from_records(records)


@pytest.fixture(scope="module")
def trained():
    return train_and_evaluate(_rows(), estimators=(LOG_LINEAR,))


@pytest.mark.parametrize("surgeon", ["Dr. R. Rare", "Dr. A. Busy"])
def test_a_rare_combination_with_a_few_extreme_cases_predicts_near_the_procedures_typical_duration(trained, surgeon):
    case = pd.DataFrame([{
        "case_date": pd.Timestamp(date(2025, 9, 1)), "scheduled_start": pd.Timestamp(2025, 9, 1, 12, 0),
        "service": "General Surgery", "cpt_code": "22222", "or_suite": "2", "surgeon": surgeon,
        "booked_minutes": 120.0, "position_in_day": 3,
    }])
    predicted = trained.model.quantiles(build_features(case), (0.5,)).predicted[0]
    # Following its three cases would predict up to 300 minutes; the procedure's typical case is 120.
    assert predicted == pytest.approx(TYPICAL["22222"], rel=0.15)


def test_the_shrinkage_is_chosen_on_the_training_dates_and_shown_on_the_card(trained):
    parameters = describe(trained.model.estimator, trained.model.pipeline)["parameters"]
    assert parameters["surgeon_alpha"] in SURGEON_ALPHAS
    # Regular surgeons all operate at the same speed here, so the strongest pull wins on the later dates.
    assert parameters["surgeon_alpha"] == max(SURGEON_ALPHAS)


def test_without_surgeons_or_enough_dates_the_plain_penalty_is_kept():
    rows = _rows()
    features, minutes = build_features(rows), rows["in_room_minutes"]
    columns = ["service", "cpt_code", "or_suite", "booked_minutes", "weekday", "start_minute", "position_in_day"]
    assert choose_surgeon_alpha(features, minutes, rows["case_date"], columns) == 1.0
    one_day = rows["case_date"] == rows["case_date"].min()
    assert choose_surgeon_alpha(features[one_day], minutes[one_day], rows.loc[one_day, "case_date"],
                                [*columns[:3], "surgeon", *columns[3:]]) == 1.0
