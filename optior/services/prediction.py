"""Predict a case's in-room minutes with the active model version, log it, and fill the predict form."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from optior.db.model_store import active_version, clear_case_labels, version_with_report
from optior.db.model_store import recent_predictions as logged_predictions
from optior.db.training_data import cases_before_in_room, procedure_rows, room_names, surgeon_rows
from optior.errors import InvalidInput, ModelUnavailable
from optior.ml.explain import explain
from optior.ml.features import TARGET_LABEL
from optior.services.model_files import load_version
from optior.services.prediction_log import LoggedPrediction, Viewer, prediction_log
from optior.services.prediction_models import Contribution, Explanation, Prediction, PredictionInputs
from optior.services.runtime import Runtime
from optior.services.sites import list_sites
from optior.text_rules import forbidden_character
from optior.vocabulary import DEFAULT_SITE, MAX_MINUTES, MAX_POSITION, TEXT_LIMITS, natural_room_key, room_label

MAX_RECENT = 500
TEXT_FIELDS = {  # field -> (label in messages, longest accepted value)
    "service": ("Service", TEXT_LIMITS["service"]),
    "cpt_code": ("CPT code", TEXT_LIMITS["cpt_code"]),
    "site": ("Site", TEXT_LIMITS["site"]),
    "or_suite": ("OR suite", TEXT_LIMITS["or_suite"]),
    "surgeon": ("Surgeon", TEXT_LIMITS["surgeon"]),
    "case_label": ("Case label", TEXT_LIMITS["case_label"]),
}


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, {"field": field})


def _text(field: str, value, *, required: bool) -> str | None:
    label, limit = TEXT_FIELDS[field]
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise _invalid(field, f"{label} is required.")
        return None
    if len(text) > limit:
        raise _invalid(field, f"{label} is longer than {limit} characters.")
    found = forbidden_character(text)
    if found:
        raise _invalid(field, f"{label} contains {found}.")
    return text


def _case_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _invalid("case_date", "Case date must be a date like 2026-11-30.") from None


def _start(value, case_date: date) -> datetime | None:
    """The scheduled start on the case date, from a time, a datetime or 'HH:MM' text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        value = value.time()
    if not isinstance(value, time):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise _invalid("scheduled_start", "Scheduled start must be a time like 07:30 (24-hour clock).")
        value = time(int(match[1]), int(match[2]))
    return datetime.combine(case_date, value)


def _booked(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        raise _invalid("booked_minutes", "Booked minutes must be a number.") from None
    if not 0 < minutes <= MAX_MINUTES:
        raise _invalid("booked_minutes", f"Booked minutes must be more than 0 and at most {MAX_MINUTES}.")
    return minutes


def _position(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        position = int(str(value).strip())
    except ValueError:
        raise _invalid("position_in_day", "Position in the room's day must be a whole number.") from None
    if not 1 <= position <= MAX_POSITION:
        raise _invalid("position_in_day", f"Position in the room's day must be between 1 and {MAX_POSITION}.")
    return position


def _site(value, sites: list[str]) -> str:
    """The case's site: as given, else the only site there is (the default one before any case is stored).

    With several sites a room name alone is ambiguous ("OR 1" at two sites are two rooms), so the site is required.
    """
    site = _text("site", value, required=False)
    if site is not None:
        return site
    if len(sites) > 1:
        shown = ", ".join(sites[:5]) + (", ..." if len(sites) > 5 else "")
        raise _invalid("site", f"Site is required: the cases come from {len(sites)} sites ({shown}), and a room "
                               "name alone does not say which.")
    return sites[0] if sites else DEFAULT_SITE


def _booked_comparison(predicted: float, booked: float | None) -> str | None:
    if booked is None:
        return None
    difference = predicted - booked
    if abs(difference) < 0.5:
        return "Predicted about the same as booked."
    return f"Predicted {abs(difference):.0f} min {'longer' if difference > 0 else 'shorter'} than booked."


def _history_text(history: dict | None, cpt_code: str) -> str:
    if history is None:
        return f"No past cases of CPT {cpt_code} in the model's training data."
    return (
        f"Based on {history['cases']} past cases of CPT {cpt_code} with a median of "
        f"{history['median_minutes']:.0f} in-room minutes."
    )


def predict_duration(
    runtime: Runtime,
    *,
    service,
    cpt_code,
    or_suite,
    case_date,
    scheduled_start=None,
    booked_minutes=None,
    surgeon=None,
    case_label=None,
    position_in_day=None,
    site=None,
    log: bool = True,
    entered_by: str | None = None,
) -> Prediction:
    """Predict in-room minutes with quantiles, an 80% range and an additive explanation using the active
    version, and log it (label stored only there).

    Accepts form text or typed values; a bad value raises InvalidInput naming the field, and no usable
    model raises ModelUnavailable. Unknown categories or missing values fall back, with notes saying how.
    The site may be left out while the cases come from one site; with several it is required.
    entered_by is the signed-in user's name (None without sign-in): only they and admins see the label later.
    """
    sites = list_sites(runtime)
    inputs: dict[str, Any] = {
        "service": _text("service", service, required=True),
        "cpt_code": _text("cpt_code", cpt_code, required=True),
        "site": _site(site, sites),
        "or_suite": _text("or_suite", or_suite, required=True),
        "case_date": _case_date(case_date),
    }
    inputs |= {
        "scheduled_start": _start(scheduled_start, inputs["case_date"]),
        "booked_minutes": _booked(booked_minutes),
        "surgeon": _text("surgeon", surgeon, required=False),
    }
    label = _text("case_label", case_label, required=False)
    position = _position(position_in_day)
    notes = []
    with runtime.db.read() as connection:
        active = active_version(connection)
        if active is None:
            raise ModelUnavailable(
                "No model has been trained yet: import cases, then retrain (python -m optior train)."
            )
        if position is None:
            before = cases_before_in_room(
                connection, site=inputs["site"], or_suite=inputs["or_suite"], case_date=inputs["case_date"],
                scheduled_start=inputs["scheduled_start"],
            )
            position = before + 1
            if inputs["scheduled_start"] is None:
                room = room_label(inputs["or_suite"], inputs["site"] if len(sites) > 1 else None)
                notes.append(f"No scheduled start given: treated as case {position} in {room} that day, after the "
                             f"{before} case(s) already stored for it.")
    model = load_version(runtime, active)
    result = model.predict_case(**inputs, position_in_day=position)
    inputs["position_in_day"] = position
    predicted, p10, p90 = (round(result[key], 1) for key in ("predicted_minutes", "p10_minutes", "p90_minutes"))
    booked = inputs["booked_minutes"]
    output = Prediction(
        predicted_minutes=predicted,
        p10_minutes=p10,
        p90_minutes=p90,
        range_level=model.intervals.level,
        quantiles={level: round(minutes, 1) for level, minutes in result["quantiles"].items()},
        explanation=_rounded(explain(model, result["features"])),
        target=TARGET_LABEL,
        model_version=active["version"],
        estimator=model.estimator,
        inputs=PredictionInputs.model_validate(_loggable(inputs)),
        features=result["features"],
        notes=notes + result["notes"],
        history=result["history"],
        history_text=_history_text(result["history"], inputs["cpt_code"]),
        booked_minutes=booked,
        booked_difference_minutes=None if booked is None else round(predicted - booked, 1),
        booked_comparison=_booked_comparison(predicted, booked),
        booked_within_range=None if booked is None else bool(p10 <= booked <= p90),
        prediction_id=None,
    )
    if log:
        output.prediction_id = prediction_log(runtime.db).record(LoggedPrediction(
            created_at=datetime.now(), model_version=active["version"], inputs=output.inputs.model_dump(),
            predicted_minutes=predicted, p10_minutes=p10, p90_minutes=p90, notes=output.notes,
            case_label=label, entered_by=entered_by,
        ))
    return output


def _rounded(explanation: dict) -> Explanation:
    """The explanation in tenths of a minute (still adding up to the prediction within a minute)."""
    return Explanation(
        baseline_minutes=round(explanation["baseline_minutes"], 1),
        baseline_label=explanation["baseline_label"],
        contributions=[Contribution(**{**item, "minutes": round(item["minutes"], 1)})
                       for item in explanation["contributions"]],
    )


def _loggable(inputs: dict) -> dict:
    """The inputs as JSON-friendly values (dates as ISO text)."""
    return {key: value.isoformat() if isinstance(value, (date, datetime)) else value for key, value in inputs.items()}


def recent_predictions(runtime: Runtime, *, viewer: Viewer | None = None, limit: int = 20) -> list[dict]:
    """The latest logged predictions, newest first; the viewer sees the case labels they entered (an admin,
    all of them); without a viewer (shared views) none."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_RECENT:
        raise _invalid("limit", f"Limit must be a whole number between 1 and {MAX_RECENT}.")
    with runtime.db.read() as connection:
        return logged_predictions(connection, limit=limit, labels=viewer.label_access if viewer else None)


def purge_prediction_labels(runtime: Runtime) -> int:
    """Erase every case label stored with logged predictions; return how many were erased."""
    with runtime.db.transaction() as connection:
        return clear_case_labels(connection)


def form_options(runtime: Runtime) -> dict:
    """Choices for the predict form: services, CPT codes with descriptions per service, rooms (all, and per site),
    surgeons per service.

    Taken from the cases as they were when the active model was trained (what it knows; one stored row,
    fast at any size), or straight from the cases while there is no model yet.
    """
    with runtime.db.read() as connection:
        active = active_version(connection)
        version = version_with_report(connection, active["version"]) if active else None
    stored = version["report"] if version else {}
    return stored.get("form_options") or current_form_options(runtime)


def current_form_options(runtime: Runtime) -> dict:
    """The predict form's choices from the stored cases (three GROUP BY scans)."""
    with runtime.db.read() as connection:
        procedures, surgeons, rooms = procedure_rows(connection), surgeon_rows(connection), room_names(connection)
    by_service: dict[str, list[dict]] = {}
    for row in procedures:
        by_service.setdefault(row["service"], []).append(
            {"cpt_code": row["cpt_code"], "description": row["description"] or "", "cases": int(row["cases"])}
        )
    surgeons_by_service: dict[str, list[str]] = {}
    for row in surgeons:
        surgeons_by_service.setdefault(row["service"], []).append(row["surgeon"])
    site_rooms: dict[str, list[str]] = {}
    for site, room in rooms:
        site_rooms.setdefault(site, []).append(room)
    return {
        "services": sorted(by_service),
        "procedures": by_service,
        "rooms": sorted({room for _, room in rooms}, key=natural_room_key),
        "site_rooms": {site: sorted(names, key=natural_room_key)
                       for site, names in sorted(site_rooms.items(), key=lambda item: natural_room_key(item[0]))},
        "surgeons": surgeons_by_service,
    }
