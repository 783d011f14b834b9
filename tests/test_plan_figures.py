"""The Plan page's timeline, drawn from day plans made by hand."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from optior.figures.plan import LATE_COLOR, ON_TIME_COLOR, plan_timeline
from optior.services.planning_models import CasePlan, DayPlan, PlanTotals, RoomPlan
from optior.vocabulary import DEFAULT_SITE

DAY = date(2026, 12, 1)


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(DAY, datetime.min.time()) + timedelta(hours=hours, minutes=minutes)


def case(encounter_id: str, room: str, start: str, booked: float, p50: float, *, service: str = "Urology",
         cpt: str = "52000", note: str | None = None, site: str = DEFAULT_SITE) -> CasePlan:
    begin = at(start)
    return CasePlan(
        encounter_id=encounter_id, site=site, or_suite=room, service=service, cpt_code=cpt, scheduled_start=begin,
        booked_minutes=booked, predicted_p10_minutes=p50 * 0.7, predicted_p25_minutes=p50 * 0.85,
        predicted_p50_minutes=p50, predicted_p90_minutes=p50 * 1.5, recommended_booking_minutes=p50 * 1.1,
        start_p50=begin, end_p50=begin + timedelta(minutes=p50), end_p90=begin + timedelta(minutes=p50 * 1.5),
        note=note,
    )


def room(suite: str, cases: list[CasePlan], *, p50: str, p90: str, p_overtime: float,
         site: str = DEFAULT_SITE) -> RoomPlan:
    return RoomPlan(
        site=site, or_suite=suite, finish_p10=at(p50) - timedelta(minutes=30), finish_p50=at(p50), finish_p90=at(p90),
        p_overtime=p_overtime, expected_overtime_minutes=20.0 * p_overtime, expected_idle_minutes=30.0,
        likely_late=p_overtime >= 0.5, cases=cases,
    )


def day_plan(rooms: list[RoomPlan]) -> DayPlan:
    cases = sum(len(r.cases) for r in rooms)
    totals = PlanTotals(
        rooms=len(rooms), cases=cases, rooms_likely_late=sum(r.likely_late for r in rooms),
        expected_room_overtime_minutes=0, expected_room_idle_minutes=0, booked_overtime_minutes=0,
        booked_idle_minutes=0, recommended_overtime_minutes=0, recommended_idle_minutes=0, booked_cost=0,
        recommended_cost=0,
    )
    return DayPlan(date=DAY, cost_ratio=2.0, quantile=2 / 3, staffed_start=at("07:00"), staffed_end=at("17:00"),
                   draws=1000, sites=list(dict.fromkeys(r.site for r in rooms)), rooms=rooms, totals=totals)


def two_rooms() -> DayPlan:
    late = room("1", [case("A", "1", "08:00", 240, 300), case("B", "1", "13:10", 180, 200)],
                p50="16:50", p90="18:05", p_overtime=0.72)
    calm = room("2", [case("C", "2", "08:00", 90, 60)], p50="09:00", p90="09:30", p_overtime=0.04)
    return day_plan([late, calm])


def trace(figure: dict, name: str) -> dict:
    return next(t for t in figure["data"] if t["name"] == name)


def room_notes(figure: dict) -> dict[str, dict]:
    return {note["y"]: note for note in figure["layout"]["annotations"] if note.get("yref") == "y"}


def test_a_room_likely_to_run_late_is_marked_in_red_with_its_chance_and_the_others_are_not():
    notes = room_notes(plan_timeline(two_rooms(), title="Plan"))
    assert "72% chance" in notes["OR 1"]["text"] and "past 17:00" in notes["OR 1"]["text"]
    assert "⚠" in notes["OR 1"]["text"] and notes["OR 1"]["font"]["color"] == LATE_COLOR
    assert "4% chance" in notes["OR 2"]["text"] and "⚠" not in notes["OR 2"]["text"]
    assert notes["OR 2"]["font"]["color"] == ON_TIME_COLOR


def test_each_room_has_its_p50_and_p90_finish_against_the_staffed_end_line():
    figure = plan_timeline(two_rooms(), title="Plan")
    p50, p90 = trace(figure, "Room finish P50"), trace(figure, "Room finish P90")
    assert dict(zip(p50["y"], p50["x"], strict=True)) == {"OR 1": "2026-12-01 16:50:00", "OR 2": "2026-12-01 09:00:00"}
    assert dict(zip(p90["y"], p90["x"], strict=True)) == {"OR 1": "2026-12-01 18:05:00", "OR 2": "2026-12-01 09:30:00"}
    (line,) = figure["layout"]["shapes"]
    assert line["x0"] == line["x1"] == "2026-12-01 17:00:00"
    assert any(note["text"] == "Staffed end 17:00" for note in figure["layout"]["annotations"])
    start, end = figure["layout"]["xaxis"]["range"]
    assert start <= "2026-12-01 08:00:00" and end >= "2026-12-01 18:05:00"  # the late finish is on the chart


def test_booked_slots_and_predicted_spans_are_drawn_per_case_on_a_clock_axis():
    figure = plan_timeline(two_rooms(), title="Plan")
    booked = trace(figure, "Booked")
    assert booked["y"] == ["OR 1", "OR 1", "OR 2"]
    assert booked["base"][1] == "2026-12-01 13:10:00" and booked["x"][1] == 180 * 60_000
    span = trace(figure, "Case end P10–P90")
    assert span["x"][:3] == ["2026-12-01 11:30:00", "2026-12-01 15:30:00", None]  # 08:00 + 210 and + 450 min
    layout = figure["layout"]
    assert layout["xaxis"]["type"] == "date" and layout["xaxis"]["tickformat"] == "%H:%M"
    assert "hh:mm" in layout["xaxis"]["title"]["text"]
    assert layout["legend"]["yref"] == "container" and layout["legend"]["y"] == 0  # under the plot, not on the title


def test_imported_text_is_shown_as_plain_text_in_labels_and_hover():
    hostile = '<a href="javascript:alert(1)">x</a>'
    plan = day_plan([room("<b>9</b>", [case("A", "<b>9</b>", "08:00", 60, 60, service=hostile, cpt="<br>",
                                             note="<img src=x onerror=alert(1)>")],
                          p50="09:00", p90="09:20", p_overtime=0.1)])
    figure = plan_timeline(plan, title="Plan")
    encoded = json.dumps(figure)
    assert "<a " not in encoded and "<img" not in encoded and "<b>9" not in encoded and '"<br>"' not in encoded
    assert trace(figure, "Booked")["y"] == ["&lt;b&gt;9&lt;/b&gt;"]
    hover = trace(figure, "Predicted case (P50)")["customdata"][0]
    assert hover[0].startswith("&lt;a href=") and hover[7] == "<br>&lt;img src=x onerror=alert(1)&gt;"


def test_a_day_without_cases_says_so():
    figure = plan_timeline(day_plan([]), title="Plan")
    assert figure["data"] == [] and "No scheduled cases" in figure["layout"]["annotations"][0]["text"]
