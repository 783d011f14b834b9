"""The dashboard with several sites: a site selector that narrows the day and the range, rooms labelled with their
site when several are shown; with one site, no selector and labels as before."""

from __future__ import annotations

import pytest

from tests.fixtures.sites import LAST_DAY
from tests.test_api_support import api_app
from tests.test_page_callbacks import text_of


@pytest.fixture
def dashboard(optior_app):
    """The dashboard module (importing it needs the session's Dash app to exist)."""
    from optior.pages import dashboard as module

    return module


def _by_id(page) -> dict:
    return {c.id: c for c in page._traverse() if getattr(c, "id", None)}


def _site_column(page, dashboard):
    (column,) = [c for c in page._traverse() if any(getattr(child, "id", None) == dashboard.SITE
                                                      for child in getattr(c, "children", None) or [])]
    return column


def test_with_one_site_the_selector_is_hidden_and_rooms_are_named_as_before(optior_app, dashboard):
    with optior_app.server.test_request_context("/"):
        page = dashboard.layout()
    assert _site_column(page, dashboard).className == "d-none"
    rooms = _by_id(page)[dashboard.ROOMS]
    assert not rooms.disabled and "OR 1" in {option["label"] for option in rooms.options}


def test_with_two_sites_the_selector_shows_and_rooms_wait_for_a_site(two_site_runtime, optior_app, dashboard):
    with api_app(two_site_runtime).test_request_context("/"):
        page = dashboard.layout()
        by_id = _by_id(page)
        assert _site_column(page, dashboard).className is None
        assert by_id[dashboard.SITE].options == ["North Campus", "South Campus"]
        assert by_id[dashboard.ROOMS].disabled and by_id[dashboard.ROOMS].placeholder == "Choose a site to filter rooms"
        options, disabled, _placeholder, kept = dashboard.choose_rooms_of_site("South Campus", None)
        assert [option["value"] for option in options] == ["1", "2"] and not disabled and kept == []


def test_the_day_of_every_site_labels_rooms_with_their_site_and_one_site_without(two_site_runtime, optior_app,
                                                                                 dashboard):
    with api_app(two_site_runtime).test_request_context("/"):
        _cards, _message, timeline, rows = dashboard.show_day(LAST_DAY.isoformat())
        rooms_in_chart = set(timeline["layout"]["yaxis"]["categoryarray"])
        assert rooms_in_chart == {"North Campus · OR 1", "North Campus · OR 2", "South Campus · OR 1",
                                  "South Campus · OR 2"}
        assert {row["or_suite"] for row in rows} == rooms_in_chart
        cards, _message, timeline, rows = dashboard.show_day(LAST_DAY.isoformat(), "South Campus")
        assert set(timeline["layout"]["yaxis"]["categoryarray"]) == {"OR 1", "OR 2"}
        assert {row["or_suite"] for row in rows} == {"OR 1", "OR 2"} and "Cases" in text_of(cards)


def test_the_range_of_one_site_counts_only_its_cases(two_site_runtime, optior_app, dashboard):
    with api_app(two_site_runtime).test_request_context("/"):
        start, end = "2026-10-01", LAST_DAY.isoformat()
        every = dashboard.show_case_mix(start, end, None, None)[0]
        north = dashboard.show_case_mix(start, end, None, None, "North Campus")[0]
    assert sum(every["data"][0]["x"]) == 2 * sum(north["data"][0]["x"]) > 0


def test_the_data_page_names_the_sites_stored_only_when_there_are_several(two_site_runtime, optior_app):
    from optior.pages import data

    with api_app(two_site_runtime).test_request_context("/"):
        assert "cases stored at 2 sites: North Campus, South Campus." in text_of(data.layout())
    with optior_app.server.test_request_context("/"):
        shown = text_of(data.layout())
    assert "cases stored." in shown and "sites:" not in shown


def test_recent_predictions_name_the_site_only_when_they_span_several():
    from datetime import datetime

    from optior.components.prediction_result import recent_predictions_table

    def logged(site: str | None) -> dict:
        inputs = {"case_date": "2026-12-01", "or_suite": "1", "service": "Urology", "cpt_code": "52000"}
        return {"created_at": datetime(2026, 12, 1, 9), "inputs": inputs | ({"site": site} if site else {}),
                "predicted_minutes": 40.0, "p10_minutes": 30.0, "p90_minutes": 55.0, "model_version": "v1"}

    def rooms(rows: list[dict]) -> list[str]:
        grid = [c for c in recent_predictions_table(rows)._traverse() if getattr(c, "rowData", None)][0]
        return [row["or_suite"] for row in grid.rowData]

    assert rooms([logged("North Campus"), logged("South Campus"), logged(None)]) == [
        "North Campus · OR 1", "South Campus · OR 1", "Main · OR 1"]
    assert rooms([logged("North Campus"), logged("North Campus")]) == ["OR 1", "OR 1"]


def test_every_model_feature_has_a_chart_label():
    """The feature-importance chart names each feature for people, the site and the site's room included."""
    from optior.figures.model import FEATURE_LABELS
    from optior.ml.features import CATEGORICAL, NUMERIC

    assert set(CATEGORICAL) | set(NUMERIC) <= set(FEATURE_LABELS)
