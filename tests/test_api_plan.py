"""GET /api/plan and POST /api/plan (what-if) on the bundled sample with a trained model."""

from __future__ import annotations

import pandas as pd
import pytest

from optior.config import SAMPLE_CSV

pytest_plugins = ("tests.test_api_support",)

PLAN_DAY = "2026-10-05"


@pytest.fixture(scope="module")
def scheduled() -> pd.DataFrame:
    """The sample's rows without actual times (its scheduled cases), read with pandas."""
    frame = pd.read_csv(SAMPLE_CSV, dtype={"OR Suite": str, "Encounter ID": str})
    frame = frame[frame["Wheels Out"].isna()]
    return frame.assign(day=pd.to_datetime(frame["Date"], format="%m/%d/%y").dt.date.astype(str))


def test_a_scheduled_day_is_planned_room_by_room(trained_api_client, scheduled):
    response = trained_api_client.get(f"/api/plan?date={PLAN_DAY}")
    assert response.status_code == 200
    plan = response.get_json()
    expected = scheduled[scheduled["day"] == PLAN_DAY]
    assert plan["date"] == PLAN_DAY and plan["cost_ratio"] == 2 and plan["quantile"] == pytest.approx(2 / 3, abs=1e-3)
    assert plan["staffed_end"] == f"{PLAN_DAY}T17:00:00"
    assert [room["or_suite"] for room in plan["rooms"]] == sorted(expected["OR Suite"].unique(), key=int)
    cases = [case for room in plan["rooms"] for case in room["cases"]]
    assert sorted(case["encounter_id"] for case in cases) == sorted(expected["Encounter ID"])
    for room in plan["rooms"]:
        assert room["finish_p10"] <= room["finish_p50"] <= room["finish_p90"]  # ISO local times compare as text
        assert 0 <= room["p_overtime"] <= 1 and room["likely_late"] == (room["p_overtime"] >= 0.5)
        assert room["finish_p50"] == room["cases"][-1]["end_p50"]  # the room finishes with its last case
        starts = [case["start_p50"] for case in room["cases"]]
        assert starts == sorted(starts)
        for case in room["cases"]:
            assert case["start_p50"] >= case["scheduled_start"]  # never before its scheduled start
            assert case["predicted_p10_minutes"] <= case["predicted_p50_minutes"] <= case["predicted_p90_minutes"]
            assert case["recommended_booking_minutes"] % 5 == 0
            short = case["booked_minutes"] < case["predicted_p25_minutes"]
            long = case["booked_minutes"] > case["predicted_p90_minutes"]
            assert case["flag"] == ("booked short" if short else "booked long" if long else None)
    totals = plan["totals"]
    assert (totals["rooms"], totals["cases"]) == (len(plan["rooms"]), len(expected))
    assert totals["rooms_likely_late"] == sum(room["likely_late"] for room in plan["rooms"])


def test_the_default_day_is_a_scheduled_day_and_answers_repeat(trained_api_client, scheduled):
    first = trained_api_client.get("/api/plan").get_json()
    assert first["date"] in set(scheduled["day"])
    assert trained_api_client.get(f"/api/plan?date={first['date']}").get_json() == first  # seeded: reproducible


def test_a_higher_quantile_books_longer(trained_api_client):
    low = trained_api_client.get(f"/api/plan?date={PLAN_DAY}&quantile=0.5").get_json()
    high = trained_api_client.get(f"/api/plan?date={PLAN_DAY}&cost_ratio=9").get_json()
    assert low["cost_ratio"] is None and high["quantile"] == 0.9
    pairs = zip((c for r in low["rooms"] for c in r["cases"]), (c for r in high["rooms"] for c in r["cases"]),
                strict=True)
    assert all(a["recommended_booking_minutes"] <= b["recommended_booking_minutes"] for a, b in pairs)
    assert high["totals"]["recommended_overtime_minutes"] < low["totals"]["recommended_overtime_minutes"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date=2026-13-01", "date"),
        ("date=05/10/2026", "date"),
        (f"date={PLAN_DAY}&cost_ratio=2&quantile=0.7", None),
        (f"date={PLAN_DAY}&cost_ratio=0", "cost_ratio"),
        (f"date={PLAN_DAY}&cost_ratio=abc", "cost_ratio"),
        (f"date={PLAN_DAY}&quantile=1", "quantile"),
        (f"date={PLAN_DAY}&quantile=nan", "quantile"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(trained_api_client, query, field):
    response = trained_api_client.get(f"/api/plan?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]
    if field:
        assert body["details"]["field"] == field


def test_a_day_without_scheduled_cases_is_a_404_listing_the_days_that_have(trained_api_client, scheduled):
    response = trained_api_client.get("/api/plan?date=2026-10-10")
    assert response.status_code == 404
    body = response.get_json()
    assert "2026-10-10" in body["error"] and PLAN_DAY in body["error"]
    assert body["details"]["scheduled_days"] == sorted(set(scheduled["day"]))


def _posted(plan: dict) -> dict:
    """A what-if body sending back every case of a plan as it is (copies, free to change)."""
    return {"date": plan["date"], "cases": [dict(case) for room in plan["rooms"] for case in room["cases"]]}


def test_what_if_moves_a_case_to_another_room_and_stores_nothing(trained_api_client):
    before = trained_api_client.get(f"/api/plan?date={PLAN_DAY}").get_json()
    body = _posted(before)
    first_room, second_room = before["rooms"][0], before["rooms"][1]
    moved = first_room["cases"][-1]["encounter_id"]
    last_end = max(case["end_p90"] for case in second_room["cases"])
    for case in body["cases"]:
        if case["encounter_id"] == moved:
            case["or_suite"] = second_room["or_suite"]
            case["scheduled_start"] = last_end
    response = trained_api_client.post("/api/plan", json=body)
    assert response.status_code == 200
    after = {room["or_suite"]: room for room in response.get_json()["rooms"]}
    assert [c["encounter_id"] for c in after[second_room["or_suite"]]["cases"]][-1] == moved
    assert moved not in [c["encounter_id"] for c in after[first_room["or_suite"]]["cases"]]
    assert after[second_room["or_suite"]]["finish_p50"] > second_room["finish_p50"]
    assert after[first_room["or_suite"]]["finish_p50"] <= first_room["finish_p50"]
    assert trained_api_client.get(f"/api/plan?date={PLAN_DAY}").get_json() == before


def test_what_if_unchanged_is_the_stored_plan(trained_api_client):
    before = trained_api_client.get(f"/api/plan?date={PLAN_DAY}").get_json()
    response = trained_api_client.post("/api/plan", json=_posted(before))
    assert response.get_json() == before


def _one_case(**changes) -> dict:
    case = {"encounter_id": "X1", "or_suite": "1", "service": "Urology", "cpt_code": "52000",
            "scheduled_start": f"{PLAN_DAY}T07:30:00", "booked_minutes": 60}
    return {"date": PLAN_DAY, "cases": [case | changes]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_one_case(booked_minutes=-5), "cases.0.booked_minutes"),
        (_one_case(booked_minutes="60"), "cases.0.booked_minutes"),
        (_one_case(scheduled_start="2026-10-06T07:30:00"), "body"),
        (_one_case(scheduled_start=f"{PLAN_DAY}T07:30:00+02:00"), "cases.0.scheduled_start"),
        (_one_case(service="Uro\x00logy"), "cases.0.service"),
        (_one_case(or_suite="OR \u202e1"), "cases.0.or_suite"),  # reorders what a reader sees: the import refuses it
        (_one_case(surgeon="Dr.\u0085Chen"), "cases.0.surgeon"),  # a C1 control (NEL)
        (_one_case(cpt_code="520\t00"), "cases.0.cpt_code"),
        (_one_case(or_suite="x" * 65), "cases.0.or_suite"),
        (_one_case() | {"cost_ratio": 2, "quantile": 0.5}, "body"),
        ({"date": PLAN_DAY, "cases": []}, "cases"),
        ({"date": PLAN_DAY, "cases": _one_case()["cases"] * 401}, "cases"),
        (_one_case() | {"rooms": []}, "rooms"),
    ],
)
def test_bad_what_ifs_are_a_400_naming_the_field(trained_api_client, body, field):
    response = trained_api_client.post("/api/plan", json=body)
    assert response.status_code == 400
    assert response.get_json()["details"]["field"] == field


def test_what_if_needs_a_json_body(trained_api_client):
    assert trained_api_client.post("/api/plan", data="date=2026-10-05").status_code == 415
