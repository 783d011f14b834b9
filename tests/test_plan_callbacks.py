"""The Plan page's layout and callback called directly (no browser): empty states, booking controls, what-ifs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from optior.web.context import attach_runtime
from tests.test_page_callbacks import text_of


@pytest.fixture
def plan_page(optior_app):
    """The page module (pages register themselves, so only once the session app exists)."""
    from optior.pages import plan

    return plan


@pytest.fixture
def on_sample(optior_app):
    with optior_app.server.test_request_context("/plan", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield optior_app


def serving(runtime):
    """A request context whose app serves this runtime (the page reads the runtime from the app)."""
    server = Flask(__name__)
    attach_runtime(server, runtime)
    return server.test_request_context("/plan")


def test_without_scheduled_cases_the_page_says_how_to_import_a_schedule(plan_page, runtime):
    with serving(runtime):
        text = text_of(plan_page.layout())
    assert "No scheduled cases" in text and "Data page" in text and "Wheels Out" in text and "empty" in text


def test_without_a_model_the_page_says_to_retrain(plan_page, sample_runtime):
    with serving(sample_runtime):
        text = text_of(plan_page.layout())
    assert "No trained model yet" in text and "Retrain model" in text


def trigger(monkeypatch, plan_page, component_id: str) -> None:
    """Call the callback as if component_id had changed (what Dash's ctx tells it)."""
    monkeypatch.setattr(plan_page, "ctx", SimpleNamespace(triggered_id=component_id))


def answer(plan_page, values) -> dict:
    return {output.component_id + "." + output.component_property: value
            for output, value in zip(plan_page.OUTPUTS, values, strict=True)}


def test_a_cost_ratio_sets_the_booking_percentile_and_a_percentile_sets_the_ratio(plan_page, on_sample, monkeypatch):
    from optior.services import planning

    day = planning.planned_days(on_sample.server.extensions["optior"])[0].isoformat()
    trigger(monkeypatch, plan_page, plan_page.COST_RATIO)
    shown = answer(plan_page, plan_page.show_plan(day, 4, 67, None, None, None, [], None))
    assert shown["plan-percentile.value"] == 80 and "80th percentile" in shown["plan-booking-hint.children"]
    assert shown["plan-message.children"] is None and shown["plan-what-if-state.children"] is None
    trigger(monkeypatch, plan_page, plan_page.PERCENTILE)
    shown = answer(plan_page, plan_page.show_plan(day, 4, 75, None, None, None, shown["plan-cases.rowData"],
                                                  shown["plan-schedule.data"]))
    assert shown["plan-cost-ratio.value"] == 3 and "75th percentile" in shown["plan-booking-hint.children"]


def test_a_cost_ratio_out_of_range_is_named_and_nothing_is_redrawn(plan_page, on_sample, monkeypatch):
    from optior.services import planning

    day = planning.planned_days(on_sample.server.extensions["optior"])[0].isoformat()
    trigger(monkeypatch, plan_page, plan_page.COST_RATIO)
    shown = answer(plan_page, plan_page.show_plan(day, 500, 67, None, None, None, [], None))
    assert "Overtime cost ratio" in text_of(shown["plan-message.children"])
    assert "20" in text_of(shown["plan-message.children"])
    assert shown["plan-timeline.figure"] is plan_page.no_update


@pytest.mark.parametrize(("source", "ratio", "percentile", "changes", "rows", "named"), [
    ("plan-percentile", 2, "abc", None, [], "Percentile"),
    ("plan-percentile", 2, float("nan"), None, [], "Percentile"),
    ("plan-cases", 2, 67, [{"colId": "order", "rowId": "x", "oldValue": 1}], "not rows", "case table"),
    ("plan-cases", 2, 67, [{"colId": "start", "rowId": "x"}],
     [{"encounter_id": "x", "room": '["Main", "1"]', "start": "7 pm"}], "Start"),
    ("plan-cases", 2, 67, [{"colId": "room", "rowId": "x"}], [{"encounter_id": "x", "room": "1", "start": "07:30"}],
     "Room"),
])
def test_values_the_page_cannot_use_get_a_message_not_an_error(plan_page, on_sample, monkeypatch, source, ratio,
                                                               percentile, changes, rows, named):
    from optior.services import planning

    day = planning.planned_days(on_sample.server.extensions["optior"])[0].isoformat()
    trigger(monkeypatch, plan_page, source)
    shown = answer(plan_page, plan_page.show_plan(day, ratio, percentile, None, changes, None, rows, None))
    assert named in text_of(shown["plan-message.children"])
    assert shown["plan-timeline.figure"] is plan_page.no_update
