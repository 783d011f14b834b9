"""The benchmark command at a small size: it runs end to end and reports every figure, its target and the naive ratio.

Speed is not asserted here (the figures go to docs/benchmarks.md); the exit code may say a target was missed.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.harness.report import render
from optior.services.data_admin import case_count
from tests.conftest import SAMPLE_COMPLETED_CASES
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
PORT = free_port()
FIGURES = {
    "import", "import_rss", "data_extent", "day_schedule", "day_summary", "nearest_days",
    "specialty_breakdown_3_months", "or_metrics_3_months", "specialty_breakdown_all_data", "or_metrics_all_data",
    "retrain", "predict", "day_distributions", "api_predict_first", "api_predict", "callback_page", "callback_day",
    "callback_mix_3_months", "callback_efficiency_3_months", "callback_mix_all_data", "callback_efficiency_all_data",
    "serving_rss", "serving_rss_retrain",
}
NAIVE = {"day_schedule", "specialty_breakdown_3_months", "specialty_breakdown_all_data"}


def _bench(database_url: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "optior", "bench", "--database-url", database_url, "--port", str(PORT), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_the_benchmark_reports_every_figure_against_its_target(settings):
    ran = _bench(settings.database_url, "--cases", "1500", "--rooms", "4", "--sites", "2", "--runs", "1", "--json")

    assert ran.returncode in (0, 1), ran.stderr[-3000:]  # 1: a target was missed on this machine
    result = json.loads(ran.stdout)
    assert (result["benchmark"]["cases"], result["benchmark"]["sites"]) == (1500, 2)
    assert result["benchmark"]["database"] == settings.database_url.split(":")[0].split("+")[0]
    figures = {m["key"]: m for m in result["measurements"]}
    assert set(figures) == FIGURES
    for figure in figures.values():
        assert math.isfinite(figure["value"]) and figure["value"] > 0, figure
        assert figure["unit"] in {"s", "ms", "MB"} and figure["runs"], figure
        assert figure["met"] == (None if figure["target"] is None else figure["value"] <= figure["target"]), figure
    assert result["targets_met"] == all(m["met"] is not False for m in figures.values())
    assert ran.returncode == (0 if result["targets_met"] else 1)

    assert "rows read" in ran.stderr  # the import reported its progress
    assert int(re.search(r"(\d+) cases shown", figures["callback_day"]["detail"])[1]) > 0
    comparisons = {c["key"]: c for c in result["comparisons"]}
    assert set(comparisons) == NAIVE
    for comparison in comparisons.values():
        assert comparison["agree"], comparison  # the naive way and OptiOR give the same answer
        assert comparison["ratio"] == comparison["naive_ms"] / comparison["optior_ms"]

    table = render(result)
    assert all(figure["label"] in table for figure in figures.values())
    assert "naive / OptiOR" in table and result["machine"]["cpu"] in table


def test_the_benchmark_refuses_a_database_that_holds_cases(sample_runtime):
    ran = _bench(sample_runtime.settings.database_url, "--cases", "100")

    assert ran.returncode == 2
    assert "already holds 2,652 cases" in ran.stderr and "--replace" in ran.stderr
    assert case_count(sample_runtime) == SAMPLE_COMPLETED_CASES
