"""Predictions made at schedule import, matched to the actual minutes that arrive later; drift flags."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from optior.db.schema import advance_predictions
from optior.services.importing import import_cases
from optior.services.live_accuracy import live_accuracy
from optior.services.training import retrain
from tests.test_api_support import api_app
from tests.test_ingest_parser import public_file

STARTS = ("07:30 AM", "10:30 AM", "01:30 PM")


def _rows(out_minutes: int | None) -> list[str]:
    """Three Orthopedics cases in OR 1 on Monday 7 December 2026; with actual times when out_minutes is given."""
    rows = []
    for index, start in enumerate(STARTS):
        hour, rest = start.split(":")
        actual = ",,,"
        if out_minutes is not None:
            begin = int(hour) % 12 + (12 if rest.endswith("PM") else 0)
            end_hour, end_minute = divmod(begin * 60 + 30 + out_minutes, 60)
            out = f"12/07/26 {(end_hour - 1) % 12 + 1:02d}:{end_minute:02d} {'PM' if end_hour >= 12 else 'AM'}"
            actual = f"12/07/26 {start},12/07/26 {start},{out},{out}"
        rows.append(f'{index},{40001 + index},12/07/26,1,Orthopedics,27447,"Arthroplasty, knee, total",150,'
                    f"12/07/26 {start},{actual}")
    return rows


def _import(runtime, rows: list[str], today: date) -> None:
    import_cases(runtime, source=public_file(*rows).encode(), source_name="day.csv", today=today)


def _advance(runtime) -> dict[str, dict]:
    with runtime.db.read() as connection:
        return {row.encounter_id: dict(row._mapping) for row in connection.execute(select(advance_predictions))}


def test_advance_predictions_are_matched_to_actuals_on_reimport(sample_runtime):
    trained = retrain(sample_runtime)
    assert live_accuracy(sample_runtime).weeks == []
    _import(sample_runtime, _rows(None), today=date(2026, 12, 4))
    stored = _advance(sample_runtime)
    assert set(stored) == {"40001", "40002", "40003"}

    _import(sample_runtime, _rows(150), today=date(2026, 12, 8))
    live = live_accuracy(sample_runtime)
    [week] = live.weeks
    errors = [150 - stored[key]["p50_minutes"] for key in sorted(stored)]
    inside = sum(stored[key]["p10_minutes"] <= 150 <= stored[key]["p90_minutes"] for key in stored)
    assert week.week_start.isoformat() == "2026-12-07" and week.cases == 3
    assert week.mae == pytest.approx(sum(abs(e) for e in errors) / 3)
    assert week.bias == pytest.approx(sum(errors) / 3)
    assert week.interval_coverage == pytest.approx(inside / 3)
    assert live.holdout.version == trained["version"]
    assert live.holdout.mae == trained["card"]["model"]["mae"]


def test_cases_far_outside_their_ranges_are_flagged_as_drift(sample_runtime):
    retrain(sample_runtime)
    _import(sample_runtime, _rows(None), today=date(2026, 12, 4))
    _import(sample_runtime, _rows(600), today=date(2026, 12, 8))
    live = live_accuracy(sample_runtime)
    assert live.last_weeks.interval_coverage == 0
    text = " ".join(live.drift)
    assert "coverage" in text and "outside 70%–90%" in text
    assert "more than 20% above the holdout" in text


def test_the_api_gives_the_same_figures(sample_runtime):
    retrain(sample_runtime)
    _import(sample_runtime, _rows(None), today=date(2026, 12, 4))
    _import(sample_runtime, _rows(150), today=date(2026, 12, 8))
    response = api_app(sample_runtime).test_client().get("/api/models/live")
    assert response.status_code == 200
    assert response.get_json()["weeks"] == live_accuracy(sample_runtime).model_dump(mode="json")["weeks"]
