"""Client scripts written against the API's first version keep working: same paths, methods and returned fields."""

from __future__ import annotations

pytest_plugins = ("tests.test_api_support",)


def test_a_script_for_the_first_api_version_runs_end_to_end(api_client):
    seeded = api_client.post("/api/seed")
    assert seeded.status_code == 200
    assert isinstance(seeded.get_json()["message"], str)
    assert seeded.get_json()["count"] > 0

    schedule = api_client.get("/api/schedule").get_json()
    assert schedule["date"] and schedule["cases"]
    first = schedule["cases"][0]

    by_specialty = api_client.get("/api/analytics").get_json()["by_service"]
    assert sum(row["cases"] for row in by_specialty) == seeded.get_json()["count"]
    assert all(row["mean_in_room_minutes"] > 0 for row in by_specialty)

    retrained = api_client.post("/api/retrain")
    assert retrained.status_code == 200
    assert isinstance(retrained.get_json()["message"], str)

    prediction = api_client.post(
        "/api/predict",
        json={"service": first["service"], "cpt_code": first["cpt_code"], "or_suite": first["or_suite"],
              "date": schedule["date"]},
    )
    assert prediction.status_code == 200
    assert prediction.get_json()["predicted_duration"] > 0

    cleared = api_client.delete("/api/clear")
    assert cleared.status_code == 200
    assert cleared.get_json()["deleted"] == seeded.get_json()["count"]
    assert isinstance(cleared.get_json()["message"], str)
