"""Schedule, analytics and metrics endpoints, checked against the bundled sample read with pandas."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from optior.config import SAMPLE_CSV

pytest_plugins = ("tests.test_api_support",)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """The sample CSV's completed cases with dates parsed and in-room minutes worked out, independently of OptiOR."""
    frame = pd.read_csv(SAMPLE_CSV, dtype={"OR Suite": str, "Encounter ID": str}).dropna(subset=["Wheels Out"])
    frame["day"] = pd.to_datetime(frame["Date"], format="%m/%d/%y").dt.date
    wheels_in = pd.to_datetime(frame["Wheels In"], format="%m/%d/%y %I:%M %p")
    wheels_out = pd.to_datetime(frame["Wheels Out"], format="%m/%d/%y %I:%M %p")
    frame["in_room"] = (wheels_out - wheels_in).dt.total_seconds() / 60
    return frame


def assert_400_naming(response, field: str) -> None:
    assert response.status_code == 400
    assert response.get_json()["details"]["field"] == field


def test_schedule_defaults_to_the_latest_day_with_cases(sample_api_client, sample):
    body = sample_api_client.get("/api/schedule").get_json()
    latest = sample["day"].max()
    assert body["date"] == latest.isoformat()
    expected = sample[sample["day"] == latest]
    assert sorted(case["encounter_id"] for case in body["cases"]) == sorted(expected["Encounter ID"])
    assert body["summary"]["cases"] == len(expected)


def test_schedule_of_a_day_lists_its_cases_with_all_times(sample_api_client, sample):
    response = sample_api_client.get("/api/schedule?date=2026-07-01")
    assert response.status_code == 200
    cases = response.get_json()["cases"]
    expected = sample[sample["day"] == pd.Timestamp("2026-07-01").date()].set_index("Encounter ID")
    assert len(cases) == len(expected)
    for case in cases:
        assert set(case) >= {"scheduled_start", "wheels_in", "procedure_start", "procedure_end", "wheels_out"}
        assert case["in_room_minutes"] == pytest.approx(expected.loc[case["encounter_id"], "in_room"])
        assert case["wheels_in"] < case["wheels_out"]


def test_schedule_of_a_day_without_cases_is_an_empty_list(sample_api_client):
    body = sample_api_client.get("/api/schedule?date=2026-07-04").get_json()  # a Saturday
    assert (body["date"], body["cases"]) == ("2026-07-04", [])


def test_schedule_on_an_empty_database_has_no_day(api_client):
    response = api_client.get("/api/schedule")
    assert response.status_code == 200
    assert response.get_json() == {"date": None, "cases": [], "summary": None}


@pytest.mark.parametrize("value", ["07/01/2026", "2026-7-1", "20260701", "2026-02-30", "2026-13-01", "yesterday", ""])
def test_schedule_with_a_bad_date_is_a_400_naming_it(sample_api_client, value):
    assert_400_naming(sample_api_client.get("/api/schedule", query_string={"date": value}), "date")


def test_analytics_defaults_to_every_day_with_data(sample_api_client, sample):
    body = sample_api_client.get("/api/analytics").get_json()
    assert (body["start"], body["end"]) == (sample["day"].min().isoformat(), sample["day"].max().isoformat())
    counts = {row["service"]: row["cases"] for row in body["by_service"]}
    assert counts == sample["Service"].value_counts().to_dict()


def test_analytics_from_a_start_runs_to_the_last_day_with_data(sample_api_client, sample):
    body = sample_api_client.get("/api/analytics?start=2026-08-01").get_json()
    assert (body["start"], body["end"]) == ("2026-08-01", sample["day"].max().isoformat())


def test_metrics_default_to_the_dashboards_91_days_up_to_the_last_day_with_data(sample_api_client, sample):
    body = sample_api_client.get("/api/metrics").get_json()
    last = sample["day"].max()
    first = max(sample["day"].min(), last - timedelta(days=90))
    assert (body["filters"]["start"], body["filters"]["end"]) == (first.isoformat(), last.isoformat())
    assert body["overall"]["cases"] == int((sample["day"] >= first).sum())


def test_analytics_over_a_range_matches_the_file(sample_api_client, sample):
    body = sample_api_client.get("/api/analytics?start=2026-08-01&end=2026-08-31").get_json()
    chosen = sample[(sample["day"] >= pd.Timestamp("2026-08-01").date())
                    & (sample["day"] <= pd.Timestamp("2026-08-31").date())]
    expected = chosen.groupby("Service")["in_room"].agg(["count", "mean"])
    for row in body["by_service"]:
        assert row["cases"] == expected.loc[row["service"], "count"]
        assert row["mean_in_room_minutes"] == pytest.approx(expected.loc[row["service"], "mean"])
    assert len(body["by_service"]) == len(expected)


def test_analytics_filters_by_repeated_service_and_room(sample_api_client, sample):
    services = sorted(sample["Service"].unique())[:2]
    query = [("service", services[0]), ("service", services[1]), ("room", "1"), ("room", "2")]
    body = sample_api_client.get("/api/analytics", query_string=query).get_json()
    chosen = sample[sample["Service"].isin(services) & sample["OR Suite"].isin(["1", "2"])]
    assert {row["service"]: row["cases"] for row in body["by_service"]} == chosen["Service"].value_counts().to_dict()
    assert (body["services"], body["rooms"]) == (services, ["1", "2"])


def test_only_a_start_after_the_data_gives_an_empty_breakdown(sample_api_client):
    body = sample_api_client.get("/api/analytics?start=2027-01-01").get_json()
    assert (body["start"], body["end"], body["by_service"]) == ("2027-01-01", "2027-01-01", [])


@pytest.mark.parametrize("path", ["/api/analytics", "/api/metrics"])
def test_an_end_before_the_start_is_a_400_naming_end(sample_api_client, path):
    assert_400_naming(sample_api_client.get(f"{path}?start=2026-08-01&end=2026-07-01"), "end")


@pytest.mark.parametrize(("query", "field"), [("start=2026-31-01", "start"), ("end=soon", "end"),
                                              ("service=", "service"), ("room=%00", "room")])
def test_bad_selection_parameters_are_a_400_naming_them(sample_api_client, query, field):
    assert_400_naming(sample_api_client.get(f"/api/analytics?{query}"), field)
    assert_400_naming(sample_api_client.get(f"/api/metrics?{query}"), field)


def test_metrics_count_the_selected_cases_and_define_every_figure(sample_api_client, sample):
    body = sample_api_client.get("/api/metrics?start=2026-07-01&end=2026-07-31&room=3").get_json()
    chosen = sample[(sample["day"] <= pd.Timestamp("2026-07-31").date()) & (sample["OR Suite"] == "3")]
    assert body["overall"]["cases"] == len(chosen)
    assert body["filters"] == {"start": "2026-07-01", "end": "2026-07-31", "rooms": ["3"], "services": None,
                               "sites": None}
    assert [row["room"] for row in body["by_room"]] == ["3"]
    assert set(body["overall"]) <= set(body["definitions"])
    assert 0 <= body["overall"]["raw_utilization_pct"] <= 100


def test_metrics_on_an_empty_database_are_null_not_an_error(api_client):
    body = api_client.get("/api/metrics").get_json()
    assert body["overall"]["cases"] == 0
    assert body["overall"]["raw_utilization_pct"] is None
