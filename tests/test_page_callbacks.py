"""Page callbacks called directly (no browser), on the session app seeded with the sample quarter."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest

from tests.test_ingest_parser import PUBLIC_ROWS, public_file


@pytest.fixture
def in_app(optior_app):
    with optior_app.server.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield optior_app


def text_of(component) -> str:
    """All the text inside a Dash component tree, the cells of its grids (AG Grid rowData) included."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    cells = [value for row in getattr(component, "rowData", None) or [] for value in row.values()]
    return " ".join([text_of(getattr(component, "children", None)), *map(str, cells)])


def test_a_day_with_cases_fills_cards_timeline_and_table(in_app):
    from optior.pages import dashboard

    cards, message, timeline, rows = dashboard.show_day("2026-09-30")
    assert message is None
    assert "Cases" in text_of(cards) and "min" in text_of(cards)
    rooms_on_timeline = {room for trace in timeline["data"][1:] for room in trace["y"]}
    assert rooms_on_timeline == {row["or_suite"] for row in rows} and "OR 1" in rooms_on_timeline  # named alike
    assert all(row["difference_minutes"] == row["in_room_minutes"] - row["booked_minutes"] for row in rows)
    assert timeline["layout"]["xaxis"]["title"]["text"].startswith("Time of day")


def test_a_day_without_cases_names_the_nearest_days(in_app):
    from optior.pages import dashboard

    cards, message, _timeline, rows = dashboard.show_day("2026-09-26")  # a Saturday
    assert cards == [] and rows == []
    assert "No cases on Saturday 26 September 2026" in text_of(message)
    assert "Fri 25 Sep 2026" in text_of(message) and "Mon 28 Sep 2026" in text_of(message)


def test_a_bad_day_value_asks_for_a_day(in_app):
    from optior.pages import dashboard

    _cards, message, _timeline, rows = dashboard.show_day("not-a-date")
    assert "Pick a day" in text_of(message) and rows == []


def test_range_filters_reach_every_chart(in_app):
    from optior.pages import dashboard

    cases_chart, duration_chart, workload_chart, note = dashboard.show_case_mix(
        "2026-07-01", "2026-09-30", ["Urology"], None)
    assert list(cases_chart["data"][0]["y"]) == ["Urology"]
    assert list(duration_chart["data"][1]["y"]) == ["Urology"]
    assert list(workload_chart["data"][0]["y"]) == ["Urology"]
    assert note is None
    cards, *_rest = dashboard.show_efficiency("2026-07-01", "2026-09-30", ["Urology"], None)
    assert "%" in text_of(cards)


def test_an_inverted_range_gets_a_message_instead_of_charts(in_app):
    from optior.pages import dashboard

    *_charts, note = dashboard.show_case_mix("2026-09-30", "2026-07-01", None, None)
    assert "end" in text_of(note).lower()
    _cards, _parameters, heatmap, *_rest = dashboard.show_efficiency("2026-09-30", "2026-07-01", None, None)
    assert "end" in heatmap["layout"]["annotations"][0]["text"].lower()


def test_procedures_follow_the_chosen_service(in_app):
    from optior.pages import predict
    from optior.services import prediction
    from optior.web.context import current_runtime

    options = prediction.form_options(current_runtime())
    procedures, _, surgeons, _ = predict.filter_by_service("Urology", options)
    codes = {p["value"] for p in procedures}
    assert codes and codes == {p["cpt_code"] for p in options["procedures"]["Urology"]}
    assert "27447" not in codes
    assert set(surgeons) == set(options["surgeons"]["Urology"])


def test_rooms_follow_the_chosen_site(in_app):
    from optior.pages import predict

    options = {"rooms": ["1", "2", "3"], "site_rooms": {"North": ["1", "2"], "South": ["1", "3"]}}
    rooms, chosen = predict.filter_by_site("South", options)
    assert [room["value"] for room in rooms] == ["1", "3"] and chosen is None
    before_sites = {"rooms": ["1", "2"]}  # options stored with a version trained before sites
    assert [room["value"] for room in predict.filter_by_site("South", before_sites)[0]] == ["1", "2"]


def test_predict_callback_puts_the_message_beside_the_bad_field(in_app):
    from optior.pages import predict

    result, _recent, *feedback = predict.predict(1, "2026-12-01", "07:30", "4", None, "27447", None, None, None)
    by_control = dict(zip(predict.FIELD_CONTROLS.values(), feedback, strict=True))
    assert "Service is required" in by_control[predict.SERVICE]
    assert by_control[predict.BOOKED] is None
    assert "correct the field" in text_of(result)


def test_predict_callback_shows_minutes_range_and_comparison(in_app):
    from optior.pages import predict

    result, recent, *feedback = predict.predict(1, "2026-12-01", "07:30", "4", "Orthopedics", "27447",
                                                None, 90, "Case A")
    assert all(message is None for message in feedback)
    text = text_of(result)
    assert "80% range" in text and "longer than booked" in text
    assert "Case A" in text_of(recent)


def test_uploading_a_file_shows_its_report(in_app):
    from optior.pages import data

    bad = PUBLIC_ROWS[1].replace(",60,", ",sixty,")
    encoded = base64.b64encode(public_file(PUBLIC_ROWS[0], bad).encode()).decode()
    report, history, _count, offer_hidden = data.import_upload(f"data:text/csv;base64,{encoded}", "q1.csv", [])
    text = text_of(report)
    assert "1 new" in text and "1 rejected" in text and "line" in text.lower()
    assert "q1.csv" in text_of(history)
    assert offer_hidden is False  # the data changed: offer to retrain


def test_an_unreadable_upload_says_so(in_app):
    from optior.pages import data

    report, *_ = data.import_upload("data:text/csv;base64,@@@", "x.csv", [])
    assert "could not be read" in text_of(report)
    binary = base64.b64encode(b"\x00\x01\x02PK").decode()
    report, *_ = data.import_upload(f"data:application/octet-stream;base64,{binary}", "x.zip", [])
    assert "binary" in text_of(report)


def test_a_viewer_cannot_import_or_retrain_from_the_pages(optior_app, tmp_path):
    from flask import g

    from optior.pages import data
    from optior.services.users import User
    from optior.shell import retrain
    from optior.web.context import current_runtime

    with optior_app.server.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        runtime = current_runtime()
        optior_app.server.extensions["optior"] = runtime.__class__(
            settings=runtime.settings.with_changes(users_file=tmp_path / "users.txt"), db=runtime.db
        )
        try:
            g.optior_user = User("ben", "viewer", "x")
            encoded = base64.b64encode(public_file(*PUBLIC_ROWS).encode()).decode()
            report, *_ = data.import_upload(f"data:text/csv;base64,{encoded}", "q.csv", [])
            assert "Only administrators" in text_of(report)
            _job, _poll, _disabled, message = retrain.start_retrain(1)
            assert "Only administrators" in text_of(message)
        finally:
            optior_app.server.extensions["optior"] = runtime


def test_a_long_range_shows_utilization_by_week_instead_of_by_day(in_app):
    from optior.pages import dashboard

    _cards, _parameters, by_day, *_rest = dashboard.show_efficiency("2026-07-01", "2026-09-30", None, None)
    _cards, _parameters, by_week, *_rest = dashboard.show_efficiency("2026-01-01", "2026-09-30", None, None)
    assert "day" in by_day["layout"]["title"]["text"] and "week" in by_week["layout"]["title"]["text"]
    weeks = [datetime.strptime(monday, "week of %d %b %Y") for monday in by_week["data"][0]["x"]]
    assert weeks and all(monday.weekday() == 0 for monday in weeks)
    assert len(weeks) < len(by_day["data"][0]["x"]) and len(by_week["data"][0]["y"]) == len(by_day["data"][0]["y"])


def test_the_day_callback_answers_over_http_exactly_what_the_function_returns(optior_app, in_app):
    """The callback hands Dash its components already as JSON (for speed); the browser must get the same answer."""
    import json

    from dash._utils import to_json

    from optior.pages import dashboard
    from tests.test_database_unavailable import fire

    client = optior_app.server.test_client()
    assert client.get("/").status_code == 200
    answer = fire(client, f"{dashboard.DAY_KPIS}.children", {f"{dashboard.DAY}.date": "2026-09-30"}).get_json()
    expected = json.loads(to_json(dashboard.show_day("2026-09-30")))
    outputs = [(o.component_id, o.component_property) for o in dashboard.DAY_OUTPUTS]
    assert [answer["response"][cid][prop] for cid, prop in outputs] == expected
    assert "Cases" in json.dumps(answer["response"][dashboard.DAY_KPIS])


def test_the_dashboard_arrives_drawn_so_its_first_view_needs_no_callback(in_app):
    """The latest day and the default range are in the layout itself; the callbacks only answer later changes."""
    from optior.pages import dashboard

    page = dashboard.layout()
    by_id = {c.id: c for c in page._traverse() if getattr(c, "id", None)}
    assert {trace["name"] for trace in by_id[dashboard.TIMELINE].figure["data"]} >= {"Booked slot"}
    assert by_id[dashboard.SCHEDULE].rowData and "Cases" in text_of(by_id[dashboard.DAY_KPIS].children)
    room_filter = {option["label"] for option in by_id[dashboard.ROOMS].options}
    assert set(by_id[dashboard.TIMELINE].figure["data"][0]["y"]) <= room_filter and "OR 1" in room_filter
    assert len(by_id[dashboard.CASES_BY_SERVICE].figure["data"][0]["y"]) > 0
    assert "%" in text_of(by_id["dashboard-metric-cards"].children)
