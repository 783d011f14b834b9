"""The day's OR timeline: booked versus actual blocks per room."""

from __future__ import annotations

from itertools import groupby

from optior.figures.theme import BOOKED_COLOR, Figure, chart, empty_figure, plain_text, service_colors
from optior.vocabulary import room_label, room_order_key

MS_PER_MINUTE = 60_000


def chart_room_label(room: str, site: str | None = None) -> str:
    """A room's label (vocabulary.room_label) as a chart shows it: literally, since suite and site names are
    imported text."""
    return plain_text(room_label(room, site))


def several_sites(cases: list[dict]) -> bool:
    """Whether these cases come from more than one site, so their rooms must be labelled with the site."""
    return len({case["site"] for case in cases}) > 1


def _case_room_labels(cases: list[dict], with_site: bool) -> list[str]:
    return [chart_room_label(c["or_suite"], c["site"] if with_site else None) for c in cases]


def _actual_blocks(service: str, cases: list[dict], color: str | None, with_site: bool) -> dict:
    """One service's cases as coloured blocks from wheels in to wheels out."""
    return {
        "type": "bar", "name": plain_text(service), "y": _case_room_labels(cases, with_site),
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

    cases are the day's cases as the analytics service returns them (times as ISO strings). Cases of several sites
    label their rooms with the site, as two sites' "OR 1" are two rooms.
    """
    if not cases:
        return empty_figure("No cases on this day.")
    with_site = several_sites(cases)
    stored_rooms = sorted({(c["site"], c["or_suite"]) for c in cases}, key=lambda key: room_order_key(*key))
    labels = (chart_room_label(room, site if with_site else None) for site, room in stored_rooms)
    rooms = list(dict.fromkeys(labels))  # one row per label, top to bottom
    colors = service_colors(all_services)
    booked = {
        "type": "bar", "name": "Booked slot", "y": _case_room_labels(cases, with_site),
        "base": [c["scheduled_start"] for c in cases], "x": [c["booked_minutes"] * MS_PER_MINUTE for c in cases],
        "orientation": "h", "width": 0.8,
        "marker": {"color": BOOKED_COLOR, "line": {"color": "rgba(80,80,80,0.8)", "width": 1}},
        "customdata": [[plain_text(c["cpt_code"]), c["booked_minutes"]] for c in cases],
        "hovertemplate": "Booked %{base|%H:%M} for %{customdata[1]:.0f} min<br>CPT %{customdata[0]}<extra></extra>",
    }
    by_service = sorted(cases, key=lambda c: c["service"])
    actual = [_actual_blocks(service, list(group), colors.get(service), with_site)
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
