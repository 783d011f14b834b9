"""Dash callbacks whose answers serialise fast: components are turned into their JSON form before Dash sees them.

Dash encodes an answer with orjson in one C call, unless a value in it is a component object: then plotly walks
every value of the answer in Python first (7 ms for a day's timeline and table). Converting the components here
keeps the figures and tables on the fast path; the answer is the same JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from dash import callback
from dash.development.base_component import Component


def components_as_json(value):
    """value with every component in it (as an item, in a list, or in a component's props) as its JSON dict."""
    if isinstance(value, Component):
        encoded = value.to_plotly_json()
        return {**encoded, "props": {name: components_as_json(prop) for name, prop in encoded["props"].items()}}
    if isinstance(value, (list, tuple)):
        return [components_as_json(item) for item in value]
    return value


def fast_callback(*dependencies, **options) -> Callable[[Callable], Callable]:
    """Like dash.callback; the registered callback returns components_as_json(answer). The function itself is
    returned as it is."""

    def register(function: Callable) -> Callable:
        @wraps(function)
        def answered(*args, **kwargs):
            return components_as_json(function(*args, **kwargs))

        callback(*dependencies, **options)(answered)
        return function

    return register
