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
