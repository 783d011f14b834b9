"""Imported text stays text: the schedule's CSV export carries no live formulas, charts render no markup."""

from __future__ import annotations

import csv
import io

import pytest
from dash.testing.wait import until

from tests.browser.conftest import FORMULAS, MARKUP, console_errors, download_folder, downloaded

pytestmark = pytest.mark.browser


def test_the_schedule_export_neutralises_formulas_and_keeps_numbers(dash_duo, open_app, hostile_cases, tmp_path):
    downloads = download_folder(dash_duo, tmp_path)
    open_app("/", "#dashboard-schedule-table .ag-row")
    dash_duo.find_element("[data-grid-export='dashboard-schedule-table']").click()
    rows = list(csv.DictReader(io.StringIO(downloaded(downloads, "or-schedule.csv"))))

    assert len(rows) == len(FORMULAS) + 1
    by_service = {row["Service"]: row for row in rows}
    for formula in FORMULAS:
        row = by_service["'" + formula]  # a leading quote: the spreadsheet shows the text, runs nothing
        assert row["Procedure"] == row["Surgeon"] == "'" + formula
    assert MARKUP in by_service
    for row in rows:
        assert (int(row["Booked (min)"]), int(row["Actual in-room (min)"]), int(row["Difference (min)"])) == (
            60, 55, -5)  # numbers stay numbers, the negative one too
    assert console_errors(dash_duo) == []


def test_the_export_is_of_the_rows_shown_after_a_filter(dash_duo, open_app, hostile_cases, tmp_path):
    downloads = download_folder(dash_duo, tmp_path)
    open_app("/", "#dashboard-schedule-table .ag-row")
    dash_duo.driver.execute_script("""
        const api = await dash_ag_grid.getApiAsync('dashboard-schedule-table');
        await api.setColumnFilterModel('or_suite', {filterType: 'text', type: 'equals', filter: 'OR 3'});
        api.onFilterChanged();
    """)
    until(lambda: len(dash_duo.find_elements("#dashboard-schedule-table .ag-center-cols-container .ag-row")) == 1,
          timeout=10)
    dash_duo.find_element("[data-grid-export='dashboard-schedule-table']").click()
    rows = list(csv.DictReader(io.StringIO(downloaded(downloads, "or-schedule.csv"))))
    assert [row["Room"] for row in rows] == ["OR 3"]  # the room as the table shows it


def test_markup_in_a_service_name_shows_as_text_in_every_chart(dash_duo, open_app, hostile_cases):
    open_app("/", "#dashboard-timeline .legendtext")
    dash_duo.wait_for_element("#dashboard-cases-by-service .ytick", timeout=20)
    links = dash_duo.driver.execute_script(
        "return document.querySelectorAll('.js-plotly-plot svg a, .js-plotly-plot svg b').length")
    assert links == 0
    legend = [e.text for e in dash_duo.find_elements("#dashboard-timeline .legendtext")]
    assert MARKUP in legend
    ticks = [e.text for e in dash_duo.find_elements("#dashboard-cases-by-service .ytick text")]
    assert MARKUP in ticks and FORMULAS[0] in ticks
    summary = dash_duo.find_element("#dashboard-cases-by-service-summary").get_attribute("textContent")
    assert f"{MARKUP} 1" in summary  # the screen reader's text alternative reads the name as written
    assert console_errors(dash_duo) == []
