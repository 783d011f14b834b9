"""The OR efficiency charts at a health system's size and with holes in the history."""

from __future__ import annotations

import math

import pandas as pd

from optior.figures.metrics import MAX_COLUMN_GROUPS, on_time_starts, utilization_heatmap, weekly_trend


def _rooms(count: int, sites: int = 1) -> pd.DataFrame:
    return pd.DataFrame({
        "site": [f"Site {i % sites + 1}" for i in range(count)],
        "room": [f"OR {i // sites + 1}" for i in range(count)],
        "first_case_on_time_pct": [float(i % 100) for i in range(count)],
        "on_time_start_pct": [50.0] * count,
    })


def test_a_few_rooms_are_columns_and_two_hundred_are_rows_each_on_its_own_line():
    few = on_time_starts(_rooms(9), "room", "On-time starts by room")
    assert {trace.get("orientation") for trace in few["data"]} == {"v"}
    assert few["data"][0]["x"][0] == "OR 1"

    many = on_time_starts(_rooms(216, sites=12), "room", "On-time starts by room")
    first = many["data"][0]
    assert first["orientation"] == "h" and len(first["y"]) == 216
    assert first["y"][0] == "Site 1 · OR 1" and first["x"][0] == 0.0  # a label with its own value, as a row
    assert many["layout"]["height"] >= 24 * 216  # a line per room, not 216 labels squeezed into one width
    assert many["layout"]["xaxis"]["title"]["text"] == "Started on time (%)"
    assert "%{y}" in first["hovertemplate"] and "%{x:.0f}%" in first["hovertemplate"]


def test_the_switch_to_rows_happens_just_past_the_column_limit():
    at_limit = on_time_starts(_rooms(MAX_COLUMN_GROUPS), "room", "By room")
    past = on_time_starts(_rooms(MAX_COLUMN_GROUPS + 1), "room", "By room")
    assert at_limit["data"][0]["orientation"] == "v" and past["data"][0]["orientation"] == "h"


def test_the_weekly_trend_breaks_its_lines_over_weeks_without_room_days():
    weeks = ["2026-01-05", "2026-01-12", "2026-03-02", "2026-03-09"]  # seven weeks without data between
    frame = pd.DataFrame({"week_start": weeks, "raw_utilization_pct": [60.0, 62.0, 70.0, 71.0],
                          "adjusted_utilization_pct": [65.0] * 4, "first_case_on_time_pct": [80.0] * 4,
                          "booking_accurate_pct": [40.0] * 4})
    trace = weekly_trend(frame)["data"][0]
    points = dict(zip(pd.DatetimeIndex(trace["x"]).strftime("%Y-%m-%d"), trace["y"], strict=True))
    assert len(points) == 10  # every Monday from the first to the last week
    assert points["2026-01-12"] == 62.0 and points["2026-03-02"] == 70.0
    assert math.isnan(points["2026-02-02"])  # no point in the gap: Plotly leaves the line broken there
    assert not trace.get("connectgaps")


def test_the_heatmaps_colour_scale_stays_at_the_top_whatever_the_number_of_rooms():
    for rooms in (2, 216):
        cells = _rooms(rooms, sites=12 if rooms > 2 else 1).assign(day="2026-01-05", raw_utilization_pct=50.0)
        figure = utilization_heatmap(cells)
        layout, scale = figure["layout"], figure["data"][0]["colorbar"]
        plot_height = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        assert scale["lenmode"] == "pixels" and scale["len"] <= min(320, plot_height)  # within the plot, legible
        assert (scale["y"], scale["yanchor"]) == (1, "top")
    assert layout["height"] > 6000  # 216 rooms: a scale as tall as the chart would need scrolling to read


def test_the_heatmap_gives_every_weekday_a_column_of_the_same_width_and_a_day_without_cells_an_empty_one():
    # Three weeks of weekdays without Wednesday 14 Jan; on a date axis Friday's and Monday's cells spread over
    # the weekend (twice as wide) and the Wednesday vanished between its neighbours.
    days = [day for day in pd.bdate_range("2026-01-05", "2026-01-23") if day != pd.Timestamp("2026-01-14")]
    cells = pd.DataFrame({"room": "OR 1", "day": [day.strftime("%Y-%m-%d") for day in days],
                          "raw_utilization_pct": 70.0})
    figure = utilization_heatmap(cells)
    heatmap, xaxis = figure["data"][0], figure["layout"]["xaxis"]
    assert xaxis["type"] == "category"  # one column each, equally wide
    assert len(heatmap["x"]) == 15 and heatmap["x"][:5] == ["Mon 05 Jan 2026", "Tue 06 Jan 2026",
                                                            "Wed 07 Jan 2026", "Thu 08 Jan 2026", "Fri 09 Jan 2026"]
    assert heatmap["x"][5] == "Mon 12 Jan 2026"  # no weekend columns
    assert math.isnan(heatmap["z"][0][heatmap["x"].index("Wed 14 Jan 2026")])  # shown, empty
    assert xaxis["tickvals"] == ["Mon 05 Jan 2026", "Mon 12 Jan 2026", "Mon 19 Jan 2026"]  # on Mondays
    assert xaxis["ticktext"] == ["05 Jan<br>2026", "12 Jan", "19 Jan"]  # the year once


def test_the_heatmap_by_month_ticks_at_most_twelve_months_with_each_new_year_under_its_month():
    months = pd.date_range("2023-01-01", "2026-12-01", freq="MS")
    cells = pd.DataFrame({"room": "OR 1", "month_start": months.strftime("%Y-%m-%d"), "raw_utilization_pct": 60.0})
    xaxis = utilization_heatmap(cells, "month_start")["layout"]["xaxis"]
    assert len(xaxis["tickvals"]) <= 12 and xaxis["tickvals"][0] == "Jan 2023"
    assert [text for text in xaxis["ticktext"] if "<br>" in text] == ["Jan<br>2023", "Jan<br>2024", "Jan<br>2025",
                                                                      "Jan<br>2026"]
