"""axe-core (scripts/test.sh installs it into .cache/axe) on every registered page: no serious or critical finding."""

from __future__ import annotations

from pathlib import Path

import dash
import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v =>
        `${v.impact} ${v.id}: ${v.help} -> ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
"""


def axe_findings(dash_duo) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/test.sh, or npm install --prefix .cache/axe axe-core@4.14.1")
    dash_duo.driver.execute_script(AXE.read_text(encoding="utf-8"))
    return dash_duo.driver.execute_script(RUN_AXE)


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_passes_axe(dash_duo, open_app, width):
    dash_duo.driver.set_window_size(width, 1024)
    findings = []
    for page in dash.page_registry.values():
        open_app(page["relative_path"], "#_pages_content h1")
        findings += [f"{page['relative_path']}: {finding}" for finding in axe_findings(dash_duo)]
    assert findings == [], "\n".join(findings)
