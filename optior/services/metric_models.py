"""The OR metrics' typed contract: what or_metrics answers, read by the API, the dashboard and the CLI.

Figures are named with their unit (`_pct`, `_minutes`) and are None where undefined (no staffed room-days,
no cases); breakdowns are rows of figures keyed by name, heatmaps columns of equally long lists. The set of
figures is open (metric_calc.figures decides it), so rows are typed as mappings rather than fixed fields.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

Figure = int | float | None
Cell = str | int | float | None


class MetricFilters(BaseModel):
    """The selection the figures cover (dates as ISO text; None: every room, service or site)."""

    start: date
    end: date
    rooms: list[str] | None = None
    services: list[str] | None = None
    sites: list[str] | None = None


class MetricParameters(BaseModel):
    """The settings in force (clock times as HH:MM)."""

    staffed_start: str
    staffed_end: str
    prime_start: str
    prime_end: str
    max_turnover_credit_minutes: float
    turnover_cutoff_minutes: float
    on_time_grace_minutes: float
    booking_tolerance_pct: float
    booking_tolerance_minutes: float


class MetricDefinition(BaseModel):
    """How a figure is named and measured, in words."""

    label: str
    unit: str
    definition: str


class TurnoverBin(BaseModel):
    from_minutes: float
    to_minutes: float
    turnovers: int = Field(ge=0)


class OrMetrics(BaseModel):
    """Utilization, turnover, on-time starts, booking accuracy and overtime for a range of days."""

    filters: MetricFilters
    parameters: MetricParameters
    definitions: dict[str, MetricDefinition]
    overall: dict[str, Figure] = Field(description="Every figure over the whole selection.")
    by_site: list[dict[str, Cell]] | None = Field(description=(
        "Rows keyed by `site`, then every figure, when the selection spans more than one site; null otherwise."))
    by_room: list[dict[str, Cell]] = Field(description=(
        "Rows keyed by `site` and `room` (a room is its site and its name), then the figures."))
    by_service: list[dict[str, Cell]] = Field(description="Rows keyed by `service`, then the case figures.")
    by_room_day: dict[str, list[Cell]] | None = Field(description=(
        "Staffed room-days as columns of equally long lists (site, room, day, then figures). Given for ranges of up to "
        "186 days; null for longer ranges, which get by_room_week instead."))
    by_room_week: dict[str, list[Cell]] | None = Field(description=(
        "Staffed room-days summed per room and ISO week, as columns of equally long lists (site, room, iso_week, "
        "week_start, staffed_room_days, then the same figures as by_room_day). Given for ranges longer than 186 "
        "days and shorter than 731; null otherwise."))
    by_room_month: dict[str, list[Cell]] | None = Field(description=(
        "Staffed room-days summed per room and calendar month, as columns of equally long lists (site, room, "
        "month_start, staffed_room_days, then the same figures as by_room_day). Given for ranges of 731 days or "
        "longer while rooms × months stay within 20,000 cells; null otherwise."))
    by_room_year: dict[str, list[Cell]] | None = Field(default=None, description=(
        "Staffed room-days summed per room and calendar year, as columns of equally long lists (site, room, "
        "year_start, staffed_room_days, then the same figures as by_room_day). Given instead of by_room_month "
        "when rooms × months would exceed 20,000 cells; null otherwise."))
    by_week: list[dict[str, Cell]] = Field(description="Rows keyed by `iso_week` and `week_start`, then figures.")
    turnover_histogram: list[TurnoverBin]


class SiteComparison(BaseModel):
    """Every OR efficiency figure of each site side by side, over one selection."""

    filters: MetricFilters
    parameters: MetricParameters
    definitions: dict[str, MetricDefinition]
    sites: list[str] = Field(description="The sites with cases in the selection, in natural order.")
    by_site: list[dict[str, Cell]] = Field(description=(
        "One row per site (in the order of `sites`), keyed by `site`, then every figure as in `overall` of "
        "/api/metrics; `definitions` gives each figure's label, unit and definition."))
