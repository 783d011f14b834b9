"""Every page in headless Chromium: it renders, the console stays clean, and the main actions work."""

from __future__ import annotations

import csv
import io

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import console_errors, download_folder, downloaded, save_screenshot

pytestmark = pytest.mark.browser

PAGES = [
    ("/", "#dashboard-day-cases", "dashboard"),
    ("/predict", "#predict-submit", "predict"),
    ("/model", "#model-predicted-vs-actual .main-svg", "model"),
    ("/data", "#data-upload", "data"),
]


@pytest.mark.parametrize(("path", "ready", "name"), PAGES, ids=[p[2] for p in PAGES])
def test_page_renders_with_a_clean_console_and_no_cdn(dash_duo, open_app, path, ready, name):
    open_app(path, ready)
    assert "OptiOR" in dash_duo.find_element(".navbar-brand").text
    assert dash_duo.find_element("#shell-model-version").text.startswith("model ")
    save_screenshot(dash_duo, name)
    assert console_errors(dash_duo) == []
    sources = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('link[href],script[src]')].map(e => e.href || e.src)"
    )
    assert sources and all(src.startswith(dash_duo.server_url) for src in sources)
    fetched = dash_duo.driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in fetched if not url.startswith((dash_duo.server_url, "data:", "blob:"))] == []


def test_dashboard_shows_figures_with_units(dash_duo, open_app):
    open_app("/", "#dashboard-utilization-heatmap .main-svg")
    dash_duo.wait_for_contains_text("#dashboard-metric-cards", "%", timeout=20)
    timeline = dash_duo.find_element("#dashboard-timeline").text
    assert "OR 1" in timeline and "Time of day" in timeline
    assert "Turnover (min" in dash_duo.find_element("#dashboard-turnover").text
    assert "In-room hours" in dash_duo.find_element("#dashboard-workload-by-service").text
    summaries = [e.get_attribute("textContent") for e in dash_duo.find_elements(".optior-chart-summary")]
    assert len(summaries) == 10 and all(s.startswith("Chart: ") for s in summaries)  # each chart's text alternative
    assert "Orthopedics" in dash_duo.find_element("#dashboard-cases-by-service-summary").get_attribute("textContent")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("path, ready", [("/", "#dashboard-utilization-heatmap .main-svg"),
                                         ("/model", "#model-predicted-vs-actual .main-svg")])
def test_every_chart_fits_its_labels_in_the_margins_it_was_given(dash_duo, open_app, path, ready):
    """Plotly pushes a margin that is too small for the labels and then draws the chart again, which made the
    dashboard draw twice as slowly; every chart's margins must already fit (labels neither clipped nor pushed)."""
    open_app(path, ready)
    pushed = dash_duo.driver.execute_script("""
        return [...document.querySelectorAll('.js-plotly-plot')].filter(chart => chart.layout.margin).flatMap(
            chart => ['l', 'r', 't', 'b'].filter(side => Math.round(chart._fullLayout._size[side])
                                                         !== chart.layout.margin[side]).map(
                side => `${chart.parentElement.id || chart.id}: ${side}`));
    """)
    assert pushed == []


def _minutes(cell_text: str) -> int:
    """A grid cell's whole minutes as shown (negative numbers with the typographic minus sign)."""
    return int(cell_text.replace("\u2212", "-").replace(",", ""))


def test_the_schedule_grid_sorts_aligns_numbers_and_colours_overruns(dash_duo, open_app):
    open_app("/", "#dashboard-schedule-table .ag-row")
    cells = "#dashboard-schedule-table .ag-center-cols-container .ag-cell[col-id='difference_minutes']"
    assert all("ag-right-aligned-cell" in c.get_attribute("class") for c in dash_duo.find_elements(cells))
    over = [_minutes(c.text) for c in dash_duo.find_elements(cells) if "optior-ran-over" in c.get_attribute("class")]
    short = [_minutes(c.text) for c in dash_duo.find_elements(cells) if "optior-ran-short" in c.get_attribute("class")]
    assert over and all(d > 15 for d in over) and all(d < -15 for d in short)
    header = dash_duo.find_element("#dashboard-schedule-table .ag-header-cell[col-id='difference_minutes']")
    header.find_element("css selector", ".ag-header-cell-label").click()  # ascending: the largest under-run first
    until(lambda: "ascending" in (header.get_attribute("aria-sort") or ""), timeout=5)
    first = dash_duo.find_element(f"#dashboard-schedule-table .ag-row[row-index='0'] {cells.split()[-1]}")
    assert _minutes(first.text) == min(_minutes(c.text) for c in dash_duo.find_elements(cells))
    assert console_errors(dash_duo) == []


def test_the_date_picker_changes_the_schedule(dash_duo, open_app):
    open_app("/", "#dashboard-day-cases")
    first_rows = dash_duo.find_element("#dashboard-schedule-table").text
    picker = dash_duo.find_element("#dashboard-day")
    picker.click()
    picker.send_keys(Keys.CONTROL, "a")
    picker.send_keys("15 Sep 2026", Keys.ENTER)
    dash_duo.wait_for_text_to_equal("#dashboard-day-cases", "52", timeout=10)
    assert dash_duo.find_element("#dashboard-schedule-table").text != first_rows
    assert console_errors(dash_duo) == []


def test_the_day_can_be_chosen_with_the_keyboard_alone(dash_duo, open_app):
    """Arrow down opens the calendar on the chosen day, arrow left moves a day back, Enter takes it."""
    open_app("/", "#dashboard-day-cases")
    picker = dash_duo.find_element("#dashboard-day")
    assert picker.get_attribute("value") == "2 Oct 2026"
    picker.send_keys(Keys.ARROW_DOWN)
    dash_duo.wait_for_element(".dash-datepicker-content", timeout=5)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    until(lambda: dash_duo.find_element("#dashboard-day").get_attribute("value") == "1 Oct 2026", timeout=10)
    dash_duo.wait_for_text_to_equal("#dashboard-day-cases", "41", timeout=10)  # 1 Oct's cases, not 2 Oct's 24
    assert console_errors(dash_duo) == []


def _choose(dash_duo, dropdown_id: str, text: str) -> None:
    """Open a dcc.Dropdown, type to filter, click the option showing text, and check it was taken."""
    dash_duo.find_element(f"#{dropdown_id}").click()
    dash_duo.driver.switch_to.active_element.send_keys(text)
    option = f"//*[contains(@class,'dash-dropdown-option')][contains(., '{text}')]"
    WebDriverWait(dash_duo.driver, 10).until(
        expected_conditions.element_to_be_clickable((By.XPATH, option))
    ).click()
    dash_duo.wait_for_contains_text(f"#{dropdown_id}", text, timeout=10)


def test_a_prediction_round_trip_shows_minutes_and_a_range(dash_duo, open_app, tmp_path):
    downloads = download_folder(dash_duo, tmp_path)
    open_app("/predict", "#predict-submit")
    _choose(dash_duo, "predict-service", "Orthopedics")
    _choose(dash_duo, "predict-room", "OR 4")
    _choose(dash_duo, "predict-procedure", "27447")
    dash_duo.find_element("#predict-booked").send_keys("150")
    dash_duo.find_element("#predict-label").send_keys("Bed 4 Smith")
    dash_duo.find_element("#predict-submit").click()
    dash_duo.wait_for_contains_text("#predict-result-range", "80% range", timeout=15)
    minutes = dash_duo.find_element("#predict-result-minutes").text
    assert minutes.endswith(" min") and int(minutes.split()[0].replace(",", "")) > 30
    assert "booked" in dash_duo.find_element("#predict-result").text
    dash_duo.wait_for_contains_text("#predict-recent", "27447", timeout=10)
    assert "Bed 4 Smith" in dash_duo.find_element("#predict-recent").text  # its author sees the label
    dash_duo.find_element("[data-grid-export='predict-recent-table']").click()
    exported = list(csv.DictReader(io.StringIO(downloaded(downloads, "recent-predictions.csv"))))
    assert exported and "27447" in {row["CPT"] for row in exported}
    assert "Label" not in exported[0] and "Bed 4 Smith" not in str(exported)  # a label never leaves in a file
    assert console_errors(dash_duo) == []


def test_invalid_form_input_gets_a_message_beside_the_field(dash_duo, open_app):
    open_app("/predict", "#predict-submit")
    dash_duo.find_element("#predict-submit").click()
    dash_duo.wait_for_contains_text("#predict-service-feedback", "required", timeout=10)
    _choose(dash_duo, "predict-service", "Urology")
    _choose(dash_duo, "predict-room", "OR 2")
    _choose(dash_duo, "predict-procedure", "52000")
    dash_duo.find_element("#predict-booked").send_keys("5000")
    dash_duo.find_element("#predict-submit").click()
    dash_duo.wait_for_contains_text("#predict-booked-feedback", "at most", timeout=10)
    assert dash_duo.find_element("#predict-service-feedback").text == ""
    assert console_errors(dash_duo) == []


def test_upload_shows_the_import_report(dash_duo, open_app, tmp_path):
    csv_file = tmp_path / "cases.csv"
    csv_file.write_text(
        "Encounter ID,Date,OR Suite,Service,CPT Code,Booked Time (min),OR Schedule,Wheels In,Start Time,"
        "End Time,Wheels Out\n"
        "U-1,2026-06-01,1,Urology,52000,30,2026-06-01 08:00,2026-06-01 08:02,2026-06-01 08:10,"
        "2026-06-01 08:30,2026-06-01 08:40\n"
        "U-2,2026-06-01,1,Urology,52000,abc,2026-06-01 09:00,2026-06-01 09:02,2026-06-01 09:10,"
        "2026-06-01 09:30,2026-06-01 09:40\n"
    )
    open_app("/data", "#data-upload")
    upload = dash_duo.driver.find_element(By.CSS_SELECTOR, "#data-upload input[type=file]")
    upload.send_keys(str(csv_file))
    dash_duo.wait_for_contains_text("#data-import-report", "1 new", timeout=20)
    report = dash_duo.find_element("#data-import-report").text
    assert "1 rejected" in report and "Booked Time (min) is not a number" in report
    assert "cases.csv" in dash_duo.find_element("#data-import-history").text
    save_screenshot(dash_duo, "data-after-upload")
    assert console_errors(dash_duo) == []


def test_a_file_over_the_upload_limit_gets_a_message_not_silence(dash_duo, open_app, optior_app, tmp_path):
    limit = optior_app.server.extensions["optior"].settings.max_upload_bytes
    big_file = tmp_path / "whole-history.csv"
    with big_file.open("wb") as handle:
        handle.truncate(limit + 1)  # sparse: the browser reads only its size
    open_app("/data", "#data-upload")
    dash_duo.driver.find_element(By.CSS_SELECTOR, "#data-upload input[type=file]").send_keys(str(big_file))
    dash_duo.wait_for_contains_text("#data-upload-too-large", "whole-history.csv", timeout=10)
    note = dash_duo.find_element("#data-upload-too-large").text
    assert "over the" in note and "limit" in note and "python -m optior seed" in note
    assert dash_duo.find_element("#data-import-report").text == ""
    assert console_errors(dash_duo) == []


def test_retrain_shows_its_result(dash_duo, open_app):
    open_app("/model", "#model-predicted-vs-actual .main-svg")
    dash_duo.find_element("#shell-retrain-button").send_keys(Keys.ENTER)  # the keyboard works the button
    dash_duo.wait_for_contains_text("#shell-retrain-message", "Retraining", timeout=10)
    dash_duo.wait_for_element("#shell-retrain-message .alert-success, #shell-retrain-message .alert-warning",
                              timeout=120)
    message = dash_duo.find_element("#shell-retrain-message").text
    assert "version" in message.lower()
    assert dash_duo.find_element("#shell-retrain-button").is_enabled()
    assert console_errors(dash_duo) == []
