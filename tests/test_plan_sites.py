"""The planner with two hospitals whose rooms share names: each (site, room) is its own simulated room, with its
own cases and turnover history; site= and --site keep some sites; what-if cases name their site."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pandas as pd
import pytest
from flask import Flask

from optior.cli import main
from optior.errors import InvalidInput, NothingScheduled
from optior.services.importing import import_cases
from optior.services.plan_backtest import backtest_plan
from optior.services.planning import plan_day, plan_what_if, turnover_history
from optior.services.planning_models import WhatIfRequest, parse_model
from optior.services.runtime import Runtime
from optior.web.context import attach_runtime
from tests.conftest import SAMPLE_TODAY
from tests.fixtures.sites import SCHEDULED_DAY, SITES, two_site_csv
from tests.test_api_support import api_app

NORTH, SOUTH = SITES


def test_the_same_room_name_at_two_sites_is_planned_as_two_rooms(two_site_trained):
    plan = plan_day(two_site_trained, SCHEDULED_DAY)
    assert plan.sites == [NORTH, SOUTH]
    assert [(room.site, room.or_suite, len(room.cases)) for room in plan.rooms] == [
        (NORTH, "1", 3), (NORTH, "2", 3), (SOUTH, "1", 3), (SOUTH, "2", 3)]
    for room in plan.rooms:
        assert {case.site for case in room.cases} == {room.site}
        assert {case.encounter_id[0] for case in room.cases} == {room.site[0]}  # the file's ids start with the site
    north_1, south_1 = plan.rooms[0], plan.rooms[2]
    # South starts later and its cases run 1.5 times longer: its OR 1 finishes later and is likelier to run late.
    assert south_1.finish_p50 > north_1.finish_p50 and south_1.p_overtime >= north_1.p_overtime
    assert plan.totals.rooms == 4 and plan.totals.cases == 12


def test_each_case_is_predicted_for_its_own_sites_room(two_site_trained):
    """The model is asked about South's OR 1, not the default site's: the same case (no surgeon, same time) is
    predicted longer there, as South's cases run 1.5 times longer (booked alike, so not 1.5 times)."""
    case = {"encounter_id": "W1", "or_suite": "1", "service": "Urology", "cpt_code": "52000", "booked_minutes": 40,
            "scheduled_start": f"{SCHEDULED_DAY}T09:00:00"}
    request = {"date": SCHEDULED_DAY.isoformat(), "cases": [case | {"site": NORTH}, case | {"encounter_id": "W2",
                                                                                          "site": SOUTH}]}
    plan = plan_what_if(two_site_trained, parse_model(WhatIfRequest, request, from_json=True))
    north, south = (room.cases[0].predicted_p50_minutes for room in plan.rooms)
    assert south > 1.1 * north


def _gaps_by_room(source: bytes, cutoff: float) -> dict[tuple[str, str], list[float]]:
    """Each (site, room)'s turnovers worked out from the file: the next wheels-in minus the latest wheels-out so far
    on the room's day, kept from 0 up to the cut-off (the metric's definition)."""
    frame = pd.read_csv(io.BytesIO(source), dtype=str).dropna(subset=["Wheels In"])
    frame["in"], frame["out"] = pd.to_datetime(frame["Wheels In"]), pd.to_datetime(frame["Wheels Out"])
    gaps: dict[tuple[str, str], list[float]] = {}
    for (site, room, _day), day in frame.sort_values("in").groupby(["Site", "OR Suite", "Date"]):
        reach = day["out"].cummax().shift()
        minutes = ((day["in"] - reach).dt.total_seconds() / 60).dropna()
        gaps.setdefault((site, room), []).extend(m for m in minutes if 0 <= m <= cutoff)
    return gaps


def test_each_sites_rooms_have_their_own_turnover_history(two_site_trained):
    history = turnover_history(two_site_trained, SCHEDULED_DAY, SITES)
    found = {(site, room): sorted(group["turnover_minutes"])
             for (site, room), group in history.groupby(["site", "room"], observed=True)}
    expected = _gaps_by_room(two_site_csv(), two_site_trained.settings.metrics.turnover_cutoff_minutes)
    assert found == {key: sorted(values) for key, values in expected.items() if values}
    assert found[(NORTH, "1")] != found[(SOUTH, "1")]


def test_a_site_filter_plans_only_that_sites_rooms(two_site_trained):
    plan = plan_day(two_site_trained, SCHEDULED_DAY, sites=[SOUTH])
    assert plan.sites == [SOUTH] and [(room.site, room.or_suite) for room in plan.rooms] == [(SOUTH, "1"),
                                                                                              (SOUTH, "2")]
    with pytest.raises(NothingScheduled, match="at West Campus"):
        plan_day(two_site_trained, SCHEDULED_DAY, sites=["West Campus"])


def test_api_and_cli_take_the_site(two_site_trained, capsys, monkeypatch):
    client = api_app(two_site_trained).test_client()
    both = client.get(f"/api/plan?date={SCHEDULED_DAY}").get_json()
    assert [(room["site"], room["or_suite"]) for room in both["rooms"]][:3] == [(NORTH, "1"), (NORTH, "2"),
                                                                                 (SOUTH, "1")]
    assert all(case["site"] == room["site"] for room in both["rooms"] for case in room["cases"])
    north = client.get(f"/api/plan?date={SCHEDULED_DAY}&site={NORTH}").get_json()
    assert north["sites"] == [NORTH] and len(north["rooms"]) == 2
    assert [[c["encounter_id"] for c in room["cases"]] for room in north["rooms"]] == [
        [c["encounter_id"] for c in room["cases"]] for room in both["rooms"][:2]]
    assert client.get(f"/api/plan?site=West&date={SCHEDULED_DAY}").status_code == 404
    document = client.get("/api/openapi.json").get_json()
    assert "site" in [parameter["name"] for parameter in document["paths"]["/api/plan"]["get"]["parameters"]]
    assert "site" in document["components"]["schemas"]["RoomPlan"]["required"]
    monkeypatch.setenv("OPTIOR_DATABASE_URL", two_site_trained.settings.database_url)
    monkeypatch.setenv("OPTIOR_MODEL_DIR", str(two_site_trained.settings.model_dir))
    assert main(["plan", "--date", SCHEDULED_DAY.isoformat(), "--site", SOUTH, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {room["site"] for room in printed["rooms"]} == {SOUTH}
    assert main(["plan", "--date", SCHEDULED_DAY.isoformat()]) == 0
    table = capsys.readouterr().out
    assert "Site" in table and NORTH in table and SOUTH in table


def test_a_what_if_names_each_cases_site_when_there_are_several(two_site_trained):
    plan = plan_day(two_site_trained, SCHEDULED_DAY)
    cases = [case.model_dump(mode="json") for room in plan.rooms for case in room.cases]
    # Move North's first OR 1 case to South's OR 1: South's OR 1 now has four cases.
    moved = [case | {"site": SOUTH} if case["encounter_id"] == plan.rooms[0].cases[0].encounter_id else case
             for case in cases]
    request = {"date": SCHEDULED_DAY.isoformat(), "cases": moved}
    answer = plan_what_if(two_site_trained, parse_model(WhatIfRequest, request, from_json=True))
    assert [(room.site, room.or_suite, len(room.cases)) for room in answer.rooms] == [
        (NORTH, "1", 2), (NORTH, "2", 3), (SOUTH, "1", 4), (SOUTH, "2", 3)]
    without_site = [{key: value for key, value in case.items() if key != "site"} for case in cases]
    request = parse_model(WhatIfRequest, {"date": SCHEDULED_DAY.isoformat(), "cases": without_site}, from_json=True)
    with pytest.raises(InvalidInput, match=r"cases\[0\].site: give each case's site") as refused:
        plan_what_if(two_site_trained, request)
    assert refused.value.details == {"field": "cases.0.site"}


def _holder_of(component, component_id: str):
    """The component whose children hold the one with component_id (None when absent)."""
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if getattr(child, "id", None) == component_id:
            return component
        found = _holder_of(child, component_id)
        if found is not None:
            return found
    return None


def _page_layout(optior_app, runtime: Runtime):
    """The Plan page's first view served from this runtime (pages register with the session's app)."""
    from optior.pages import plan as plan_page

    server = Flask(__name__)
    attach_runtime(server, runtime)
    with server.test_request_context("/plan"):
        return plan_page, plan_page.layout(date=SCHEDULED_DAY.isoformat())


def test_the_page_offers_a_site_choice_and_names_sites_only_with_several(optior_app, two_site_trained):
    plan_page, layout = _page_layout(optior_app, two_site_trained)
    assert _holder_of(layout, plan_page.SITE).className is None  # shown
    grid = next(c for c in _holder_of(layout, plan_page.GRID).children if getattr(c, "id", None) == plan_page.GRID)
    labels = grid.columnDefs[0]["refData"]
    assert sorted(set(labels.values())) == [f"{NORTH} · OR 1", f"{NORTH} · OR 2", f"{SOUTH} · OR 1",
                                            f"{SOUTH} · OR 2"]


def test_choosing_a_site_offers_only_that_sites_scheduled_days(optior_app, runtime):
    # North has a second scheduled day (the Tuesday after SCHEDULED_DAY); South has only SCHEDULED_DAY.
    later = SCHEDULED_DAY + timedelta(days=1)
    extra = (f"N999001,{NORTH},{later},1,Urology,52000,Cystoscopy,40,{later} 07:30,,,,,Dr North 1\n").encode()
    import_cases(runtime, source=two_site_csv() + extra, source_name="two-sites.csv", today=SAMPLE_TODAY)
    from optior.pages import plan as plan_page

    server = Flask(__name__)
    attach_runtime(server, runtime)
    with server.test_request_context("/plan"):
        day, disabled, first, last, month = plan_page.offer_site_days(SOUTH, later.isoformat())
        assert (day, first, last) == (SCHEDULED_DAY.isoformat(),) * 3  # North's day is not South's: moved
        assert disabled == [] and month == day
        day, disabled, first, last, _ = plan_page.offer_site_days(NORTH, SCHEDULED_DAY.isoformat())
        assert (day, first, last) == (SCHEDULED_DAY.isoformat(), SCHEDULED_DAY.isoformat(), later.isoformat())
        assert plan_page.offer_site_days(None, later.isoformat())[0] == later.isoformat()  # all sites: kept


def test_the_site_choice_is_hidden_with_one_site(optior_app, trained):
    plan_page, layout = _page_layout(optior_app, trained)
    assert "d-none" in _holder_of(layout, plan_page.SITE).className


def test_the_backtest_plans_each_sites_rooms_apart(settings, tmp_path):
    source = tmp_path / "two-sites.csv"
    source.write_bytes(two_site_csv())
    result = backtest_plan(settings, source=source, draws=500)
    # Four rooms a day (two sites' "1" and "2"), not two: each site's OR 1 is a room-day of its own.
    assert result["room_days"] == 4 * result["days"] and result["days"] > 5
    assert result["booking"]["cases"] == 3 * result["room_days"]
