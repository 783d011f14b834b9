"""The day plan's timeline: per room, each case's booked slot and predicted span, finish markers, the staffed end.

Figures stay pure (no service imports), so the plan arrives through the structural types below; the planning
service's DayPlan satisfies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from optior.figures.schedule import MS_PER_MINUTE, chart_room_label
from optior.figures.theme import BOOKED_COLOR, Figure, chart, empty_figure, plain_text, vertical_line

LATE_COLOR = "#B02A37"
ON_TIME_COLOR = "#495057"
PREDICTED_COLOR = "#0072B2"
FINISH_P50_COLOR = "#332288"
FINISH_P90_COLOR = "#D55E00"
ROW_PX = 56
LEGEND_PX = 50  # room under the axis title for the legend (two rows at tablet width, three on a phone)
LATE_NOTE_PX = 112  # right margin that holds a room's two-line chance note
PAD = timedelta(minutes=20)


class CaseSpan(Protocol):
    encounter_id: str
    service: str
    cpt_code: str
    scheduled_start: datetime
    booked_minutes: float
    predicted_p10_minutes: float
    predicted_p50_minutes: float
    predicted_p90_minutes: float
    start_p50: datetime
    end_p50: datetime
    note: str | None


class RoomDay(Protocol):
    site: str
    or_suite: str
    finish_p10: datetime
    finish_p50: datetime
    finish_p90: datetime
    p_overtime: float
    likely_late: bool

    @property
    def cases(self) -> Sequence[CaseSpan]: ...


class PlannedDay(Protocol):
    staffed_end: datetime

    @property
    def sites(self) -> Sequence[str]: ...

    @property
    def rooms(self) -> Sequence[RoomDay]: ...


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _when(moment: datetime) -> str:
    """A date-time as Plotly's date axis reads it."""
    return moment.isoformat(sep=" ", timespec="seconds")


def room_name(room: RoomDay, several_sites: bool) -> str:
    """The room's row label on the chart; with rooms of several sites shown, the label names the site."""
    return chart_room_label(room.or_suite, room.site if several_sites else None)


def late_note(room: RoomDay, staffed_end: datetime) -> str:
    """The chance that the room runs past the staffed end, in words, e.g. "72% chance to run past 17:00"."""
    return f"{room.p_overtime * 100:.0f}% chance to run past {clock(staffed_end)}"


def _booked(rooms: Sequence[RoomDay], several: bool) -> dict:
    cases = [(room, case) for room in rooms for case in room.cases]
    return {
        "type": "bar", "name": "Booked", "orientation": "h", "width": 0.8,
        "y": [room_name(room, several) for room, _ in cases],
        "base": [_when(case.scheduled_start) for _, case in cases],
        "x": [case.booked_minutes * MS_PER_MINUTE for _, case in cases],
        "marker": {"color": BOOKED_COLOR, "line": {"color": "rgba(80,80,80,0.8)", "width": 1}},
        "customdata": [[plain_text(case.service), plain_text(case.cpt_code), case.booked_minutes,
                        clock(case.scheduled_start)] for _, case in cases],
        "hovertemplate": ("Booked %{customdata[3]} for %{customdata[2]:.0f} min<br>"
                          "%{customdata[0]}, CPT %{customdata[1]}<extra></extra>"),
    }


def _predicted_p50(rooms: Sequence[RoomDay], several: bool) -> dict:
    """Each case from its median simulated wheels-in to its median wheels-out."""
    cases = [(room, case) for room in rooms for case in room.cases]
    return {
        "type": "bar", "name": "Predicted case (P50)", "orientation": "h", "width": 0.34,
        "y": [room_name(room, several) for room, _ in cases],
        "base": [_when(case.start_p50) for _, case in cases],
        "x": [(case.end_p50 - case.start_p50).total_seconds() * 1000 for _, case in cases],
        "marker": {"color": PREDICTED_COLOR},
        "customdata": [[plain_text(case.service), plain_text(case.cpt_code), clock(case.start_p50), clock(case.end_p50),
                        case.predicted_p10_minutes, case.predicted_p50_minutes, case.predicted_p90_minutes,
                        f"<br>{plain_text(case.note)}" if case.note else ""] for _, case in cases],
        "hovertemplate": ("<b>%{customdata[0]}</b>, CPT %{customdata[1]}<br>"
                          "Likely in room %{customdata[2]}–%{customdata[3]} (P50)<br>"
                          "Predicted %{customdata[5]:.0f} min (P10–P90 %{customdata[4]:.0f}–%{customdata[6]:.0f} min)"
                          "%{customdata[7]}<extra></extra>"),
    }


def _predicted_range(rooms: Sequence[RoomDay], several: bool) -> dict:
    """Each case's P10–P90 finish span: its median start plus its P10 and P90 minutes, as a whisker."""
    xs: list[str | None] = []
    ys: list[str | None] = []
    for room in rooms:
        for case in room.cases:
            start = case.start_p50
            xs += [_when(start + timedelta(minutes=case.predicted_p10_minutes)),
                   _when(start + timedelta(minutes=case.predicted_p90_minutes)), None]
            ys += [room_name(room, several), room_name(room, several), None]
    return {
        "type": "scatter", "mode": "lines+markers", "name": "Case end P10–P90", "x": xs, "y": ys,
        "line": {"color": PREDICTED_COLOR, "width": 2}, "marker": {"symbol": "line-ns-open", "size": 14},
        "hoverinfo": "skip",
    }


def _finish(rooms: Sequence[RoomDay], several: bool, which: str, label: str, symbol: str, color: str) -> dict:
    description = {"finish_p50": "median finish", "finish_p90": "90th-percentile finish"}[which]
    return {
        "type": "scatter", "mode": "markers", "name": label,
        "y": [room_name(room, several) for room in rooms],
        "x": [_when(getattr(room, which)) for room in rooms],
        "marker": {"symbol": symbol, "size": 13, "color": color, "line": {"color": "white", "width": 1}},
        "customdata": [clock(getattr(room, which)) for room in rooms],
        "hovertemplate": f"%{{y}}: {description} %{{customdata}}<extra></extra>",
    }


def _room_notes(rooms: Sequence[RoomDay], several: bool, staffed_end: datetime) -> list[dict]:
    """Beside each room, right of the plot: its chance to run late (red and marked when it is likely)."""
    notes = []
    for room in rooms:
        late = room.likely_late
        text = f"{room.p_overtime * 100:.0f}% chance<br>past {clock(staffed_end)}"
        notes.append({
            "text": f"<b>⚠ {text}</b>" if late else text, "xref": "paper", "x": 1, "xanchor": "left", "xshift": 8,
            "yref": "y", "y": room_name(room, several), "showarrow": False, "align": "left",
            "font": {"size": 11, "color": LATE_COLOR if late else ON_TIME_COLOR},
        })
    return notes


def _x_range(plan: PlannedDay) -> list[str]:
    cases = [case for room in plan.rooms for case in room.cases]
    first = min(min(c.scheduled_start for c in cases), min(c.start_p50 for c in cases))
    last = max(plan.staffed_end, *(room.finish_p90 for room in plan.rooms),
               *(c.scheduled_start + timedelta(minutes=c.booked_minutes) for c in cases))
    return [_when(first - PAD), _when(last + PAD)]


def plan_timeline(plan: PlannedDay, *, title: str) -> Figure:
    """One row per room: grey booked slots, blue predicted cases with P10–P90 whiskers, the room's P50 and P90
    finish, a red line at the staffed end, and each room's chance of running past it beside the row."""
    rooms = [room for room in plan.rooms if room.cases]
    if not rooms:
        return empty_figure("No scheduled cases on this day.")
    staffed_end = plan.staffed_end
    end_line = vertical_line(_when(staffed_end), {"color": LATE_COLOR, "width": 2, "dash": "dash"},
                             f"Staffed end {clock(staffed_end)}")
    several = len(plan.sites) > 1
    traces = [
        _booked(rooms, several), _predicted_p50(rooms, several), _predicted_range(rooms, several),
        _finish(rooms, several, "finish_p50", "Room finish P50", "diamond", FINISH_P50_COLOR),
        _finish(rooms, several, "finish_p90", "Room finish P90", "triangle-left", FINISH_P90_COLOR),
    ]
    names = [room_name(room, several) for room in rooms]
    return chart(
        traces,
        title=title,
        x_title="Time of day (local, hh:mm)",
        y_title="Operating room",
        height=110 + LEGEND_PX + ROW_PX * len(rooms),
        xaxis={"type": "date", "tickformat": "%H:%M", "range": _x_range(plan)},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(names)), "fixedrange": True},
        barmode="overlay",
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left",
                "title": None, "traceorder": "normal"},
        margin={"r": LATE_NOTE_PX, "b": 70 + LEGEND_PX},
        shapes=end_line["shapes"],
        annotations=end_line["annotations"] + _room_notes(rooms, several, staffed_end),
    )
