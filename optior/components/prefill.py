"""Put a callback's first answer into the layout itself, so a page draws once, with no callback round trip."""

from __future__ import annotations

from collections.abc import Sequence

from dash import Output
from dash.development.base_component import Component


def prefill(layout: Component, outputs: Sequence[Output], values: Sequence) -> Component:
    """Set each output's property, on the layout's component with that id, to its value; return the layout."""
    by_id = {component.id: component for component in layout._traverse() if getattr(component, "id", None)}
    for output, value in zip(outputs, values, strict=True):
        setattr(by_id[output.component_id], output.component_property, value)
    return layout
