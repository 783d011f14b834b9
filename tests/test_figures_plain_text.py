"""Every chart builder shows user-supplied names as text: Plotly's pseudo-HTML in them is escaped."""

from __future__ import annotations

import json

import pandas as pd

from optior.figures import metrics, model, schedule, specialty

NAME = '<a href="https://evil.example">click & me</a>'
ESCAPED = "&lt;a href=\"https://evil.example\"&gt;click &amp; me&lt;/a&gt;"


def _case(service: str, site: str = "Main") -> dict:
    return {"site": site, "or_suite": "1", "service": service, "cpt_code": NAME, "cpt_description": NAME,
            "surgeon": NAME,
            "scheduled_start": "2026-06-01T08:00:00", "wheels_in": "2026-06-01T08:00:00",
            "in_room_minutes": 50.0, "booked_minutes": 60.0}


def _figures() -> dict[str, dict]:
    by_service = pd.DataFrame({
        "service": [NAME, "Urology"], "cases": [3, 4], "in_room_hours": [2.0, 3.0], "mean_booked_minutes": [60, 50],
        "mean_in_room_minutes": [55, 52], "first_case_on_time_pct": [50, 60], "on_time_start_pct": [40, 45],
        "booking_accurate_pct": [30, 40], "under_booked_pct": [40, 30], "over_booked_pct": [30, 30],
        "under_booked_minutes": [100, 90], "over_booked_minutes": [80, 70],
    })
    points = pd.DataFrame({"service": [NAME], "cpt_code": [NAME], "predicted": [50.0], "actual": [55.0],
                           "p10": [40.0], "p90": [70.0]})
    residuals = pd.DataFrame({"service": [NAME], **{f"residual_{q}": [float(i)] for i, q in enumerate(
        ("p10", "p25", "median", "p75", "p90"))}})
    return {
        "timeline": schedule.schedule_timeline([_case(NAME, site=NAME), _case("Urology")], [NAME, "Urology"]),
        "cases": specialty.case_distribution(by_service, [NAME, "Urology"]),
        "duration": specialty.duration_by_specialty(by_service),
        "workload": specialty.workload_by_specialty(by_service, [NAME, "Urology"]),
        "on_time": metrics.on_time_starts(by_service, "service", "On-time starts by service"),
        "on_time_rooms": metrics.on_time_starts(pd.DataFrame({"room": [NAME], "first_case_on_time_pct": [1],
                                                              "on_time_start_pct": [2]}), "room", "By room"),
        "booking": metrics.booking_accuracy(by_service),
        "scatter": model.predicted_vs_actual(points, [NAME]),
        "residuals": model.residuals_by_service(residuals),
        "importance": model.feature_importance(pd.DataFrame({"feature": [NAME], "mae_increase_minutes": [1.0]})),
    }


def test_no_chart_carries_the_name_as_markup():
    for name, figure in _figures().items():
        text = json.dumps(figure, default=str, ensure_ascii=False)
        assert json.dumps(NAME)[1:-1] not in text, name
        assert json.dumps(ESCAPED)[1:-1] in text, name
