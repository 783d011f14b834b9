"""The day's OR timeline: booked versus actual blocks per room."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from optior.figures.theme import BOOKED_COLOR, empty_figure, service_colors, styled

MS_PER_MINUTE = 60_000


def _room_label(room: str) -> str:
    return f"OR {room}" if str(room).isdigit() else str(room)


def schedule_timeline(schedule: pd.DataFrame, all_services: list[str]) -> go.Figure:
    """Horizontal blocks per room: grey = booked slot, coloured = actual wheels in to wheels out."""
    if schedule.empty:
        return empty_figure("No cases on this day.")
    frame = schedule.copy()
    frame["room"] = frame["or_suite"].map(_room_label)
    rooms = sorted(frame["room"].unique(), key=lambda r: (len(r), r))
    colors = service_colors(all_services)
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            name="Booked slot",
            y=frame["room"],
            base=frame["scheduled_start"],
            x=frame["booked_minutes"] * MS_PER_MINUTE,
            orientation="h",
            marker={"color": BOOKED_COLOR, "line": {"color": "rgba(80,80,80,0.8)", "width": 1}},
            width=0.8,
            customdata=frame[["cpt_code", "booked_minutes"]],
            hovertemplate="Booked %{base|%H:%M} for %{customdata[1]:.0f} min<br>CPT %{customdata[0]}<extra></extra>",
        )
    )
    for service, group in frame.groupby("service", sort=True):
        figure.add_trace(
            go.Bar(
                name=service,
                y=group["room"],
                base=group["wheels_in"],
                x=group["in_room_minutes"] * MS_PER_MINUTE,
                orientation="h",
                marker={"color": colors.get(service)},
                width=0.45,
                customdata=group[["cpt_code", "cpt_description", "in_room_minutes", "booked_minutes"]],
                hovertemplate=(
                    "<b>%{customdata[1]}</b> (CPT %{customdata[0]})<br>"
                    "Wheels in %{base|%H:%M}, in room %{customdata[2]:.0f} min "
                    "(booked %{customdata[3]:.0f} min)<extra>" + service + "</extra>"
                ),
            )
        )
    figure.update_layout(barmode="overlay")
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(rooms)))
    figure.update_xaxes(type="date", tickformat="%H:%M")
    return styled(
        figure,
        title="OR timeline: booked slot (grey) versus actual in-room time (colour)",
        x_title="Time of day (local, hh:mm)",
        y_title="Operating room",
        height=max(300, 60 + 44 * len(rooms)),
    )
