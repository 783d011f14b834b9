"""The day's OR timeline: booked versus actual blocks per room."""

from __future__ import annotations

from itertools import groupby

from optior.figures.theme import BOOKED_COLOR, Figure, chart, empty_figure, plain_text, service_colors
from optior.vocabulary import natural_room_key, room_label

MS_PER_MINUTE = 60_000


def chart_room_label(room: str) -> str:
    """A room's label (vocabulary.room_label) as a chart shows it: literally, since suite names are imported text."""
    return plain_text(room_label(room))


def _actual_blocks(service: str, cases: list[dict], color: str | None) -> dict:
    """One service's cases as coloured blocks from wheels in to wheels out."""
    return {
        "type": "bar", "name": plain_text(service), "y": [chart_room_label(c["or_suite"]) for c in cases],
        "base": [c["wheels_in"] for c in cases], "x": [c["in_room_minutes"] * MS_PER_MINUTE for c in cases],
        "orientation": "h", "width": 0.45, "marker": {"color": color},
        "customdata": [[plain_text(c["cpt_code"]), plain_text(c["cpt_description"]), c["in_room_minutes"],
                        c["booked_minutes"]] for c in cases],
        "hovertemplate": (
            "<b>%{customdata[1]}</b> (CPT %{customdata[0]})<br>"
            "Wheels in %{base|%H:%M}, in room %{customdata[2]:.0f} min "
            "(booked %{customdata[3]:.0f} min)<extra>%{fullData.name}</extra>"
        ),
    }


def schedule_timeline(cases: list[dict], all_services: list[str]) -> Figure:
    """Horizontal blocks per room: grey = booked slot, coloured = actual wheels in to wheels out.

    cases are the day's cases as the analytics service returns them (times as ISO strings).
    """
    if not cases:
        return empty_figure("No cases on this day.")
    stored_rooms = sorted({c["or_suite"] for c in cases}, key=natural_room_key)
    rooms = list(dict.fromkeys(map(chart_room_label, stored_rooms)))  # one row per label, top to bottom
    colors = service_colors(all_services)
    booked = {
        "type": "bar", "name": "Booked slot", "y": [chart_room_label(c["or_suite"]) for c in cases],
        "base": [c["scheduled_start"] for c in cases], "x": [c["booked_minutes"] * MS_PER_MINUTE for c in cases],
        "orientation": "h", "width": 0.8,
        "marker": {"color": BOOKED_COLOR, "line": {"color": "rgba(80,80,80,0.8)", "width": 1}},
        "customdata": [[plain_text(c["cpt_code"]), c["booked_minutes"]] for c in cases],
        "hovertemplate": "Booked %{base|%H:%M} for %{customdata[1]:.0f} min<br>CPT %{customdata[0]}<extra></extra>",
    }
    by_service = sorted(cases, key=lambda c: c["service"])
    actual = [_actual_blocks(service, list(group), colors.get(service))
              for service, group in groupby(by_service, key=lambda c: c["service"])]
    return chart(
        [booked, *actual],
        title="OR timeline: booked vs actual",
        x_title="Time of day (local, hh:mm)",
        y_title="Operating room",
        height=max(300, 60 + 44 * len(rooms)),
        xaxis={"type": "date", "tickformat": "%H:%M"},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(rooms))},
        barmode="overlay",
    )
