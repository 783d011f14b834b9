"""OR efficiency charts: utilization heatmap, turnover distribution, on-time starts, booking accuracy, trend."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from optior.figures.theme import NEUTRAL_COLOR, empty_figure, styled

NO_ROOM_DAYS = "No staffed room-days in this range."
ACCURATE, UNDER, OVER = "#009E73", "#D55E00", "#56B4E9"


def _room_label(room: str) -> str:
    return f"OR {room}" if str(room).isdigit() else str(room)


def utilization_heatmap(room_days: pd.DataFrame) -> go.Figure:
    """Raw utilization per room and day (weekdays), as a colour grid."""
    if room_days.empty:
        return empty_figure(NO_ROOM_DAYS)
    grid = room_days.pivot_table(index="room", columns="day", values="raw_utilization_pct", aggfunc="first")
    grid = grid.reindex(sorted(grid.index, key=lambda r: (len(str(r)), str(r))))
    figure = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=pd.to_datetime(grid.columns), y=[_room_label(r) for r in grid.index],
        zmin=0, zmax=100, colorscale="Blues", colorbar={"title": {"text": "%"}, "ticksuffix": "%"},
        hovertemplate="%{y}, %{x|%a %d %b}: %{z:.0f}% raw utilization<extra></extra>",
        xgap=1, ygap=1,
    ))
    figure.update_yaxes(autorange="reversed")
    return styled(figure, title="Raw utilization by room and day", x_title="Day", y_title="Operating room",
                  height=max(300, 90 + 28 * len(grid)))


def turnover_distribution(histogram: pd.DataFrame, cutoff_minutes: float) -> go.Figure:
    """How long rooms take between cases (turnovers up to the cut-off; longer gaps count as idle)."""
    if histogram.empty or histogram["turnovers"].sum() == 0:
        return empty_figure("No turnovers in this range (rooms with one case a day have none).")
    centres = (histogram["from_minutes"] + histogram["to_minutes"]) / 2
    widths = histogram["to_minutes"] - histogram["from_minutes"]
    figure = go.Figure(go.Bar(
        x=centres, y=histogram["turnovers"], width=widths, marker={"color": NEUTRAL_COLOR, "line": {"width": 0}},
        customdata=histogram[["from_minutes", "to_minutes"]],
        hovertemplate="%{customdata[0]:.0f}–%{customdata[1]:.0f} min: %{y} turnovers<extra></extra>",
    ))
    figure.add_vline(x=cutoff_minutes, line={"color": "#A0161B", "dash": "dot"},
                     annotation_text=f"cut-off {cutoff_minutes:.0f} min", annotation_position="top left")
    return styled(figure, title="Turnover time distribution",
                  x_title="Turnover (minutes, wheels out to next wheels in)", y_title="Turnovers (count)")


def on_time_starts(by_group: pd.DataFrame, group: str, title: str) -> go.Figure:
    """First-case on-time rate and all-case on-time rate per room or per service."""
    if by_group.empty:
        return empty_figure("No cases in this range.")
    frame = by_group.copy()
    labels = frame[group].map(_room_label) if group == "room" else frame[group]
    figure = go.Figure([
        go.Bar(name="First cases", x=labels, y=frame["first_case_on_time_pct"], marker={"color": "#0072B2"},
               hovertemplate="%{x}: %{y:.0f}% of first cases on time<extra></extra>"),
        go.Bar(name="All cases", x=labels, y=frame["on_time_start_pct"], marker={"color": "#E69F00"},
               hovertemplate="%{x}: %{y:.0f}% of all cases on time<extra></extra>"),
    ])
    figure.update_layout(barmode="group")
    figure.update_yaxes(range=[0, 100], ticksuffix="%")
    return styled(figure, title=title, x_title=None, y_title="Started on time (%)")


def booking_accuracy(by_service: pd.DataFrame) -> go.Figure:
    """Per service, the share of cases booked accurately, too short (under-booked) and too long."""
    if by_service.empty:
        return empty_figure("No cases in this range.")
    frame = by_service.sort_values("under_booked_pct")
    figure = go.Figure([
        go.Bar(name="Accurate", y=frame["service"], x=frame["booking_accurate_pct"], orientation="h",
               marker={"color": ACCURATE}, hovertemplate="%{y}: %{x:.0f}% accurately booked<extra></extra>"),
        go.Bar(name="Under-booked (ran longer)", y=frame["service"], x=frame["under_booked_pct"], orientation="h",
               marker={"color": UNDER}, customdata=frame["under_booked_minutes"],
               hovertemplate="%{y}: %{x:.0f}% under-booked, %{customdata:,.0f} min in total<extra></extra>"),
        go.Bar(name="Over-booked (ended early)", y=frame["service"], x=frame["over_booked_pct"], orientation="h",
               marker={"color": OVER}, customdata=frame["over_booked_minutes"],
               hovertemplate="%{y}: %{x:.0f}% over-booked, %{customdata:,.0f} min in total<extra></extra>"),
    ])
    figure.update_layout(barmode="stack")
    figure.update_xaxes(range=[0, 100], ticksuffix="%")
    return styled(figure, title="Booking accuracy by service", x_title="Share of cases (%)", y_title=None,
                  height=max(340, 110 + 30 * len(frame)))


def weekly_trend(by_week: pd.DataFrame) -> go.Figure:
    """Week by week: utilization, first-case on-time starts and booking accuracy."""
    if by_week.empty:
        return empty_figure("No weeks in this range.")
    week = pd.to_datetime(by_week["week_start"])
    series = (
        ("raw_utilization_pct", "Raw utilization", "#0072B2"),
        ("adjusted_utilization_pct", "Adjusted utilization", "#56B4E9"),
        ("first_case_on_time_pct", "First-case on-time starts", "#E69F00"),
        ("booking_accurate_pct", "Accurately booked", "#009E73"),
    )
    figure = go.Figure([
        go.Scatter(x=week, y=by_week[column], name=name, mode="lines+markers", line={"color": color},
                   hovertemplate=f"Week of %{{x|%d %b %Y}}: %{{y:.0f}}% {name.lower()}<extra></extra>")
        for column, name, color in series
    ])
    figure.update_yaxes(range=[0, 100], ticksuffix="%")
    return styled(figure, title="Weekly trend", x_title="Week starting (Monday)", y_title="Percent (%)")
