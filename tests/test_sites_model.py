"""One model for several sites: "OR 1" at North and at South are two rooms, and predictions need the site."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from optior.config import Settings
from optior.db.schema import advance_predictions, scheduled_cases
from optior.errors import InvalidInput
from optior.services.importing import import_cases
from optior.services.prediction import form_options, predict_duration
from optior.services.runtime import Runtime, build_runtime
from optior.services.scheduled_import import record_missing_advance_predictions
from optior.services.training import active_model_card, retrain
from tests.conftest import SAMPLE_TODAY, TEST_DATABASE_URL, _reset_database
from tests.fixtures.sites import SCHEDULED_DAY, SITES, SOUTH_FACTOR, two_site_csv
from tests.test_api_support import api_app

NORTH, SOUTH = SITES
# The same booking at each site's "OR 1": only the site differs.
KNEE = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "case_date": "2026-12-01",
        "scheduled_start": "08:00", "booked_minutes": 120}


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    """The two-hospital file imported and a first model trained on it, shared by this module's tests."""
    folder: Path = tmp_path_factory.mktemp("sites")
    url = TEST_DATABASE_URL or f"sqlite:///{folder / 'optior.db'}"
    if TEST_DATABASE_URL:
        _reset_database(url)
    runtime = build_runtime(Settings(database_url=url, model_dir=folder / "models", auto_seed=False))
    import_cases(runtime, source=two_site_csv(), source_name="two-sites.csv", today=SAMPLE_TODAY)
    assert retrain(runtime)["status"] == "activated"
    yield runtime
    runtime.db.dispose()


@pytest.fixture(scope="module")
def card(two_sites: Runtime) -> dict:
    return active_model_card(two_sites)


def test_the_same_room_name_at_two_sites_gets_each_sites_durations(two_sites, card):
    north = predict_duration(two_sites, **KNEE, site=NORTH, log=False)
    south = predict_duration(two_sites, **KNEE, site=SOUTH, log=False)

    assert (north.inputs.site, south.inputs.site) == (NORTH, SOUTH)
    assert south.predicted_minutes > north.predicted_minutes * 1.1  # only the site differs
    assert "site" in card["features"] and "room" in card["features"]
    # With each site's own surgeon (as a booking names one), the difference is the sites' whole difference.
    north = predict_duration(two_sites, **KNEE, site=NORTH, surgeon="Dr North 1", log=False)
    south = predict_duration(two_sites, **KNEE, site=SOUTH, surgeon="Dr South 1", log=False)
    assert south.predicted_minutes > north.predicted_minutes * (1 + SOUTH_FACTOR) / 2


def test_the_explanation_names_the_site_that_differs_from_the_typical_case(two_sites):
    north = predict_duration(two_sites, **KNEE, site=NORTH, log=False)
    south = predict_duration(two_sites, **KNEE, site=SOUTH, log=False)

    named = [item.value for result in (north, south) for item in result.explanation.contributions
             if item.feature in ("site", "OR suite")]
    assert any(SOUTH in value for value in named) or any(NORTH in value for value in named)
    assert all(value.endswith("OR 1") or value in SITES for value in named)


def test_without_a_site_several_sites_are_a_clear_error(two_sites):
    with pytest.raises(InvalidInput) as refused:
        predict_duration(two_sites, **KNEE, log=False)

    assert refused.value.details["field"] == "site"
    assert NORTH in refused.value.message and SOUTH in refused.value.message


def test_a_room_name_known_only_at_another_site_falls_back_to_the_sites_rooms(two_sites):
    result = predict_duration(two_sites, **{**KNEE, "or_suite": "3"}, site=SOUTH, log=False)

    assert any(f"{SOUTH} · OR 3 is not in the training data" in note for note in result.notes)


def test_the_evaluation_reports_accuracy_by_site(card):
    by_site = card["by_site"]

    assert [row["site"] for row in by_site] == list(SITES)
    assert sum(row["cases"] for row in by_site) == card["n_test"]
    for row in by_site:
        assert row["mae"] < row["procedure_median_mae"]


def test_the_form_offers_each_sites_rooms(two_sites):
    assert form_options(two_sites)["site_rooms"] == {NORTH: ["1", "2"], SOUTH: ["1", "2"]}


def test_advance_predictions_of_scheduled_cases_use_their_site(two_sites):
    assert record_missing_advance_predictions(two_sites) > 0

    with two_sites.db.read() as connection:
        rows = connection.execute(
            select(scheduled_cases.c.site, scheduled_cases.c.or_suite, scheduled_cases.c.cpt_code,
                   scheduled_cases.c.scheduled_start, advance_predictions.c.p50_minutes)
            .join(advance_predictions, advance_predictions.c.encounter_id == scheduled_cases.c.encounter_id)
            .where(scheduled_cases.c.case_date == SCHEDULED_DAY)
        ).all()
    first = {(row.site, row.or_suite): row for row in sorted(rows, key=lambda row: row.scheduled_start)}
    north, south = first[(NORTH, "1")], first[(SOUTH, "1")]
    assert north.cpt_code == south.cpt_code
    assert south.p50_minutes > north.p50_minutes * (1 + SOUTH_FACTOR) / 2



def test_the_api_takes_the_site_and_refuses_a_missing_one_with_several(two_sites):
    client = api_app(two_sites).test_client()
    body = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "date": "2026-12-01",
            "scheduled_start": "08:00", "booked_minutes": 120}

    refused = client.post("/api/predict", json=body)
    north = client.post("/api/predict", json=body | {"site": NORTH})
    south = client.post("/api/predict", json=body | {"site": SOUTH})

    assert refused.status_code == 400 and refused.get_json()["details"]["field"] == "site"
    assert north.status_code == south.status_code == 200
    assert south.get_json()["inputs"]["site"] == SOUTH
    assert south.get_json()["predicted_minutes"] > north.get_json()["predicted_minutes"]
