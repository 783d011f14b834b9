"""What the Predict and Model pages show of quantiles, explanations, calibration and rare combinations."""

from __future__ import annotations

import pytest

from optior.components.model_quality import frequency_table, live_table
from optior.components.prediction_result import prediction_card
from optior.figures.calibration import calibration_chart
from optior.services.live_accuracy_models import LiveAccuracy
from optior.services.prediction_models import Explanation, Prediction
from tests.test_page_callbacks import text_of as nested_text


def text_of(component) -> str:
    """The component's text with single spaces."""
    return " ".join(nested_text(component).split())


@pytest.fixture
def in_app(optior_app):
    with optior_app.server.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield optior_app


def test_the_predict_result_lists_quantiles_and_the_reasons(in_app):
    from optior.pages import predict

    result, *_ = predict.predict(1, "2026-12-01", "07:30", "4", "Orthopedics", "27130", None, 90, None)
    text = text_of(result)
    assert "Quantiles: P5" in text and "P95" in text
    assert "Why this estimate" in text and "Typical Orthopedics case" in text
    assert "CPT code 27130" in text and "booked minutes 90 min" in text


def test_an_explanation_reads_as_signed_minutes_largest_first():
    card = prediction_card(Prediction.model_construct(
        predicted_minutes=104.0, p10_minutes=80.0, p90_minutes=130.0, range_level=0.8,
        quantiles={"0.05": 75.0, "0.1": 80.0, "0.5": 103.0, "0.9": 130.0, "0.95": 140.0},
        explanation=Explanation.model_validate(
            {"baseline_minutes": 88.0, "baseline_label": "typical General Surgery case",
             "contributions": [{"feature": "CPT code", "value": "47562", "minutes": 9.2},
                               {"feature": "OR suite", "value": "4", "minutes": -1.4}]}),
        booked_minutes=None, booked_comparison=None, booked_within_range=None,
        history_text="", model_version="v", notes=[],
    ))
    text = text_of(card)
    assert "Typical General Surgery case: 88 min" in text
    assert text.index("+9 min CPT code 47562") < text.index("−1 min OR suite 4") < text.index("Prediction: 104 min")
    assert "P5 75 min · P10 80 min · P50 103 min" in text


def test_the_calibration_chart_has_the_diagonal_and_percent_axes():
    figure = calibration_chart({"0.1": 0.12, "0.5": 0.49, "0.9": 0.91})
    diagonal, observed = figure["data"]
    assert diagonal["x"] == [0, 100] and diagonal["y"] == [0, 100]
    assert observed["x"] == [10.0, 50.0, 90.0] and observed["y"] == pytest.approx([12, 49, 91])
    assert "%" in figure["layout"]["xaxis"]["title"]["text"] and "%" in figure["layout"]["yaxis"]["title"]["text"]
    assert "retrain" in calibration_chart(None)["layout"]["annotations"][0]["text"]


def test_the_frequency_table_compares_each_band_with_the_procedure_median():
    text = text_of(frequency_table([
        {"band": "<5", "n": 12, "mae": 17.6, "bias": 4.2, "procedure_median_mae": 19.3},
        {"band": "5-30", "n": 0, "mae": None, "bias": None, "procedure_median_mae": None},
    ]))
    assert "Fewer than 5 12 18 min 4 min 19 min" in text
    assert "5 to 30 0 – – –" in text
    assert "retrain" in text_of(frequency_table(None))


def test_the_model_page_shows_calibration_and_frequency_bands(in_app):
    from optior.pages import model

    layout = model.layout()
    text = text_of(layout)
    assert "Accuracy by how familiar the combination is" in text
    assert "refitted on all" in text and "earlier dates only" in text
    assert "Pinball loss" in text and "90% range" in text
    assert model.CALIBRATION in str(layout)
    assert "Predictions made in advance" in text


def test_the_advance_prediction_table_shows_weeks_the_holdout_and_drift():
    text = text_of(live_table(LiveAccuracy.model_validate({
        "weeks": [{"week_start": "2026-12-07", "cases": 3, "mae": 31.0, "bias": 30.0, "interval_coverage": 0.0}],
        "holdout": {"version": "v1", "mae": 13.3, "interval_coverage": 0.806},
        "last_weeks": {"weeks": 1, "cases": 3, "mae": 31.0, "bias": 30.0, "interval_coverage": 0.0},
        "drift": ["80% range coverage over the last 1 week(s) is 0%, outside 70%–90%."],
    })))
    assert "2026-12-07 3 31 min 30 min 0%" in text
    assert "Holdout (version v1) 13 min 81%" in text
    assert "Drift: 80% range coverage" in text
    empty = text_of(live_table(LiveAccuracy(weeks=[], holdout=None, last_weeks=None, drift=[])))
    assert "Import the schedule" in empty
