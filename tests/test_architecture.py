"""The dependency direction from the design notes, checked on the source: layers import only downward.

The packages of optior (db, services, pages, ..., and single modules such as config) form a graph with no cycle,
topped by optior/app.py, the composition root that nothing in optior imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "optior"
WEB_LIBRARIES = ("dash", "dash_bootstrap_components", "plotly", "flask", "werkzeug")
DATA_LIBRARIES = ("sqlalchemy", "sklearn", "joblib", "quantile_forest")
COMPOSITION_ROOT = "app"
# Names that register a Dash callback: dash.callback, dash.clientside_callback, app.callback, and web's fast_callback.
CALLBACK_REGISTRARS = frozenset({"callback", "clientside_callback", "fast_callback"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module path imports, relative imports resolved; 'from optior import x' counts as optior.x."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = _module_name(path).split(".")
                package = package if path.name == "__init__.py" else package[:-1]
                module = ".".join(package[: len(package) - node.level + 1] + ([module] if module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names if module == "optior")
    return names - {""}


def modules_in(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((PACKAGE / folder).rglob("*.py"))]


def imports_any(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n.split(".")[0] in prefixes or n.startswith(prefixes))


@pytest.mark.parametrize("path", modules_in("db", "ml", "plan", "ingest", "services"), ids=lambda p: p.name)
def test_lower_layers_never_import_the_web_stack(path):
    names = imported_modules(path)
    assert imports_any(names, WEB_LIBRARIES) == []
    assert imports_any(names, ("optior.pages", "optior.components", "optior.figures", "optior.api",
                               "optior.web", "optior.cli", "optior.shell", "optior.app")) == []


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


def package_of(path: Path) -> str:
    """The top-level package (or single module) of optior that path belongs to: optior/db/engine.py -> 'db'."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def package_imports() -> dict[str, set[str]]:
    """package -> the other packages of optior its modules import."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = package_of(path)
        targets = {name.split(".")[1] for name in imported_modules(path)
                   if name.startswith("optior.") and name.split(".")[0] == "optior"}
        graph.setdefault(source, set()).update(targets - {source})
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import cycle through each package that is on one, as a path that ends where it starts."""
    found: list[list[str]] = []
    on_a_cycle: set[str] = set()

    def walk(path: list[str]) -> Iterator[list[str]]:
        for target in sorted(graph.get(path[-1], ())):
            if target == path[0]:
                yield [*path, target]
            elif target not in path:
                yield from walk([*path, target])

    for start in sorted(graph):
        if start not in on_a_cycle:
            cycle = next(walk([start]), None)
            if cycle:
                found.append(cycle)
                on_a_cycle.update(cycle)
    return found


def test_no_two_packages_import_each_other_even_through_others():
    """A cycle (web imports api, api imports web) means neither can be understood, tested or moved alone."""
    assert [" -> ".join(cycle) for cycle in cycles(package_imports())] == []


def test_nothing_in_optior_imports_the_composition_root():
    """optior/app.py imports every package to build the app; only app.py, tests and benchmarks may import it."""
    importers = [str(path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))
                 if package_of(path) != COMPOSITION_ROOT
                 and any(name == f"optior.{COMPOSITION_ROOT}" or name.startswith(f"optior.{COMPOSITION_ROOT}.")
                         for name in imported_modules(path))]
    assert importers == []


def registered_callbacks(path: Path) -> list[str]:
    """The callback-registering names path uses or imports (as a name, an attribute, or an import)."""
    tree = ast.parse(path.read_text())
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in CALLBACK_REGISTRARS:
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in CALLBACK_REGISTRARS:
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names if alias.name in CALLBACK_REGISTRARS)
    return sorted(used)


@pytest.mark.parametrize("path", modules_in("components"), ids=lambda p: p.name)
def test_components_build_layout_only(path):
    """Callbacks live with their page, or in optior/shell for the frame: a component can be placed anywhere."""
    assert registered_callbacks(path) == []
    assert imports_any(imported_modules(path), ("optior.web", "optior.shell", "optior.pages")) == []


@pytest.mark.parametrize("path", modules_in("pages", "cli"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pages_and_commands_reach_the_data_format_through_services(path):
    assert imports_any(imported_modules(path), ("optior.ingest",)) == []
