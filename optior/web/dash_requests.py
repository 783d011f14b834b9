"""Bad requests to Dash's own routes answer 4xx: a malformed callback body 400, an unknown component file 404.

Dash itself would raise on them (KeyError, TypeError, DependencyException), which Flask turns into a 500.
"""

from __future__ import annotations

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, jsonify, request

from optior.web.request_guard import DASH_CALLBACK_PATH


def _bad(message: str) -> Response:
    response = jsonify({"error": message, "details": {"field": "body"}})
    response.status_code = 400
    return response


def _is_reference(item: object) -> bool:
    """{"id": ..., "property": "..."}, the form dash-renderer sends each input, state and output in."""
    return (isinstance(item, dict) and isinstance(item.get("property"), str)
            and isinstance(item.get("id"), (str, dict)))


def _references(value: object) -> bool:
    """One reference, or a list of them (a pattern-matching ALL dependency)."""
    return _is_reference(value) or (isinstance(value, list) and all(_is_reference(item) for item in value))


def _names(reference: dict, declared: object) -> bool:
    """True when the reference is to the declared Output (its component and property, '@...' suffix aside)."""
    declared_id = getattr(declared, "component_id", None)
    property_name = str(getattr(declared, "component_property", "")).split("@")[0]
    same_id = isinstance(reference["id"], dict) if isinstance(declared_id, dict) else reference["id"] == declared_id
    return same_id and reference["property"].split("@")[0] == property_name


def _outputs_match(outputs: object, callback: dict) -> bool:
    """The body's outputs name the callback's declared outputs, one for one (Dash refuses anything else)."""
    if callback.get("no_output"):
        return True
    declared = callback.get("output")
    if not isinstance(declared, (list, tuple)):
        return _is_reference(outputs) and _names(outputs, declared)
    if not isinstance(outputs, list) or len(outputs) != len(declared):
        return False
    return all(_is_reference(item) and _names(item, output) for item, output in zip(outputs, declared, strict=True))


def callback_body_problem(body: object, callback_map: dict) -> str | None:
    """What is wrong with a callback request body for these callbacks, or None when Dash can run it."""
    if not isinstance(body, dict):
        return "The page update is not a JSON object."
    callback = callback_map.get(body.get("output")) if isinstance(body.get("output"), str) else None
    if callback is None:
        return "The page update names no known callback."
    for part in ("inputs", "state"):
        values, expected = body.get(part, []), callback.get(part, [])
        if not isinstance(values, list) or len(values) != len(expected) or not all(map(_references, values)):
            return f"The page update's '{part}' do not match its callback."
    if not _outputs_match(body.get("outputs"), callback):
        return "The page update's 'outputs' do not match its callback."
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(item, str) for item in changed):
        return "The page update's 'changedPropIds' are malformed."
    return None


def install_dash_request_checks(app: Dash) -> None:
    """Answer malformed callback bodies with 400 before Dash reads them, unknown component files with 404."""

    @app.server.before_request
    def _check_callback_body() -> Response | None:
        if request.method != "POST" or request.path != DASH_CALLBACK_PATH:
            return None
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # absurdly deep nesting
            body = None
        if body is None:
            return _bad("The page update is not valid JSON.")
        problem = callback_body_problem(body, app.callback_map)
        return _bad(problem) if problem else None

    @app.server.errorhandler(DependencyException)
    def _unknown_component_file(_error: DependencyException) -> tuple[str, int]:
        return "There is no such component file.", 404
