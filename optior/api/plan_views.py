"""The day plan over HTTP: GET a scheduled day's plan, POST a what-if (nothing is stored)."""

from __future__ import annotations

from datetime import date

from flask import Response, request

from optior.api.errors import ApiError
from optior.api.model_schemas import component_schemas
from optior.api.params import json_object, query_date
from optior.api.serialize import json_response
from optior.services.planning import plan_day, plan_what_if, planned_days
from optior.services.planning_models import DayPlan, PlanOptions, WhatIfRequest, parse_model
from optior.services.runtime import Runtime
from optior.web.context import current_runtime

WHAT_IF_FIELDS = frozenset(WhatIfRequest.model_fields)


def _default_day(runtime: Runtime) -> date:
    """The first day with scheduled cases from today on, else the latest one (404 when there is none)."""
    days = planned_days(runtime)
    if not days:
        raise ApiError(404, "No cases are scheduled: import a CSV whose rows leave the actual times "
                            "(Wheels In, Start Time, End Time, Wheels Out) empty.",
                       {"field": "date", "scheduled_days": []})
    today = date.today()
    return next((day for day in days if day >= today), days[-1])


def _answer(plan: DayPlan) -> Response:
    return json_response(plan.model_dump(mode="json"))


def plan() -> Response:
    """?date=YYYY-MM-DD (default: the next day with scheduled cases) and &cost_ratio=R or &quantile=Q."""
    runtime = current_runtime()
    options = parse_model(PlanOptions, {name: request.args.get(name) for name in ("cost_ratio", "quantile")})
    day = query_date("date") or _default_day(runtime)
    return _answer(plan_day(runtime, day, cost_ratio=options.cost_ratio, quantile=options.quantile))


def what_if() -> Response:
    """Simulate the posted cases ({date, cases, cost_ratio | quantile}) as arranged; nothing is stored."""
    request_model = parse_model(WhatIfRequest, json_object(allowed=WHAT_IF_FIELDS), from_json=True)
    return _answer(plan_what_if(current_runtime(), request_model))


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*statuses: int) -> dict:
    return {str(status): {"$ref": f"#/components/responses/{status}"} for status in (*statuses, 500, 503)}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_paths() -> dict:
    """The plan endpoints for the OpenAPI document; their bodies refer to the generated model schemas."""
    options = PlanOptions.model_json_schema()["properties"]
    not_found = _json("Error", "No cases are scheduled that day; `details.scheduled_days` lists the days that have.")
    return {
        "/api/plan": {
            "get": {
                "operationId": "plan",
                "summary": "A day's scheduled cases simulated room by room: finish times, chance of overtime, "
                           "recommended bookings. Give cost_ratio or quantile, not both (default cost_ratio 2).",
                "parameters": [
                    _query("date", "The day (default: the next day with scheduled cases, else the latest).",
                           {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
                    _query("cost_ratio", "Cost of an overtime minute in idle minutes; bookings at r/(1+r).",
                           options["cost_ratio"]["anyOf"][0]),
                    _query("quantile", "Book each case at this predicted quantile instead.",
                           options["quantile"]["anyOf"][0]),
                ],
                "responses": {"200": _json("DayPlan", "The day plan."), "404": not_found, **_errors(400, 409)},
            },
            "post": {
                "operationId": "planWhatIf",
                "summary": "What if: simulate the posted cases as arranged (rooms, starts, order); nothing is stored.",
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("WhatIfRequest")}}},
                "responses": {"200": _json("DayPlan", "The day plan of the posted cases."),
                              **_errors(400, 409, 413, 415)},
            },
        }
    }


def openapi_schemas() -> dict:
    return component_schemas(requests=(WhatIfRequest,), results=(DayPlan,))
