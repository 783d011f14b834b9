"""Every registered page on a phone (390 px), a tablet (820 px) and a laptop (1280 px): nothing sideways."""

from __future__ import annotations

import dash
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import console_errors, save_screenshot

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "tablet": 820, "laptop": 1280}
HEIGHT = 900
# Headings, buttons, links and form labels outside the boxes that scroll sideways on purpose (grids, charts).
CUT_OFF = """
    const limit = document.documentElement.clientWidth;
    const scrolling = '.ag-root-wrapper, .js-plotly-plot, .table-responsive';
    return [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, button, .btn, .nav-link, .navbar-brand, label')]
        .filter(e => e.getClientRects().length && !e.closest(scrolling) && !e.closest('.visually-hidden'))
        .filter(e => getComputedStyle(e).visibility !== 'hidden')
        .filter(e => {
            const box = e.getBoundingClientRect();
            return box.width > 0 && (box.left < -1 || box.right > limit + 1 || e.scrollWidth > e.clientWidth + 1);
        })
        .map(e => `${e.tagName.toLowerCase()}#${e.id} "${e.textContent.trim().slice(0, 40)}"`);
"""
# Charts wider than their column or the screen (a wide chart may be, inside a box that scrolls sideways and
# fits the screen), text running past a chart's edge, legends over titles.
CHART_PROBLEMS = """
    const limit = document.documentElement.clientWidth;
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [...document.querySelectorAll('.js-plotly-plot')].flatMap(chart => {
        const name = chart.parentElement.id || chart.id;
        const box = chart.getBoundingClientRect();
        const scroller = chart.closest('.chart-scroll');
        const problems = [];
        if (scroller) {
            const frame = scroller.getBoundingClientRect();
            if (frame.right > limit + 1 || getComputedStyle(scroller).overflowX !== 'auto') {
                problems.push(`${name}: its sideways-scrolling box does not fit the screen`);
            }
        } else if (box.right > limit + 1 || box.width > chart.parentElement.getBoundingClientRect().width + 1) {
            problems.push(`${name}: ${Math.round(box.width)} px wide`);
        }
        for (const text of chart.querySelectorAll('.gtitle, .xtitle, .ytitle, .legendtext, .annotation-text')) {
            const edge = text.getBoundingClientRect();
            if (edge.width && (edge.left < box.left - 1 || edge.right > box.right + 1)) {
                problems.push(`${name}: "${text.textContent.slice(0, 40)}" runs past the chart's edge`);
            }
        }
        const title = chart.querySelector('.gtitle'), legend = chart.querySelector('.legend');
        if (title && legend && overlap(title.getBoundingClientRect(), legend.getBoundingClientRect())) {
            problems.push(`${name}: legend over the title`);
        }
        return problems;
    });
"""


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_fits_the_screen(dash_duo, open_app, optior_app, device):
    width = WIDTHS[device]
    paths = [page["relative_path"] for page in dash.page_registry.values()]
    assert len(paths) >= 4
    dash_duo.driver.set_window_size(width, HEIGHT)
    problems = []
    for path in paths:
        open_app(path, "#_pages_content h1")
        until(lambda: not dash_duo.find_elements("._dash-loading"), timeout=20)
        name = path.strip("/") or "dashboard"
        scroll_width, window_width = dash_duo.driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > window_width:
            problems.append(f"{path}: the page scrolls sideways ({scroll_width} > {window_width} px)")
        problems += [f"{path}: cut off: {item}" for item in dash_duo.driver.execute_script(CUT_OFF)]
        problems += [f"{path}: {item}" for item in dash_duo.driver.execute_script(CHART_PROBLEMS)]
        save_screenshot(dash_duo, f"{name}-{width}", width=width, height=HEIGHT)
    assert problems == []
    assert console_errors(dash_duo) == []


def test_on_a_phone_the_navigation_folds_behind_a_toggler_that_the_keyboard_opens(dash_duo, open_app):
    dash_duo.driver.set_window_size(WIDTHS["phone"], HEIGHT)
    open_app("/model", "#_pages_content h1")
    navbar = dash_duo.find_element(".navbar")
    assert navbar.size["height"] <= 72
    links = dash_duo.find_elements(".navbar .nav-link")
    assert links and not any(link.is_displayed() for link in links)
    toggler = dash_duo.find_element("#shell-nav-toggler")
    assert toggler.get_attribute("aria-expanded") == "false"
    assert "navigation" in toggler.get_attribute("textContent")  # named for screen readers
    toggler.send_keys(Keys.ENTER)
    # The menu slides open: the links and the Retrain button below them show up as it does (not at one instant).
    until(lambda: all(link.is_displayed() for link in dash_duo.find_elements(".navbar .nav-link"))
          and dash_duo.find_element("#shell-retrain-button").is_displayed(), timeout=5)
    assert toggler.get_attribute("aria-expanded") == "true"
    dash_duo.find_element(".navbar .nav-link[href='/data']").click()
    dash_duo.wait_for_element("#data-upload", timeout=20)
    until(lambda: not any(link.is_displayed() for link in dash_duo.find_elements(".navbar .nav-link")), timeout=5)
    assert console_errors(dash_duo) == []
