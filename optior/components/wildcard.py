"""Dash's wildcard props (aria-*, data-*) for a component's keyword arguments."""

from __future__ import annotations

from typing import Any


def wildcard_props(props: dict[str, str]) -> dict[str, Any]:
    """The props, to spread with `**` into a Dash component.

    Their names hold a hyphen, so they can only be passed as `**{...}`; typed as values of Any, the type checker
    does not match each one against every typed keyword of the component (a str is no `hidden` or `tabIndex`).
    """
    return dict(props)
