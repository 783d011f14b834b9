"""Data page: upload an OR case CSV, read its import report, see import history, clear all data."""

from __future__ import annotations

import base64
import binascii

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from optior.components.grid import TIMESTAMP_PX, data_grid, number_column, text_column
from optior.components.retrain import RETRAIN_BUTTON
from optior.components.tables import simple_table
from optior.components.wildcard import wildcard_props
from optior.errors import OptiORError
from optior.services import data_admin, sites
from optior.services.importing import ImportReport, import_cases, import_columns
from optior.units import file_size
from optior.web.auth import require_admin
from optior.web.context import current_runtime

UPLOAD = "data-upload"
UPLOAD_TOO_LARGE = "data-upload-too-large"
OPTIONS = "data-import-options"
REPORT = "data-import-report"
HISTORY = "data-import-history"
HISTORY_GRID = "data-import-history-table"
CASE_COUNT = "data-case-count"
CLEAR_OPEN = "data-clear-open"
CLEAR_MODAL = "data-clear-modal"
CLEAR_CONFIRM = "data-clear-confirm"
CLEAR_CANCEL = "data-clear-cancel"
CLEAR_RESULT = "data-clear-result"
RETRAIN_OFFER = "data-retrain-offer"
RETRAIN_OFFER_BUTTON = "data-retrain-offer-button"
SHOWN_PROBLEMS = 200


def _format_help() -> dbc.Card:
    columns = import_columns()
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Import format", className="h6"),
                html.P(
                    "The public OR utilization export (2022_Q1_OR_Utilization.csv) works as it is. "
                    "Headers are matched ignoring case and spaces; other columns are ignored.",
                    className="small",
                ),
                html.P([html.Strong("Required: "), ", ".join(columns.required)], className="small mb-1"),
                html.P([html.Strong("Optional: "), ", ".join(columns.optional)], className="small mb-1"),
                html.P(
                    "Dates as MM/DD/YY or YYYY-MM-DD; times as MM/DD/YY hh:mm AM or ISO 8601, in local "
                    "hospital time without a time-zone offset. Re-importing a file updates cases by "
                    "Encounter ID and never duplicates them.",
                    className="small mb-0",
                ),
            ]
        ),
        className="h-100",
    )


def _upload_card() -> dbc.Card:
    limit = current_runtime().settings.max_upload_bytes
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Import cases", className="h6"),
                html.Div(
                    [
                        dcc.Upload(
                            id=UPLOAD,
                            children=html.Div(["Drop a CSV file here or ", html.A("choose a file", href="#")]),
                            accept=".csv,text/csv",
                            max_size=limit,
                            className="optior-upload",
                        ),
                        # assets/upload_limit.js fills this in when a file is over the limit
                        html.Div(id=UPLOAD_TOO_LARGE, className="upload-too-large alert alert-warning small mt-2",
                                 role="alert", hidden=True),
                    ],
                    **wildcard_props({"data-max-bytes": str(limit), "data-max-label": file_size(limit),
                                       "data-input-label": "CSV file of OR cases to import"}),
                ),
                html.Small(f"Up to {file_size(limit)}. Larger exports: python -m optior seed --csv FILE.",
                           className="text-muted d-block mb-2"),
                dbc.Checklist(
                    id=OPTIONS,
                    options=[
                        {"label": "Strict: import nothing if any row is rejected", "value": "strict"},
                        {"label": "Replace: remove all existing cases first", "value": "replace"},
                    ],
                    value=[],
                    className="small",
                ),
            ]
        ),
        className="h-100",
    )


def _history_table() -> html.Div | html.P:
    batches = data_admin.import_history(current_runtime())
    if not batches:
        return html.P("No imports yet.", className="text-muted")
    rows = [
        {"started_at": f"{b['started_at']:%Y-%m-%d %H:%M}", "source": b["source"],
         **{name: b[name] for name in ("rows_read", "inserted", "updated", "unchanged", "rejected")}}
        for b in batches
    ]
    columns = [
        text_column("started_at", "Imported at", minWidth=TIMESTAMP_PX),
        text_column("source", "File", minWidth=160),
        number_column("rows_read", "Rows read"),
        number_column("inserted", "New"),
        number_column("updated", "Updated"),
        number_column("unchanged", "Unchanged"),
        number_column("rejected", "Rejected"),
    ]
    return data_grid(HISTORY_GRID, columns, rows, label="Import history", file_name="import-history.csv")


def _overview() -> list:
    count = data_admin.case_count(current_runtime())
    if count == 0:
        return [dbc.Alert("The database has no cases yet. Import a CSV above, or run "
                          "python -m optior seed to load the bundled sample quarter.", color="info")]
    site_list = sites.list_sites(current_runtime())
    where = f" at {len(site_list)} sites: {', '.join(site_list)}" if len(site_list) > 1 else ""
    return [html.P([html.Strong(f"{count:,}"), f" cases stored{where}."], className="mb-2")]


def layout(**_query) -> dbc.Container:
    return dbc.Container(
        [
            html.H1("Data", className="h3"),
            dbc.Row([dbc.Col(_upload_card(), md=6), dbc.Col(_format_help(), md=6)], className="g-3 mb-3"),
            dcc.Loading(html.Div(id=REPORT), type="default"),
            html.Div(
                [html.Span("The data changed: retrain the model so its predictions learn from it. "),
                 dbc.Button("Retrain model now", id=RETRAIN_OFFER_BUTTON, color="primary", size="sm")],
                id=RETRAIN_OFFER,
                hidden=True,
                className="mt-2",
            ),
            html.H2("Stored cases and import history", className="h5 mt-4"),
            html.Div(_overview(), id=CASE_COUNT),
            html.Div(_history_table(), id=HISTORY),
            html.H2("Clear all data", className="h5 mt-4"),
            html.P("Removes every case. Trained models and the prediction log are kept.", className="small"),
            dbc.Button("Clear all cases…", id=CLEAR_OPEN, color="danger", outline=True),
            html.Div(id=CLEAR_RESULT, className="mt-2"),
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle("Delete every case?")),
                    dbc.ModalBody("This removes all imported cases from the database. It cannot be undone; "
                                  "you can import your CSV files again afterwards."),
                    dbc.ModalFooter(
                        [
                            dbc.Button("Cancel", id=CLEAR_CANCEL, color="secondary"),
                            dbc.Button("Yes, delete all cases", id=CLEAR_CONFIRM, color="danger"),
                        ]
                    ),
                ],
                id=CLEAR_MODAL,
                is_open=False,
            ),
        ],
        fluid=True,
    )


dash.register_page(__name__, path="/data", title="Data · OptiOR", name="Data", order=4, layout=layout)


def _problem_table(title: str, problems: list, total: int) -> html.Div:
    shown = problems[:SHOWN_PROBLEMS]
    note = f" (first {len(shown)} of {total})" if total > len(shown) else ""
    return html.Div(
        [html.H3(f"{title}{note}", className="h6 mt-3"),
         simple_table(["Line", "Reason"], [[p.line, p.reason] for p in shown], label=title)]
    )


def render_report(report: ImportReport) -> html.Div:
    """The import report as the user sees it: summary, counts, rejected and warned lines."""
    color = "danger" if not report.written else ("warning" if report.rejected else "success")
    parts = [dbc.Alert(report.summary(), color=color, className="mb-2")]
    if report.rejections:
        parts.append(_problem_table("Rejected rows", report.rejections, report.rejected))
    if report.warnings:
        parts.append(_problem_table("Imported with warnings", report.warnings, report.warned))
    return html.Div(parts)


def data_changed(report: ImportReport) -> bool:
    return report.written and bool(report.inserted or report.updated or report.replaced)


def decode_upload(contents: str) -> bytes:
    """Decode dcc.Upload's data URL into the file's bytes."""
    try:
        _, encoded = contents.split(",", 1)
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise OptiORError("The upload could not be read; please choose the file again.") from None


@callback(
    Output(REPORT, "children"),
    Output(HISTORY, "children"),
    Output(CASE_COUNT, "children"),
    Output(RETRAIN_OFFER, "hidden"),
    Input(UPLOAD, "contents"),
    State(UPLOAD, "filename"),
    State(OPTIONS, "value"),
    prevent_initial_call=True,
)
def import_upload(contents, filename, options):
    """Import the uploaded file and show its report."""
    if not contents:
        return no_update, no_update, no_update, no_update
    options = options or []
    runtime = current_runtime()
    try:
        require_admin(runtime.settings)
        report = import_cases(
            runtime,
            source=decode_upload(contents),
            source_name=filename or "upload.csv",
            strict="strict" in options,
            replace="replace" in options,
        )
    except OptiORError as error:
        return dbc.Alert(f"{filename}: {error.message}", color="danger"), no_update, no_update, True
    return render_report(report), _history_table(), _overview(), not data_changed(report)


@callback(
    Output(RETRAIN_BUTTON, "n_clicks"),
    Input(RETRAIN_OFFER_BUTTON, "n_clicks"),
    State(RETRAIN_BUTTON, "n_clicks"),
    prevent_initial_call=True,
)
def retrain_after_import(clicks, shell_clicks):
    """Press the navbar's Retrain button on the user's behalf."""
    return (shell_clicks or 0) + 1 if clicks else no_update


@callback(
    Output(CLEAR_MODAL, "is_open"),
    Input(CLEAR_OPEN, "n_clicks"),
    Input(CLEAR_CANCEL, "n_clicks"),
    prevent_initial_call=True,
)
def toggle_clear_dialog(_open, _cancel):
    return dash.ctx.triggered_id == CLEAR_OPEN


@callback(
    Output(CLEAR_RESULT, "children"),
    Output(CLEAR_MODAL, "is_open", allow_duplicate=True),
    Output(HISTORY, "children", allow_duplicate=True),
    Output(CASE_COUNT, "children", allow_duplicate=True),
    Input(CLEAR_CONFIRM, "n_clicks"),
    prevent_initial_call=True,
)
def clear_all(_confirm):
    """Delete every case after the user confirmed in the dialog."""
    runtime = current_runtime()
    try:
        require_admin(runtime.settings)
        removed = data_admin.clear_cases(runtime)
    except OptiORError as error:
        return dbc.Alert(error.message, color="danger"), False, no_update, no_update
    return dbc.Alert(f"Removed {removed:,} cases.", color="success"), False, _history_table(), _overview()
