"""The planner's contract: every booked case's quantile grid from the active model in one call."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from optior.errors import ModelUnavailable
from optior.services.case_distribution import CaseQuery, case_distributions, quantile_minutes
from optior.services.prediction import predict_duration


def _query(**changes) -> CaseQuery:
    values = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "surgeon": "Dr. L. Chen",
              "scheduled_start": datetime(2026, 12, 1, 7, 30), "booked_minutes": 150.0, "position_in_day": 1}
    return CaseQuery(**(values | changes))


def test_each_case_gets_an_increasing_grid_matching_its_single_prediction(trained):
    cases = [_query(), _query(cpt_code="47562", service="General Surgery", booked_minutes=None),
             _query(cpt_code="99999", or_suite="OR-77", position_in_day=None)]
    result = case_distributions(trained, cases)

    assert result.minutes.shape == (3, len(result.levels))
    assert np.all((result.levels > 0) & (result.levels < 1)) and np.all(np.diff(result.levels) > 0)
    assert np.all(np.diff(result.minutes, axis=1) >= 0)
    assert result.notes[0] is None
    assert "No booked time" in result.notes[1] and "CPT code 99999" in result.notes[2]
    single = predict_duration(trained, service="Orthopedics", cpt_code="27447", or_suite="1",
                              case_date="2026-12-01", scheduled_start="07:30", booked_minutes=150,
                              surgeon="Dr. L. Chen", position_in_day=1, log=False)
    assert result.model_version == single.model_version
    assert quantile_minutes(result, 0.9)[0] == pytest.approx(single.quantiles["0.9"], abs=0.05)
    assert quantile_minutes(result, 0.05)[0] == pytest.approx(single.quantiles["0.05"], abs=0.05)


def test_any_level_in_between_interpolates_and_the_tails_extend(trained):
    result = case_distributions(trained, [_query()])
    low, middle, high = (quantile_minutes(result, q)[0] for q in (0.101, 0.105, 0.109))
    assert quantile_minutes(result, 0.1)[0] < low < middle < high < quantile_minutes(result, 0.11)[0]
    assert quantile_minutes(result, 0.001)[0] < result.minutes[0, 0]
    assert quantile_minutes(result, 0.999)[0] > result.minutes[0, -1]
    with pytest.raises(ValueError):
        quantile_minutes(result, 1.0)


def test_an_empty_list_gives_an_empty_grid(trained):
    result = case_distributions(trained, [])
    assert result.minutes.shape == (0, len(result.levels)) and result.notes == ()


def test_without_a_model_it_says_how_to_get_one(runtime):
    with pytest.raises(ModelUnavailable, match="retrain"):
        case_distributions(runtime, [_query()])
