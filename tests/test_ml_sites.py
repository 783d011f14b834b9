"""Sites in the model: a room is its site and name together, and versions saved before sites still predict."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import joblib

from optior.ml.explain import explain, readable_value
from optior.vocabulary import DEFAULT_SITE, room_key, split_room_key

# A log-linear version trained on the bundled sample by the code before sites (rooms known by name alone).
MODEL_BEFORE_SITES = Path(__file__).parent / "fixtures" / "model_before_sites.joblib"
KNEE = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "case_date": date(2026, 12, 1),
        "position_in_day": 1, "booked_minutes": 150.0}


def test_a_room_key_splits_back_into_its_site_and_name():
    assert split_room_key(room_key("North Campus", "OR 1")) == ("North Campus", "OR 1")
    assert split_room_key("OR 1") == (DEFAULT_SITE, "OR 1")  # a bare name is a room of the default site


def test_a_room_names_its_site_only_when_the_model_knows_several():
    key = room_key("North Campus", "1")
    assert readable_value("room", key, several_sites=True) == "North Campus · OR 1"
    assert readable_value("room", key) == "OR 1"


def test_a_version_saved_before_sites_still_predicts_ignoring_the_site():
    model = joblib.load(MODEL_BEFORE_SITES)
    assert not model.with_site and model.reference.sites is None

    here = model.predict_case(**KNEE)
    elsewhere = model.predict_case(**KNEE, site="South Campus")

    assert elsewhere["predicted_minutes"] == here["predicted_minutes"]
    assert any("trained before sites" in note for note in elsewhere["notes"])
    assert not any("trained before sites" in note for note in here["notes"])
    explanation = explain(model, elsewhere["features"])
    total = explanation["baseline_minutes"] + sum(item["minutes"] for item in explanation["contributions"])
    assert abs(total - elsewhere["predicted_minutes"]) < 0.01


def test_a_version_saved_before_sites_still_falls_back_for_a_room_it_never_saw():
    model = joblib.load(MODEL_BEFORE_SITES)

    result = model.predict_case(**{**KNEE, "or_suite": "Hybrid 9"})

    assert any("OR suite 'Hybrid 9' is not in the training data" in note for note in result["notes"])
    assert result["predicted_minutes"] > 0
