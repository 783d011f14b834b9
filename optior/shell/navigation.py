"""The navbar's toggler, below Bootstrap's lg breakpoint: it opens and closes the menu; following a link closes it."""

from __future__ import annotations

from dash import Input, Output, State, clientside_callback

from optior.components.navbar import NAV_COLLAPSE, NAV_TOGGLER

PAGE_LOCATION = "_pages_location"  # dash.page_container's dcc.Location

# It also tells screen readers whether the menu is open and which element it controls.
clientside_callback(
    f"""function(clicks, path, isOpen) {{
        const ctx = window.dash_clientside.callback_context;
        const toggled = ctx.triggered.some(t => t.prop_id.startsWith('{NAV_TOGGLER}.'));
        const open = toggled ? !isOpen : false;
        const toggler = document.getElementById('{NAV_TOGGLER}');
        if (toggler) {{
            toggler.setAttribute('aria-expanded', String(open));
            toggler.setAttribute('aria-controls', '{NAV_COLLAPSE}');
        }}
        return open;
    }}""",
    Output(NAV_COLLAPSE, "is_open"),
    Input(NAV_TOGGLER, "n_clicks"),
    Input(PAGE_LOCATION, "pathname"),
    State(NAV_COLLAPSE, "is_open"),
)
