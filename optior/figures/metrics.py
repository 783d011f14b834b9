"""OR efficiency charts: utilization heatmap, turnover distribution, on-time starts, booking accuracy, trend."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from optior.figures.schedule import chart_room_label
from optior.figures.theme import (
    NEUTRAL_COLOR,
    Figure,
    chart,
    empty_figure,
    legend_margin,
    plain_texts,
    vertical_line,
)
from optior.vocabulary import room_order_key

NO_ROOM_DAYS = "No staffed room-days in this range."
ACCURATE, UNDER, OVER = "#009E73", "#D55E00", "#56B4E9"
PERCENT_AXIS = {"range": [0, 100], "ticksuffix": "%"}
COLORBAR_PX = 320


class HeatmapPeriod(NamedTuple):
    title: str
    axis_title: str
    column_name: str  # strftime of a column's name, shown on hover
    tick: str  # strftime of a tick's text (the year goes under it where it changes)
    step: str  # pandas frequency from one column to the next


HEATMAP_PERIODS = {  # by the period column of the cells
    "day": HeatmapPeriod("Raw utilization by room and day", "Day", "%a %d %b %Y", "%d %b", "B"),
    "week_start": HeatmapPeriod("Raw utilization by room and week", "Week starting (Monday)", "week of %d %b %Y",
                                "%d %b", "7D"),
    "month_start": HeatmapPeriod("Raw utilization by room and month", "Month", "%b %Y", "%b", "MS"),
    "year_start": HeatmapPeriod("Raw utilization by room and year", "Year", "%Y", "%Y", "YS"),
}
MAX_PERIOD_TICKS = 12


def _every_period(cell_periods: pd.DatetimeIndex, period: str) -> pd.DatetimeIndex:
    """Every weekday (or week, month, year) from the first period with cells to the last: one column each, so
    each is as wide as the next (on a date axis a Friday's and a Monday's cells spread over the weekend) and a
    period without staffed room-days shows as an empty column."""
    stamps = cell_periods.unique()
    return stamps.union(pd.date_range(stamps.min(), stamps.max(), freq=HEATMAP_PERIODS[period].step))


def _period_ticks(columns: pd.DatetimeIndex, period: str) -> tuple[list[int], list[str]]:
    """At most MAX_PERIOD_TICKS ticks (on Mondays for days), the year under the first and under each new one."""
    candidates = np.arange(len(columns))
    if period == "day" and (columns.day_of_week == 0).sum() > 1:
        candidates = candidates[columns.day_of_week == 0]
    ticks = candidates[::-(-len(candidates) // MAX_PERIOD_TICKS)]
    texts, last_year = [], None
    for stamp in columns[ticks]:
        year_below = period != "year_start" and stamp.year != last_year
        texts.append(stamp.strftime(HEATMAP_PERIODS[period].tick + ("<br>%Y" if year_below else "")))
        last_year = stamp.year
    return ticks.tolist(), texts


def _sites_and_rooms(frame: pd.DataFrame) -> pd.MultiIndex:
    """Each row's (site, room); a frame without a `site` column is of one site."""
    sites = frame["site"] if "site" in frame else pd.Series("", index=frame.index)
    return pd.MultiIndex.from_arrays([sites.astype(str), frame["room"].astype(str)])


def _room_labels(keys: pd.MultiIndex, sites_shown: int) -> list[str]:
    """Chart labels of (site, room) keys: with the site when more than one site is shown (two sites' "OR 1")."""
    return [chart_room_label(room, site if sites_shown > 1 else None) for site, room in keys]


def utilization_heatmap(cells: pd.DataFrame, period: str = "day") -> Figure:
    """Raw utilization per room and day (or week, month or year, for long ranges) as a colour grid; weekdays only."""
    if cells.empty:
        return empty_figure(NO_ROOM_DAYS)
    shape = HEATMAP_PERIODS[period]
    keys = _sites_and_rooms(cells)
    rooms = pd.MultiIndex.from_tuples(sorted(keys.unique(), key=lambda key: room_order_key(*key)))
    cell_periods = pd.DatetimeIndex(pd.to_datetime(cells[period]))
    columns = _every_period(cell_periods, period)
    grid = np.full((len(rooms), len(columns)), np.nan)
    row = rooms.get_indexer(keys)
    grid[row, columns.get_indexer(cell_periods)] = cells["raw_utilization_pct"].to_numpy(float)
    names = columns.strftime(shape.column_name).tolist()
    ticks, tick_texts = _period_ticks(columns, period)
    height = max(300, 90 + 28 * len(rooms))
    heatmap = {
        "type": "heatmap", "z": grid, "x": names, "y": _room_labels(rooms, len(keys.levels[0])),
        "zmin": 0, "zmax": 100, "colorscale": "Blues", "reversescale": True,  # darker = busier
        # At most COLORBAR_PX tall, at the top: two hundred rooms' chart is 6,000 px, its scale read at a glance.
        "colorbar": {"title": {"text": "%"}, "ticksuffix": "%", "lenmode": "pixels",
                     "len": min(COLORBAR_PX, height - 120), "y": 1, "yanchor": "top"},
        "hovertemplate": "%{y}, %{x}: %{z:.0f}% raw utilization<extra></extra>", "xgap": 1, "ygap": 1,
    }
    # Columns by name, ticked at a few of them: the tick texts take two lines, as a date axis's would.
    xaxis = {"type": "category", "tickvals": [names[tick] for tick in ticks], "ticktext": tick_texts,
             "tickangle": 0}
    return chart([heatmap], title=shape.title, x_title=shape.axis_title, y_title="Operating room", height=height,
                 xaxis=xaxis, yaxis={"autorange": "reversed"}, margin={"b": 70})


def turnover_distribution(histogram: pd.DataFrame, cutoff_minutes: float) -> Figure:
    """How long rooms take between cases (turnovers up to the cut-off; longer gaps count as idle)."""
    if histogram.empty or histogram["turnovers"].sum() == 0:
        return empty_figure("No turnovers in this range (rooms with one case a day have none).")
    bars = {
        "type": "bar", "x": (histogram["from_minutes"] + histogram["to_minutes"]) / 2, "y": histogram["turnovers"],
        "width": histogram["to_minutes"] - histogram["from_minutes"],
        "marker": {"color": NEUTRAL_COLOR, "line": {"width": 0}},
        "customdata": histogram[["from_minutes", "to_minutes"]].to_numpy(),
        "hovertemplate": "%{customdata[0]:.0f}–%{customdata[1]:.0f} min: %{y} turnovers<extra></extra>",
    }
    cutoff = vertical_line(cutoff_minutes, {"color": "#A0161B", "dash": "dot"}, f"cut-off {cutoff_minutes:.0f} min")
    return chart([bars], title="Turnover time distribution",
                 x_title="Turnover (min, wheels out to next in)", y_title="Turnovers (count)", **cutoff)


MAX_COLUMN_GROUPS = 16  # more rooms or services than this are drawn as rows, so each label stays readable
ROWS_AXIS_PX = 50  # the top axis's tick labels and title, under the legend


def on_time_starts(by_group: pd.DataFrame, group: str, title: str) -> Figure:
    """First-case on-time rate and all-case on-time rate per room or per service: columns for a few, rows (one
    line per room or service, the chart growing with them) for many, as a health system's 200 rooms."""
    if by_group.empty:
        return empty_figure("No cases in this range.")
    if group == "room":
        keys = _sites_and_rooms(by_group)
        labels = _room_labels(keys, len(keys.levels[0]))
    else:
        labels = plain_texts(by_group[group])
    as_rows = len(labels) > MAX_COLUMN_GROUPS
    category, value = ("y", "x") if as_rows else ("x", "y")
    traces = [
        {"type": "bar", "name": name, category: labels, value: by_group[column], "marker": {"color": color},
         "orientation": "h" if as_rows else "v",
         "hovertemplate": f"%{{{category}}}: %{{{value}:.0f}}% of {what} on time<extra></extra>"}
        for name, column, color, what in (("First cases", "first_case_on_time_pct", "#0072B2", "first cases"),
                                          ("All cases", "on_time_start_pct", "#E69F00", "all cases"))
    ]
    if as_rows:  # the percent axis on top, where a chart this long is first read
        return chart(traces, title=title, x_title="Started on time (%)", height=150 + 24 * len(labels),
                     xaxis=PERCENT_AXIS | {"side": "top"}, yaxis={"autorange": "reversed"}, barmode="group",
                     margin={"t": legend_margin(1) + ROWS_AXIS_PX, "b": 20})
    return chart(traces, title=title, y_title="Started on time (%)", yaxis=PERCENT_AXIS, barmode="group")


def booking_accuracy(by_service: pd.DataFrame) -> Figure:
    """Per service, the share of cases booked accurately, too short (under-booked) and too long."""
    if by_service.empty:
        return empty_figure("No cases in this range.")
    frame = by_service.sort_values("under_booked_pct")

    def share(name: str, column: str, color: str, hover: str, minutes: str | None = None) -> dict:
        bar = {"type": "bar", "name": name, "y": plain_texts(frame["service"]), "x": frame[column], "orientation": "h",
               "marker": {"color": color}, "hovertemplate": hover}
        return bar | ({"customdata": frame[minutes]} if minutes else {})

    # The legend's names are the definitions' labels below the chart (which say "ran longer", "ended early"):
    # short enough for one legend row in a half-width column.
    traces = [
        share("Accurate", "booking_accurate_pct", ACCURATE, "%{y}: %{x:.0f}% accurately booked<extra></extra>"),
        share("Under-booked", "under_booked_pct", UNDER,
              "%{y}: %{x:.0f}% under-booked, %{customdata:,.0f} min in total<extra></extra>", "under_booked_minutes"),
        share("Over-booked", "over_booked_pct", OVER,
              "%{y}: %{x:.0f}% over-booked, %{customdata:,.0f} min in total<extra></extra>", "over_booked_minutes"),
    ]
    return chart(traces, title="Booking accuracy by service", x_title="Share of cases (%)",
                 height=max(340, 110 + 30 * len(frame)), xaxis=PERCENT_AXIS, barmode="stack")


def weekly_trend(by_week: pd.DataFrame) -> Figure:
    """Week by week: utilization, first-case on-time starts and booking accuracy."""
    if by_week.empty:
        return empty_figure("No weeks in this range.")
    series = (
        ("raw_utilization_pct", "Raw utilization", "#0072B2"),
        ("adjusted_utilization_pct", "Adjusted utilization", "#56B4E9"),
        ("first_case_on_time_pct", "First-case on-time starts", "#E69F00"),
        ("booking_accurate_pct", "Accurately booked", "#009E73"),
    )
    # Every week from the first to the last, so a stretch without staffed room-days breaks the lines.
    weeks = pd.to_datetime(by_week["week_start"])
    every_week = pd.date_range(weeks.min(), weeks.max(), freq="7D")
    by_week = by_week.set_index(weeks).reindex(every_week).assign(week_start=every_week)
    traces = [
        {"type": "scatter", "x": by_week["week_start"], "y": by_week[column], "name": name,
         "mode": "lines+markers", "line": {"color": color},
         "hovertemplate": f"Week of %{{x|%d %b %Y}}: %{{y:.0f}}% {name.lower()}<extra></extra>"}
        for column, name, color in series
    ]
    return chart(traces, title="Weekly trend", x_title="Week starting (Monday)", y_title="Percent (%)",
                 xaxis={"type": "date"}, yaxis=PERCENT_AXIS, margin={"t": legend_margin(2)})
