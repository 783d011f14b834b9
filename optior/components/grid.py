"""Tables as AG Grid: sort and filter on every column, numbers right-aligned, Export = CSV of the rows shown.

The grid's CSS and JS come with the dash-ag-grid package (served by Dash, no CDN). Exports run in the browser;
every one passes through formulaSafeCell in assets/grid.js, so a cell such as =HYPERLINK(...) reaches a
spreadsheet as text, not as a formula.
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import html

from optior.components.wildcard import wildcard_props

FORMULA_SAFE_CELL = {"function": "formulaSafeCell(params)"}
MISSING = "–"
TIMESTAMP_PX = 165  # a column showing "2026-12-06 18:05" in full


def _min_width(header: str) -> int:
    """Pixels that keep the header's longest word on one line beside the sort and filter icons."""
    return max(92, 52 + 8 * max(map(len, header.split())))


def text_column(field: str, header: str, **settings) -> dict:
    """A text column; settings are extra AG Grid column properties (minWidth, wrapText, ...)."""
    return {"field": field, "headerName": header, "filter": "agTextColumnFilter",
            "minWidth": _min_width(header)} | settings


def number_column(field: str, header: str, *, decimals: int = 0, **settings) -> dict:
    """A right-aligned number column (the unit belongs in the header) that sorts and filters as numbers."""
    formatter = f"params.value == null ? '{MISSING}' : d3.format(',.{decimals}f')(params.value)"
    return {"field": field, "headerName": header, "type": "numericColumn", "filter": "agNumberColumnFilter",
            "cellDataType": "number", "valueFormatter": {"function": formatter},
            "minWidth": _min_width(header)} | settings


def data_grid(grid_id: str, columns: list[dict], rows: list[dict], *, label: str, file_name: str,
              empty_text: str = "No rows.", page_size: int = 25, not_exported: tuple[str, ...] = ()) -> html.Div:
    """The grid with its Export button; label names the table for screen readers and the button.

    Columns whose field is in not_exported are shown but left out of the CSV (case labels may name a patient).
    """
    exported = [column["field"] for column in columns if column["field"] not in not_exported]
    export = html.Button("Export CSV", type="button", className="btn btn-outline-primary btn-sm mb-2",
                         **wildcard_props({"data-grid-export": grid_id,
                                            "aria-label": f"Export CSV: {label}, the rows shown"}))
    grid = dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows,
        defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True, "autoHeaderHeight": True},
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "domLayout": "autoHeight",
            "pagination": True,
            "paginationPageSize": page_size,
            "paginationPageSizeSelector": False,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "localeText": {"noRowsToShow": empty_text},
            "defaultCsvExportParams": {"fileName": file_name, "columnKeys": exported,
                                       "processCellCallback": FORMULA_SAFE_CELL},
        },
        className="optior-grid",
        style={"width": "100%"},
    )
    return html.Div([export, grid], className="optior-grid-block", role="region",
                    **wildcard_props({"aria-label": label}))
