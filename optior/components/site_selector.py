"""The site selector of the pages that can show several hospitals: present only when there is more than one site."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc

ALL_SITES = "All sites"


def site_selector(component_id: str, sites: list[str], *, all_sites: bool = True) -> dbc.Col:
    """A labelled dropdown of the sites, hidden (but present, so callbacks can read it) with one site or none.

    With all_sites, no choice means every site (the placeholder says so); without, the first site is chosen, for
    pages that work on one site at a time.
    """
    several = len(sites) > 1
    return dbc.Col(
        [dbc.Label("Site", html_for=component_id, className="small mb-0 d-block"),
         dcc.Dropdown(id=component_id, options=sites, value=None if all_sites or not sites else sites[0],
                      clearable=all_sites, placeholder=ALL_SITES if all_sites else "Choose a site")],
        md=3, className=None if several else "d-none",
    )
