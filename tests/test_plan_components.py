"""The Plan page's table rows and what-if reading, and its totals, on day plans made by hand."""

from __future__ import annotations

from datetime import date

import pytest

from optior.components.day_panel import schedule_rows
from optior.components.plan_grid import (
    column_defs,
    parse_clock,
    plan_rows,
    reorder,
    room_value,
    site_and_room,
    what_if_cases,
)
from optior.components.plan_messages import fallback_notes, late_rooms
from optior.components.plan_totals import percentile_text, plan_totals
from optior.errors import InvalidInput
from optior.figures.plan import plan_timeline
from optior.figures.schedule import schedule_timeline
from optior.vocabulary import DEFAULT_SITE
from tests.test_plan_figures import DAY, case, day_plan, room, trace


def rows() -> list[dict]:
    short = case("A", "1", "08:00", 90, 150).model_copy(update={"flag": "booked short"})
    first = room("1", [case("B", "1", "10:00", 60, 50), short, case("C", "1", "12:00", 60, 20)],
                 p50="13:00", p90="14:00", p_overtime=0.2)
    return plan_rows(day_plan([first, room("2", [case("D", "2", "08:00", 45, 40)], p50="09:00", p90="09:20",
                                          p_overtime=0.0)]))


def test_rows_run_room_by_room_in_start_order_with_flags_in_words():
    table = rows()
    assert [(r["encounter_id"], site_and_room(r["room"])[1], r["start"], r["order"]) for r in table] == [
        ("A", "1", "08:00", 1), ("B", "1", "10:00", 2), ("C", "1", "12:00", 3), ("D", "2", "08:00", 1)]
    by_id = {r["encounter_id"]: r for r in table}
    assert by_id["A"]["flag"] == "Short (< P25)" and by_id["A"]["flag_kind"] == "booked short"
    assert by_id["B"]["flag"] == "—"
    assert by_id["A"]["predicted"] == "150 (105–225)" and by_id["A"]["likely"] == "08:00–10:30"


def test_a_new_order_moves_the_case_and_the_room_keeps_its_start_times():
    table = [r | {"order": 3} if r["encounter_id"] == "A" else r for r in rows()]
    moved = {r["encounter_id"]: r["start"] for r in reorder(table, "A")}
    assert moved == {"B": "08:00", "C": "10:00", "A": "12:00", "D": "08:00"}
    table = [r | {"order": 1} if r["encounter_id"] == "C" else r for r in rows()]
    assert {r["encounter_id"]: r["start"] for r in reorder(table, "C")} == {
        "C": "08:00", "A": "10:00", "B": "12:00", "D": "08:00"}


def test_the_what_if_reads_rooms_and_starts_from_the_table_and_refuses_a_bad_time():
    table = [r | {"room": room_value(DEFAULT_SITE, "2"), "start": "7:05"} if r["encounter_id"] == "B" else r
             for r in rows()]
    cases = {c["encounter_id"]: c for c in what_if_cases(DAY, table)}
    assert (cases["B"]["site"], cases["B"]["or_suite"]) == (DEFAULT_SITE, "2")
    assert cases["B"]["scheduled_start"] == "2026-12-01T07:05:00"
    assert cases["B"]["booked_minutes"] == 60
    with pytest.raises(InvalidInput, match="Start: .*hh:mm"):
        parse_clock("25:00")
    for bad in ("first", "1e999", None):
        with pytest.raises(InvalidInput, match="Order"):
            reorder([r | {"order": bad} if r["encounter_id"] == "A" else r for r in rows()], "A")
    assert reorder(rows(), "no such case") == rows()


def test_totals_give_units_and_the_booking_percentile_in_words():
    assert [percentile_text(q) for q in (2 / 3, 0.5, 0.91, 0.92, 0.83, 0.11)] == [
        "67th percentile", "50th percentile", "91st percentile", "92nd percentile", "83rd percentile",
        "11th percentile"]
    plan = day_plan([room("1", [case("A", "1", "08:00", 60, 60)], p50="17:30", p90="18:00", p_overtime=0.7)])
    text = str(plan_totals(plan, "t"))
    assert "1 of 1" in text and "0 → 0 min" in text and "67th percentile" in text and "17:00" in text


def test_the_default_day_is_the_one_asked_for_else_the_next_planned_day_else_the_latest(optior_app):
    from optior.pages.plan import default_day  # pages register themselves, so only once the app exists

    days = [date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 3)]
    assert default_day(days, date(2026, 12, 1)) == date(2026, 12, 2)
    assert default_day(days, date(2026, 12, 2)) == date(2026, 12, 2)
    assert default_day(days, date(2027, 1, 1)) == date(2026, 12, 3)
    assert default_day(days, date(2026, 12, 1), "2026-11-30") == date(2026, 11, 30)  # ?date= in the address
    assert default_day(days, date(2026, 12, 1), "2026-12-01") == date(2026, 12, 2)  # nothing scheduled then
    assert default_day(days, date(2026, 12, 1), "soon") == date(2026, 12, 2)


def test_late_rooms_and_fallback_cases_are_listed_in_words():
    plan = day_plan([
        room("1", [case("A", "1", "08:00", 60, 60, note="CPT 99999 not seen: service-wide range")],
             p50="17:30", p90="18:00", p_overtime=0.72),
        room("2", [case("B", "2", "08:00", 60, 60)], p50="09:00", p90="09:30", p_overtime=0.1),
    ])
    assert str(late_rooms(plan).children[1]) == "OR 1 (72% chance)"
    assert "past 17:00" in str(late_rooms(plan).children[0])
    notes = str(fallback_notes(plan))
    assert "1 case predicted with a wider fallback" in notes and "CPT 99999 not seen" in notes
    calm = day_plan([room("2", [case("B", "2", "08:00", 60, 60)], p50="09:00", p90="09:30", p_overtime=0.1)])
    assert late_rooms(calm) is None and fallback_notes(calm) is None


def test_a_day_with_many_late_rooms_names_the_likeliest_and_lists_the_rest_one_click_away():
    chances = [0.55 + i / 100 for i in range(20)]  # OR 20 the likeliest to run late
    plan = day_plan([room(str(i + 1), [case(f"E{i}", str(i + 1), "08:00", 60, 60)], p50="17:30", p90="18:00",
                          p_overtime=chance) for i, chance in enumerate(chances)])
    alert = late_rooms(plan)
    sentence = str(alert.children[1])
    assert sentence.startswith("OR 20 (74% chance), OR 19 (73% chance)") and sentence.count("chance") == 8
    assert alert.children[2] == " and 12 more rooms."
    every_room = str(alert.children[3].children[1].children)
    assert "All 20 rooms" in str(alert.children[3].children[0]) and every_room.count("chance") == 20
    assert "OR 1 (55% chance)" in every_room


def test_the_plan_and_the_dashboard_name_each_room_alike_while_the_what_if_keeps_the_stored_name():
    stored = ["1", "OR-77"]
    plan = day_plan([room(suite, [case(f"E{suite}", suite, "08:00", 60, 50)], p50="09:00", p90="09:30",
                          p_overtime=0.1) for suite in stored])
    rows = plan_rows(plan)
    shown_in_table = column_defs([(DEFAULT_SITE, suite) for suite in stored])[0]["refData"]
    plan_table = [shown_in_table[row["room"]] for row in rows]
    plan_chart = trace(plan_timeline(plan, title="Day"), "Room finish P50")["y"]
    day = [{"site": "Main", "or_suite": suite, "service": "Urology", "cpt_code": "52000",
            "cpt_description": "Cystoscopy", "surgeon": None, "booked_minutes": 60.0, "in_room_minutes": 50.0,
            "scheduled_start": "2026-12-01T08:00:00",
            "wheels_in": "2026-12-01T08:05:00", "wheels_out": "2026-12-01T08:55:00"} for suite in stored]
    dashboard_table = [row["or_suite"] for row in schedule_rows(day, with_site=False)]
    dashboard_chart = trace(schedule_timeline(day, ["Urology"]), "Booked slot")["y"]
    assert plan_table == plan_chart == dashboard_table == dashboard_chart == ["OR 1", "OR-77"]
    assert [case["or_suite"] for case in what_if_cases(DAY, rows)] == stored


def two_sites() -> list:
    """"OR 1" at North and at South: two rooms, North's likely late."""
    return [room("1", [case("N1", "1", "08:00", 60, 50, site="North"), case("N2", "1", "09:00", 60, 50, site="North")],
                 p50="16:30", p90="17:40", p_overtime=0.6, site="North"),
            room("1", [case("S1", "1", "08:00", 60, 50, site="South")], p50="09:00", p90="09:30", p_overtime=0.1,
                 site="South")]


def test_rooms_of_the_same_name_at_two_sites_are_two_rows_labelled_with_their_site():
    plan = day_plan(two_sites())
    table = plan_rows(plan)
    assert [(r["encounter_id"], site_and_room(r["room"]), r["order"]) for r in table] == [
        ("N1", ("North", "1"), 1), ("N2", ("North", "1"), 2), ("S1", ("South", "1"), 1)]
    labels = column_defs([("North", "1"), ("South", "1")], several_sites=True)[0]["refData"]
    assert [labels[r["room"]] for r in table] == ["North · OR 1", "North · OR 1", "South · OR 1"]
    assert trace(plan_timeline(plan, title="Day"), "Room finish P50")["y"] == ["North · OR 1", "South · OR 1"]
    assert str(late_rooms(plan).children[1]) == "North · OR 1 (60% chance)"
    # Moving North's second case to South's OR 1 is a what-if naming South; reordering stays within a site's room.
    moved = [r | {"room": room_value("South", "1")} if r["encounter_id"] == "N2" else r for r in table]
    assert {c["encounter_id"]: (c["site"], c["or_suite"]) for c in what_if_cases(DAY, moved)}["N2"] == ("South", "1")
    first = [r | {"order": 2} if r["encounter_id"] == "N1" else r for r in table]
    assert {r["encounter_id"]: r["start"] for r in reorder(first, "N1")} == {"N1": "09:00", "N2": "08:00",
                                                                             "S1": "08:00"}


def test_one_site_shows_rooms_without_the_site():
    only_north = day_plan(two_sites()[:1])
    assert trace(plan_timeline(only_north, title="Day"), "Room finish P50")["y"] == ["OR 1"]
    assert str(late_rooms(only_north).children[1]) == "OR 1 (60% chance)"
    labels = column_defs([("North", "1")])[0]["refData"]
    assert list(labels.values()) == ["OR 1"]
