"""Planner commands: plan a scheduled day (tables or JSON) and backtest the planner on a case file."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from optior.cli import EXIT_OK
from optior.config import settings_from_env
from optior.services.planning_models import DayPlan, RoomPlan
from optior.services.runtime import Runtime

# The planner loads scikit-learn through the model (seconds): handlers import the services they need, so that
# building the command line for the other commands stays quick.


TEXT_COLUMNS = frozenset({"Site", "Room", "Encounter", "Service", "CPT", "Flag", ""})


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None


def _clock(moment) -> str:
    return moment.strftime("%H:%M")


def _rows(table: list[list[str]]) -> list[str]:
    """Columns fitted to their content: numbers and times to the right, text (and the flags) to the left."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    left = [header in TEXT_COLUMNS for header in table[0]]
    return ["  ".join(cell.ljust(w) if is_text else cell.rjust(w)
                      for cell, w, is_text in zip(row, widths, left, strict=True)).rstrip()
            for row in table]


def format_plan(plan: DayPlan) -> str:
    """The plan as text: one line per room, then each room's cases, then the day's totals (minutes, clock times)."""
    basis = (f"an overtime minute costs {plan.cost_ratio:g} idle minutes" if plan.cost_ratio is not None
             else "quantile given")
    lines = [f"Plan for {plan.date.isoformat()}: staffed {_clock(plan.staffed_start)}-{_clock(plan.staffed_end)}, "
             f"{plan.draws:,} simulated days, model {plan.model_version}; bookings at the "
             f"{plan.quantile:.0%} quantile ({basis}).", ""]
    several = len(plan.sites) > 1  # a Site column only when the plan shows rooms of more than one site
    site_header = ["Site"] if several else []

    def site_cell(room: RoomPlan) -> list[str]:
        return [room.site] if several else []

    rooms = [[*site_header, "Room", "Cases", "Finish P10", "P50", "P90", "P(late)", "Overtime min", "Idle min", ""]]
    rooms += [[*site_cell(room), room.or_suite, str(len(room.cases)), _clock(room.finish_p10), _clock(room.finish_p50),
               _clock(room.finish_p90), f"{room.p_overtime:.0%}", f"{room.expected_overtime_minutes:.0f}",
               f"{room.expected_idle_minutes:.0f}", "LIKELY LATE" if room.likely_late else ""]
              for room in plan.rooms]
    lines += _rows(rooms) + [""]
    cases = [[*site_header, "Room", "Encounter", "Service", "CPT", "Start", "Booked", "P10", "P50", "P90", "Recommend",
              "Start P50", "End P90", "Flag"]]
    cases += [[*site_cell(room), room.or_suite, case.encounter_id, case.service, case.cpt_code,
               _clock(case.scheduled_start),
               f"{case.booked_minutes:.0f}", f"{case.predicted_p10_minutes:.0f}",
               f"{case.predicted_p50_minutes:.0f}", f"{case.predicted_p90_minutes:.0f}",
               f"{case.recommended_booking_minutes:.0f}", _clock(case.start_p50), _clock(case.end_p90),
               case.flag or ""]
              for room in plan.rooms for case in room.cases]
    lines += _rows(cases) + [""]
    t = plan.totals
    lines += [
        f"{t.rooms} rooms, {t.cases} cases; {t.rooms_likely_late} likely to run past {_clock(plan.staffed_end)}; "
        f"expected {t.expected_room_overtime_minutes:.0f} overtime and {t.expected_room_idle_minutes:.0f} idle "
        "room-minutes.",
        f"Bookings as made: {t.booked_overtime_minutes:.0f} min expected over, {t.booked_idle_minutes:.0f} min under, "
        f"cost {t.booked_cost:.0f}; as recommended: {t.recommended_overtime_minutes:.0f} over, "
        f"{t.recommended_idle_minutes:.0f} under, cost {t.recommended_cost:.0f} (idle-minute units).",
    ]
    return "\n".join(lines)


def _plan(runtime: Runtime, args: argparse.Namespace) -> int:
    from optior.services.planning import plan_day

    plan = plan_day(runtime, args.date, sites=args.site, cost_ratio=args.cost_ratio, quantile=args.quantile)
    print(json.dumps(plan.model_dump(mode="json"), indent=2) if args.json else format_plan(plan))
    return EXIT_OK


def format_backtest(result: dict) -> str:
    """The backtest as a Markdown table (the README shows it for the bundled sample)."""
    o, f, b = result["overtime"], result["finish"], result["booking"]
    lines = [
        f"{result['days']} test days, {result['room_days']} room-days, staffed end {result['staffed_end']}; "
        f"{o['observed_share']:.0%} of room-days ran late.",
        "",
        "| Figure | Planner | Booked schedule | Room's late-day rate |",
        "|---|---:|---:|---:|",
        f"| Overtime Brier score (lower is better) | {o['brier']:.3f} | {o['baseline_booked_brier']:.3f} | "
        f"{o['baseline_rate_brier']:.3f} |",
        f"| Finish time MAE (min) | {f['mae_minutes']:.1f} | {f['baseline_booked_mae_minutes']:.1f} | – |",
        "",
        f"Booking cost per case (overtime minute = {b['cost_ratio']:g} idle minutes, {b['cases']} cases): as booked "
        f"{b['booked_cost']:.1f}, at the recommended {b['quantile']:.0%} quantile {b['recommended_cost']:.1f}.",
        "",
        "| Predicted P(late) | Room-days | Mean predicted | Observed late |",
        "|---|---:|---:|---:|",
    ]
    for row in o["calibration"]:
        low, high = row["bin"]
        predicted = "–" if row["predicted"] is None else f"{row['predicted']:.2f}"
        observed = "–" if row["observed"] is None else f"{row['observed']:.2f}"
        lines.append(f"| {low:.1f}–{high:.1f} | {row['n']} | {predicted} | {observed} |")
    return "\n".join(lines)


def _backtest(_runtime: None, args: argparse.Namespace) -> int:
    from optior.services.plan_backtest import backtest_plan

    result = backtest_plan(settings_from_env(), source=Path(args.csv), cost_ratio=args.cost_ratio)
    print(json.dumps(result, indent=2) if args.json else format_backtest(result))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser("plan", help="simulate a day's scheduled cases room by room")
    plan.add_argument("--date", type=_iso_date, required=True, help="the day, YYYY-MM-DD")
    plan.add_argument("--site", action="append", metavar="S",
                      help="only the rooms of this site (repeat for more); a room is its site and its name")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON (as GET /api/plan answers)")
    choice = plan.add_mutually_exclusive_group()
    choice.add_argument("--cost-ratio", type=_number, help="cost of an overtime minute in idle minutes (default 2)")
    choice.add_argument("--quantile", type=_number, help="book each case at this predicted quantile instead")
    plan.set_defaults(handler=_plan)

    backtest = subparsers.add_parser(
        "backtest-plan", help="backtest the planner on a case CSV, imported into a temporary database"
    )
    backtest.add_argument("--csv", required=True, help="the case file (same format as imports)")
    backtest.add_argument("--json", action="store_true", help="print one JSON object")
    backtest.add_argument("--cost-ratio", type=_number, help="cost of an overtime minute in idle minutes (default 2)")
    backtest.set_defaults(handler=_backtest, needs_runtime=False)
