"""The Plan page's case table: one editable row per scheduled case, and the rows read back as a what-if.

Rows carry what a what-if needs (room, start, order, booked minutes, the case's identity) plus the plan's numbers
for display. A room is its site and its name, so the room cell holds both (room_value) and shows the room's label.
The grid shows cell values as text, never as HTML, so imported text stays plain.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any

import dash_ag_grid as dag

from optior.errors import InvalidInput
from optior.services.planning_models import CasePlan, DayPlan
from optior.vocabulary import room_label

FLAG_TEXT = {"booked short": "Short (< P25)", "booked long": "Long (> P90)"}
CLOCK = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
EDITABLE = ("room", "start", "order")
# Quartz with tighter cells, so the columns a scheduler reads first fit a tablet's width.
COMPACT_THEME = "themeQuartz.withParams({spacing: 5, fontSize: 13, headerFontSize: 13, cellHorizontalPadding: 8})"


def _column(field: str, header: str, *, width: int, numeric: bool = False, **extra) -> dict:
    column = {"field": field, "headerName": header, "width": width, "minWidth": width, "flex": 1}
    if numeric:
        column |= {"type": "numericColumn"}
    return column | extra


def room_value(site: str, room: str) -> str:
    """A room cell's value: the site and the stored room name, as JSON text (a what-if sends both back)."""
    return json.dumps([site, room], ensure_ascii=False)


def site_and_room(value: object) -> tuple[str, str]:
    """The (site, room) of a room cell's value; InvalidInput when it is not one."""
    try:
        site, room = json.loads(str(value))
    except (TypeError, ValueError):
        raise InvalidInput("Room: pick one of the day's rooms from the list.", {"field": "room"}) from None
    if not isinstance(site, str) or not isinstance(room, str):
        raise InvalidInput("Room: pick one of the day's rooms from the list.", {"field": "room"})
    return site, room


def column_defs(rooms: list[tuple[str, str]], *, several_sites: bool = False) -> list[dict]:
    """The table's columns, the ones a scheduler reads first on the left; room, start and order are editable
    (a room from the day's rooms, each a (site, room) pair).

    A room cell holds its site and stored name (what a what-if sends) and shows its label, in the list too
    (refData); the label names the site when the day shows rooms of several sites.
    """
    editable: dict[str, Any] = {"editable": True, "cellClass": "plan-editable", "headerClass": "plan-editable-header"}
    values = [room_value(site, room) for site, room in rooms]
    labels = {value: room_label(room, site if several_sites else None)
              for value, (site, room) in zip(values, rooms, strict=True)}
    return [
        _column("room", "Room ✎", width=150 if several_sites else 70, flex=0, pinned="left",
                cellEditor="agSelectCellEditor", cellEditorParams={"values": values}, refData=labels,
                headerTooltip="Pick another of the day's rooms.", **editable),
        _column("start", "Start ✎", width=68, headerTooltip="Scheduled start, hh:mm (24-hour).", **editable),
        _column("order", "Order ✎", width=68, numeric=True, cellEditor="agNumberCellEditor",
                cellEditorParams={"min": 1, "precision": 0}, headerTooltip="Place in the room's day; 1 runs first.",
                **editable),
        _column("service", "Service", width=96, tooltipField="service"),
        _column("cpt_code", "CPT", width=62),
        _column("booked_minutes", "Booked (min)", width=70, numeric=True),
        _column("predicted", "Predicted P50 (P10–P90), min", width=108, numeric=True,
                headerTooltip="Median predicted in-room minutes, and the range 8 cases in 10 fall in."),
        _column("recommended_booking_minutes", "Recommended (min)", width=112, numeric=True,
                headerTooltip="The booking at the chosen percentile of the predicted minutes, rounded up to 5."),
        _column("flag", "Booking flag", width=112, cellClassRules={
            "plan-flag-short": "params.data.flag_kind === 'booked short'",
            "plan-flag-long": "params.data.flag_kind === 'booked long'",
        }),
        _column("likely", "Likely in room (P50)", width=110),
    ]


def case_table(grid_id: str) -> dag.AgGrid:
    """The empty grid; the page fills its rows and columns."""
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=column_defs([]),
        getRowId="params.data.encounter_id",
        defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={"theme": {"function": COMPACT_THEME}, "domLayout": "autoHeight", "singleClickEdit": True,
                         "stopEditingWhenCellsLoseFocus": True,
                         "animateRows": False},
        style={"width": "100%"},
    )


def _row(case: CasePlan, order: int) -> dict:
    return {
        "encounter_id": case.encounter_id,
        "room": room_value(case.site, case.or_suite),
        "start": case.scheduled_start.strftime("%H:%M"),
        "order": order,
        "service": case.service,
        "cpt_code": case.cpt_code,
        "surgeon": case.surgeon,
        "booked_minutes": case.booked_minutes,
        "predicted": (f"{case.predicted_p50_minutes:.0f} "
                      f"({case.predicted_p10_minutes:.0f}–{case.predicted_p90_minutes:.0f})"),
        "recommended_booking_minutes": round(case.recommended_booking_minutes),
        "flag": FLAG_TEXT.get(case.flag or "", "—"),
        "flag_kind": case.flag,
        "likely": f"{case.start_p50:%H:%M}–{case.end_p50:%H:%M}",
    }


def plan_rows(plan: DayPlan) -> list[dict]:
    """One row per case, room by room, each room's cases in the order they run (numbered from 1)."""
    return [_row(case, order) for room in plan.rooms
            for order, case in enumerate(sorted(room.cases, key=lambda c: c.scheduled_start), start=1)]


def parse_clock(text: object) -> time:
    """A start typed as hh:mm (24-hour); InvalidInput naming the field otherwise."""
    match = CLOCK.match(str(text or ""))
    if not match:
        raise InvalidInput(f"Start: “{str(text)[:20]}” is not a time; type it as hh:mm (24-hour), e.g. 07:30.",
                           {"field": "start"})
    return time(int(match[1]), int(match[2]))


def reorder(rows: list[dict], edited_id: str | None) -> list[dict]:
    """After the edited case's order changed: it moves to that place in its room, and the room's cases take the
    room's start times in the new order.

    The simulation runs a room's cases by scheduled start, so an order is expressed through the starts: the room
    keeps its slots and the cases swap into them.
    """
    edited = next((row for row in rows if row.get("encounter_id") == edited_id), None)
    if edited is None:
        return rows
    place = _whole_number(edited.get("order"))
    room = [row for row in rows if row.get("room") == edited.get("room")]
    others = sorted((row for row in room if row is not edited), key=lambda r: parse_clock(r.get("start")))
    others.insert(min(max(place, 1), len(room)) - 1, edited)
    starts = sorted(parse_clock(row.get("start")).strftime("%H:%M") for row in room)
    new_start = {row.get("encounter_id"): start for row, start in zip(others, starts, strict=True)}
    return [row | {"start": new_start.get(row.get("encounter_id"), row.get("start"))} for row in rows]


def _whole_number(value: Any) -> int:
    """The cell as the grid sent it (text, a number or null) as a whole number."""
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("Order: type a whole number (1 runs first in its room).", {"field": "order"}) from None


def _what_if_case(day: date, row: dict) -> dict:
    site, room = site_and_room(row.get("room"))
    return {"encounter_id": row.get("encounter_id"), "site": site, "or_suite": room, "service": row.get("service"),
            "cpt_code": row.get("cpt_code"), "surgeon": row.get("surgeon"), "booked_minutes": row.get("booked_minutes"),
            "scheduled_start": datetime.combine(day, parse_clock(row.get("start"))).isoformat()}


def what_if_cases(day: date, rows: list[dict]) -> list[dict]:
    """The rows as the what-if's cases (site and room, start on the day, booked minutes, identity); the planner's
    request model checks every value and names a missing or bad one."""
    return [_what_if_case(day, row) for row in table_rows(rows)]


def table_rows(rows: object) -> list[dict]:
    """The grid's rows as the browser sent them, if they are rows at all."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise InvalidInput("The case table could not be read; press Reset to schedule.", {"field": "cases"})
    return rows
