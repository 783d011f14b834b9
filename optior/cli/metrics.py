"""The metrics command: OR efficiency figures for a date range, as tables or JSON, and sites side by side."""

from __future__ import annotations

import argparse

from optior.cli import EXIT_OK
from optior.services.metric_models import MetricDefinition, OrMetrics, SiteComparison
from optior.services.metrics import or_metrics, site_comparison
from optior.services.runtime import Runtime

ROOM_COLUMNS = (
    ("room", "Room"), ("cases", "Cases"), ("raw_utilization_pct", "Raw util %"),
    ("adjusted_utilization_pct", "Adj util %"), ("prime_time_utilization_pct", "Prime %"),
    ("turnover_median_minutes", "Turnover med"), ("turnover_p90_minutes", "Turnover p90"),
    ("first_case_on_time_pct", "1st on time %"), ("overtime_minutes", "Overtime min"),
    ("idle_minutes", "Idle min"),
)
SERVICE_COLUMNS = (
    ("service", "Service"), ("cases", "Cases"), ("first_case_on_time_pct", "1st on time %"),
    ("on_time_start_pct", "On time %"), ("booking_accurate_pct", "Accurate %"),
    ("under_booked_pct", "Under %"), ("over_booked_pct", "Over %"),
    ("under_booked_minutes", "Under min"), ("over_booked_minutes", "Over min"),
)


def _format(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(rows: list[dict], columns: tuple[tuple[str, str], ...]) -> list[str]:
    """Left-aligned first column, right-aligned numbers, widths fitted to the content."""
    lines = [[title for _, title in columns]] + [[_format(row[key]) for key, _ in columns] for row in rows]
    widths = [max(len(line[index]) for line in lines) for index in range(len(columns))]
    return [
        "  ".join(cell.ljust(width) if index == 0 else cell.rjust(width)
                  for index, (cell, width) in enumerate(zip(line, widths, strict=True)))
        for line in lines
    ]


def _heading(result: OrMetrics | SiteComparison) -> list[str]:
    filters, params = result.filters, result.parameters
    return [
        f"OR efficiency, {filters.start} to {filters.end} (sites: {', '.join(filters.sites or ['all'])}; "
        f"rooms: {', '.join(filters.rooms or ['all'])}; services: {', '.join(filters.services or ['all'])})",
        f"Staffed {params.staffed_start}-{params.staffed_end} on weekdays, prime {params.prime_start}-"
        f"{params.prime_end}; turnover cut-off {params.turnover_cutoff_minutes:g} min, credit up to "
        f"{params.max_turnover_credit_minutes:g} min; on-time grace {params.on_time_grace_minutes:g} min; "
        f"booking tolerance max({params.booking_tolerance_pct:g}%, {params.booking_tolerance_minutes:g} min).",
        "",
    ]


def _report(result: OrMetrics, with_definitions: bool) -> list[str]:
    lines, definitions, overall = _heading(result), result.definitions, result.overall
    if not overall["cases"]:
        return [*lines, "No cases match this range and these filters."]
    label_width = max(len(definitions[name].label) for name in overall)
    for name, value in overall.items():
        definition = definitions[name]
        lines.append(f"{definition.label:<{label_width}}  {_format(value):>12} {definition.unit}")
        if with_definitions:
            lines.append(f"    {definition.definition}")
    several_sites = len({row["site"] for row in result.by_room}) > 1
    lines += ["", "By room", *_table(result.by_room, (("site", "Site"),) * several_sites + ROOM_COLUMNS)]
    lines += ["", "By service", *_table(result.by_service, SERVICE_COLUMNS)]
    return lines


def _comparison(result: SiteComparison, with_definitions: bool) -> list[str]:
    """One line per figure, one column per site, then the unit (and the definition under it if asked)."""
    lines = _heading(result)
    if not result.by_site:
        return [*lines, "No cases match this range and these filters."]
    names = [name for name in result.by_site[0] if name != "site"]
    definition: dict[str, MetricDefinition] = result.definitions
    table = [["Figure", *result.sites, "Unit"]] + [
        [definition[name].label, *[_format(row[name]) for row in result.by_site], definition[name].unit]
        for name in names
    ]
    widths = [max(len(line[index]) for line in table) for index in range(len(table[0]))]
    for number, line in enumerate(table):
        cells = [cell.ljust(width) if index in (0, len(line) - 1) else cell.rjust(width)
                 for index, (cell, width) in enumerate(zip(line, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if with_definitions and number:
            lines.append(f"    {definition[names[number - 1]].definition}")
    return lines


def _metrics(runtime: Runtime, args: argparse.Namespace) -> int:
    selection = {"start": args.start, "end": args.end, "rooms": args.room, "services": args.service,
                 "sites": args.site}
    if args.by_site:
        comparison = site_comparison(runtime, **selection)
        print(comparison.model_dump_json(indent=2) if args.json else "\n".join(_comparison(comparison,
                                                                                           args.definitions)))
        return EXIT_OK
    result = or_metrics(runtime, **selection)
    print(result.model_dump_json(indent=2) if args.json else "\n".join(_report(result, args.definitions)))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    metrics = subparsers.add_parser(
        "metrics", help="OR efficiency metrics (utilization, turnover, on-time starts, booking) for a date range"
    )
    metrics.add_argument("--start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    metrics.add_argument("--end", required=True, metavar="DATE", help="last day (inclusive), YYYY-MM-DD")
    metrics.add_argument("--site", action="append", metavar="S", help="only this site (repeat for more)")
    metrics.add_argument("--room", action="append", metavar="R",
                         help="only this OR suite (repeat for more; with --site, only those sites' rooms)")
    metrics.add_argument("--service", action="append", metavar="S", help="only this service (repeat for more)")
    metrics.add_argument("--by-site", action="store_true",
                         help="every figure of each site side by side, one column per site")
    metrics.add_argument("--json", action="store_true", help="print every figure and breakdown as JSON")
    metrics.add_argument("--definitions", action="store_true", help="print each figure's definition under it")
    metrics.set_defaults(handler=_metrics)
