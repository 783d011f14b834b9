"""The dependency direction from the design notes, checked on the source: layers import only downward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "optior"
WEB_LIBRARIES = ("dash", "dash_bootstrap_components", "plotly", "flask")
DATA_LIBRARIES = ("sqlalchemy", "sklearn", "joblib", "quantile_forest")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules_in(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((PACKAGE / folder).rglob("*.py"))]


def imports_any(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n.split(".")[0] in prefixes or n.startswith(prefixes))


@pytest.mark.parametrize("path", modules_in("db", "ml", "plan", "ingest", "services"), ids=lambda p: p.name)
def test_lower_layers_never_import_the_web_stack(path):
    names = imported_modules(path)
    assert imports_any(names, WEB_LIBRARIES) == []
    assert imports_any(names, ("optior.pages", "optior.components", "optior.figures", "optior.api",
                               "optior.web", "optior.cli")) == []


@pytest.mark.parametrize("path", modules_in("pages", "components", "figures"), ids=lambda p: p.name)
def test_pages_never_touch_sql_or_the_model_directly(path):
    names = imported_modules(path)
    assert imports_any(names, DATA_LIBRARIES) == []
    assert imports_any(names, ("optior.db", "optior.ml")) == []


@pytest.mark.parametrize("path", modules_in("figures"), ids=lambda p: p.name)
def test_figures_are_pure(path):
    assert imports_any(imported_modules(path), ("optior.services", "optior.web")) == []


def test_sql_lives_only_in_the_db_package():
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in modules_in("services", "ml", "ingest", "pages", "components", "api", "cli")
        if imports_any(imported_modules(p), ("sqlalchemy",))
    ]
    assert offenders == []


@pytest.mark.parametrize("path", modules_in("plan"), ids=lambda p: p.name)
def test_the_simulation_is_pure(path):
    """The room-day simulation works on arrays it is given: no database, no model files, no services."""
    names = imported_modules(path)
    assert imports_any(names, DATA_LIBRARIES) == []
    assert imports_any(names, ("optior.db", "optior.services", "optior.ml")) == []
