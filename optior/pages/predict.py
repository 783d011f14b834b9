"""Predict page: the expected in-room minutes of a case being booked, with its 80% range."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from optior.components.prediction_result import prediction_card, recent_predictions_table
from optior.components.site_selector import site_selector
from optior.errors import InvalidInput, ModelUnavailable
from optior.services import prediction, training
from optior.services.sites import list_sites
from optior.vocabulary import TEXT_LIMITS, room_label
from optior.web.auth import current_viewer
from optior.web.context import current_runtime

DATE = "predict-date"
START = "predict-start"
SITE = "predict-site"
ROOM = "predict-room"
SERVICE = "predict-service"
PROCEDURE = "predict-procedure"
SURGEON = "predict-surgeon"
BOOKED = "predict-booked"
LABEL = "predict-label"
SUBMIT = "predict-submit"
RESULT = "predict-result"
RECENT = "predict-recent"
OPTIONS = "predict-options"
# Service field name -> the form control that shows its message.
FIELD_CONTROLS = {
    "case_date": DATE, "scheduled_start": START, "site": SITE, "or_suite": ROOM, "service": SERVICE,
    "cpt_code": PROCEDURE, "surgeon": SURGEON, "booked_minutes": BOOKED, "case_label": LABEL,
}


def _feedback_id(control: str) -> str:
    return f"{control}-feedback"


def _field(label: str, control, control_id: str, help_text: str | None = None) -> dbc.Col:
    parts = [dbc.Label(label, html_for=control_id, className="small mb-1"), control]
    if help_text:
        parts.append(dbc.FormText(help_text))
    parts.append(html.Div(id=_feedback_id(control_id), className="small text-danger", role="alert"))
    return dbc.Col(parts, md=6, className="mb-2")


def _room_options(options: dict, site: str | None) -> list[dict]:
    """The rooms of the chosen site (every room known by name when the options predate sites), labelled as shown."""
    rooms = options.get("site_rooms", {}).get(site) or options["rooms"]
    return [{"label": room_label(room), "value": room} for room in rooms]


def _form(options: dict, sites: list[str]) -> dbc.Card:
    today = date.today().isoformat()
    site = sites[0] if sites else None
    rows = [
        dbc.Row([site_selector(SITE, sites, all_sites=False),
                 html.Div(id=_feedback_id(SITE), className="small text-danger", role="alert")]),
        dbc.Row([
            _field("Date of surgery", dcc.DatePickerSingle(id=DATE, date=today, display_format="D MMM YYYY",
                                                           first_day_of_week=1), DATE),
            _field("Scheduled start (24-hour)", dbc.Input(id=START, type="time", value="07:30"), START,
                   "Local hospital time."),
        ]),
        dbc.Row([
            _field("Service", dcc.Dropdown(id=SERVICE, options=options["services"], placeholder="Choose a service"),
                   SERVICE),
            _field("OR suite", dcc.Dropdown(id=ROOM, options=_room_options(options, site),
                                            placeholder="Choose a room"), ROOM),
        ]),
        dbc.Row([
            _field("Procedure (CPT)", dcc.Dropdown(id=PROCEDURE, placeholder="Choose a service first"), PROCEDURE),
            _field("Surgeon (optional)", dcc.Dropdown(id=SURGEON, placeholder="Any surgeon"), SURGEON),
        ]),
        dbc.Row([
            _field("Booked minutes (optional)", dbc.Input(id=BOOKED, type="number", step=5),
                   BOOKED, "The time you plan to book, to compare with the prediction."),
            _field("Case label (optional)",
                   dbc.Input(id=LABEL, type="text", maxLength=TEXT_LIMITS["case_label"]), LABEL,
                   "Stored with this prediction only; never written to logs or exports."),
        ]),
        dbc.Button("Predict duration", id=SUBMIT, color="primary", className="mt-1"),
    ]
    return dbc.Card(dbc.CardBody(rows))


def layout(**_query) -> dbc.Container:
    runtime = current_runtime()
    options = prediction.form_options(runtime)
    model_missing = None
    if training.active_model_card(runtime) is None:
        model_missing = dbc.Alert("No model is available yet, so predictions cannot be made. Press Retrain model "
                                  "(top right) to train one from the stored cases.", color="warning")
    if not options["services"]:
        body = dbc.Alert(["No cases yet, so there is nothing to predict from. Import your OR case history on the ",
                          dcc.Link("Data page", href="/data"), " first."], color="info")
    else:
        body = dbc.Row(
            [dbc.Col(_form(options, list_sites(runtime)), lg=6), dbc.Col(dcc.Loading(html.Div(id=RESULT)), lg=6)],
            className="g-3",
        )
    return dbc.Container(
        [
            html.H1("Predict a case's duration", className="h3"),
            html.P("The estimate is in-room time: wheels in to wheels out, in minutes, with the range that "
                   "80% of similar past cases fell into.", className="text-muted"),
            dcc.Store(id=OPTIONS, data=options),
            model_missing,
            body,
            html.H2("Recent predictions", className="h5 mt-4"),
            html.Div(_recent(), id=RECENT),
        ],
        fluid=True,
    )


dash.register_page(__name__, path="/predict", title="Predict · OptiOR", name="Predict", order=2, layout=layout)


def _recent():
    rows = prediction.recent_predictions(current_runtime(), viewer=current_viewer(), limit=15)
    if not rows:
        return html.P("No predictions yet.", className="text-muted")
    return recent_predictions_table(rows)


@callback(
    Output(PROCEDURE, "options"),
    Output(PROCEDURE, "value"),
    Output(SURGEON, "options"),
    Output(SURGEON, "value"),
    Input(SERVICE, "value"),
    State(OPTIONS, "data"),
)
def filter_by_service(service, options):
    """Offer only the chosen service's procedures and surgeons."""
    if not service or not options:
        return [], None, [], None
    procedures = [
        {"label": f"{p['cpt_code']} · {p['description']} ({p['cases']} past cases)", "value": p["cpt_code"]}
        for p in options["procedures"].get(service, [])
    ]
    surgeons = options["surgeons"].get(service, [])
    return procedures, None, surgeons, None


@callback(
    Output(ROOM, "options"),
    Output(ROOM, "value"),
    Input(SITE, "value"),
    State(OPTIONS, "data"),
    prevent_initial_call=True,
)
def filter_by_site(site, options):
    """Offer only the chosen site's rooms ("OR 1" at another site is another room)."""
    if not options:
        return [], None
    return _room_options(options, site), None


@callback(
    Output(RESULT, "children"),
    Output(RECENT, "children"),
    *[Output(_feedback_id(control), "children") for control in FIELD_CONTROLS.values()],
    Input(SUBMIT, "n_clicks"),
    State(DATE, "date"),
    State(START, "value"),
    State(ROOM, "value"),
    State(SERVICE, "value"),
    State(PROCEDURE, "value"),
    State(SURGEON, "value"),
    State(BOOKED, "value"),
    State(LABEL, "value"),
    State(SITE, "value"),
    prevent_initial_call=True,
)
def predict(_clicks, case_date, start, room, service, cpt_code, surgeon, booked, label, site=None):
    """Predict, show the result and refresh the recent list; a bad field gets its message beside it."""
    messages = dict.fromkeys(FIELD_CONTROLS.values(), None)
    try:
        result = prediction.predict_duration(
            current_runtime(), service=service, cpt_code=cpt_code, site=site, or_suite=room, case_date=case_date,
            scheduled_start=start, booked_minutes=booked, surgeon=surgeon, case_label=label,
            entered_by=current_viewer().name,
        )
    except InvalidInput as error:
        field = error.details.get("field") if isinstance(error.details, dict) else None
        if field in FIELD_CONTROLS:
            messages[FIELD_CONTROLS[field]] = error.message
            banner = dbc.Alert("Please correct the field marked in red.", color="warning")
        else:
            banner = dbc.Alert(error.message, color="warning")
        return banner, dash.no_update, *messages.values()
    except ModelUnavailable as error:
        alert = dbc.Alert([html.Strong("The model is unavailable. "), error.message,
                           " Use Retrain model (top right) to train one."], color="danger")
        return alert, dash.no_update, *messages.values()
    return prediction_card(result), _recent(), *messages.values()

