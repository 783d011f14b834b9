"""The day plan over HTTP: GET a scheduled day's plan, POST a what-if (nothing is stored)."""

from __future__ import annotations

from datetime import date

from flask import Response, request
from pydantic import Field

from optior.api.errors import ApiError
from optior.api.operation import Operation
from optior.api.params import json_object
from optior.api.request_models import Day, DayQuery, SiteList, date_field, query
from optior.api.response_models import Error
from optior.api.serialize import json_response
from optior.services.planning import plan_day, plan_what_if, planned_days
from optior.services.planning_models import DayPlan, PlanOptions, WhatIfRequest, parse_model
from optior.services.runtime import Runtime
from optior.web.context import current_runtime

WHAT_IF_FIELDS = frozenset(WhatIfRequest.model_fields)


def _default_day(runtime: Runtime, sites: tuple[str, ...] | None) -> date:
    """The first day with scheduled cases (at those sites) from today on, else the latest one (404 when there is
    none)."""
    days = planned_days(runtime, sites)
    if not days:
        at = f" at {', '.join(sites)}" if sites else ""
        raise ApiError(404, f"No cases are scheduled{at}: import a CSV whose rows leave the actual times "
                            "(Wheels In, Start Time, End Time, Wheels Out) empty.",
                       {"field": "date", "scheduled_days": []})
    today = date.today()
    return next((day for day in days if day >= today), days[-1])


def plan() -> Response:
    """?date=YYYY-MM-DD (default: the next day with scheduled cases), &site=S (repeatable) and &cost_ratio=R or
    &quantile=Q."""
    runtime = current_runtime()
    options = parse_model(PlanOptions, {name: request.args.get(name) for name in PlanOptions.model_fields})
    asked = query(DayQuery)
    day = asked.date or _default_day(runtime, asked.site)
    return json_response(plan_day(runtime, day, sites=asked.site, cost_ratio=options.cost_ratio,
                            quantile=options.quantile))


def what_if() -> Response:
    """Simulate the posted cases ({date, cases, cost_ratio | quantile}) as arranged; nothing is stored."""
    request_model = parse_model(WhatIfRequest, json_object(allowed=WHAT_IF_FIELDS), from_json=True)
    return json_response(plan_what_if(current_runtime(), request_model))


class PlanQuery(DayQuery, PlanOptions):
    """?date=&site=&cost_ratio=|quantile= as the document shows them (plan() checks the options, then the date and
    sites)."""

    date: Day | None = date_field("The day (default: the next day with scheduled cases, else the latest).")
    site: SiteList = Field(None, description="Only the rooms of these sites (hospitals); a room is its site and its "
                                             "name. Repeat the parameter for several.")


PLAN = Operation(
    "plan", "A day's scheduled cases simulated room by room (a room is its site and its name; site= keeps some "
    "sites' rooms): finish times, chance of overtime, recommended bookings. Give cost_ratio or quantile, not both "
    "(default cost_ratio 2).",
    DayPlan, "The day plan.", query=PlanQuery,
    responses={404: (Error, "No cases are scheduled that day (at those sites); `details.scheduled_days` lists the "
                            "days that have.")},
    errors=(400, 409),
)
WHAT_IF = Operation(
    "planWhatIf", "What if: simulate the posted cases as arranged (rooms, starts, order); nothing is stored. Each "
    "case names its site when the data has more than one.",
    DayPlan, "The day plan of the posted cases.", body=WhatIfRequest, errors=(400, 409, 413, 415),
)
