"""OR metrics know sites: two sites' "OR 1" are two rooms, a site filter narrows every figure, and the sites side by
side give each site's own figures; from the summary and from the cases alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from optior.components.metrics_panel import metrics_views
from optior.figures.metrics import utilization_heatmap
from optior.services import analytics, metric_summary, metrics
from optior.services.analytics import specialty_breakdown
from optior.services.importing import import_cases
from optior.services.metrics import or_metrics, site_comparison
from tests.fixtures.sites import CASES_PER_ROOM_DAY, DAYS, LAST_DAY, ROOMS, SITES, two_site_csv
from tests.test_api_support import api_app

ROOT = Path(__file__).resolve().parent.parent
NORTH, SOUTH = SITES
RANGE = {"start": LAST_DAY - timedelta(days=90), "end": LAST_DAY}
PER_SITE_CASES = DAYS * len(ROOMS) * CASES_PER_ROOM_DAY


def _same(actual: dict, expected: dict) -> None:
    """Equal figures: counts exactly, minutes and percentages up to float rounding of the sums."""
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert actual[key] == value, key


def test_or_1_of_two_sites_is_two_rooms_with_their_own_utilization(two_site_runtime):
    result = or_metrics(two_site_runtime, **RANGE)
    assert [(row["site"], row["room"]) for row in result.by_room] == [
        (NORTH, "1"), (NORTH, "2"), (SOUTH, "1"), (SOUTH, "2")]
    by_room = {(row["site"], row["room"]): row for row in result.by_room}
    assert by_room[SOUTH, "1"]["raw_utilization_pct"] > by_room[NORTH, "1"]["raw_utilization_pct"]  # longer cases
    for (site, room), row in by_room.items():
        assert row["cases"] == DAYS * CASES_PER_ROOM_DAY
        alone = or_metrics(two_site_runtime, **RANGE, sites=[site], rooms=[room]).overall
        _same({key: row[key] for key in alone}, alone)
    assert set(result.by_room_day["site"]) == set(SITES)


def test_a_site_filter_narrows_every_figure_to_that_site(two_site_runtime):
    result = or_metrics(two_site_runtime, **RANGE, sites=[SOUTH])
    assert result.filters.sites == [SOUTH]
    assert result.overall["cases"] == PER_SITE_CASES
    assert {row["site"] for row in result.by_room} == {SOUTH}
    assert result.by_site is None  # one site: nothing to compare
    both = or_metrics(two_site_runtime, **RANGE, sites=[SOUTH], rooms=["1"])
    assert [(row["site"], row["room"]) for row in both.by_room] == [(SOUTH, "1")]


def test_the_sites_side_by_side_are_each_sites_own_figures(two_site_runtime):
    comparison = site_comparison(two_site_runtime, **RANGE)
    assert comparison.sites == list(SITES)
    for row in comparison.by_site:
        alone = or_metrics(two_site_runtime, **RANGE, sites=[row["site"]]).overall
        _same({key: value for key, value in row.items() if key != "site"}, alone)
        assert set(alone) <= set(comparison.definitions)
    assert or_metrics(two_site_runtime, **RANGE).by_site == comparison.by_site
    north, south = comparison.by_site
    assert south["raw_utilization_pct"] > north["raw_utilization_pct"]


@pytest.mark.parametrize("selection", [
    RANGE, RANGE | {"sites": [NORTH]}, RANGE | {"rooms": ["2"], "services": ["Urology"]},
    {"start": date(2024, 1, 1), "end": date(2027, 12, 31)}, {"start": LAST_DAY, "end": LAST_DAY, "sites": [SOUTH]},
])
def test_the_summary_answers_as_the_cases_do_with_two_sites(two_site_runtime, selection):
    from_summary = or_metrics(two_site_runtime, **selection).model_dump()
    direct = _direct(two_site_runtime, **selection).model_dump()
    assert from_summary["by_room"] and from_summary["turnover_histogram"] == direct["turnover_histogram"]
    for name in ("by_room", "by_site", "by_service", "by_week"):
        assert len(from_summary[name] or []) == len(direct[name] or []), name
        for left, right in zip(from_summary[name] or [], direct[name] or [], strict=True):
            _same(left, right)
    _same(from_summary["overall"], direct["overall"])
    summed, from_sql = _breakdowns(two_site_runtime, selection)
    assert summed == from_sql


def _breakdowns(runtime, selection: dict) -> tuple[list[dict], list[dict]]:
    """The specialty breakdown from the summary (site rows for whole months), and from SQL over the cases."""
    with mock.patch("optior.db.analytics_queries.service_totals", side_effect=AssertionError("SQL was used")):
        summed = specialty_breakdown(runtime, **selection)
    with mock.patch.object(analytics, "from_summary", return_value=None):
        return summed, specialty_breakdown(runtime, **selection)


def _direct(runtime, **selection):
    """or_metrics computed from the cases (no summary)."""
    with (mock.patch.object(metrics, "summary_inputs", return_value=None),
          mock.patch.object(metrics, "summary_views", return_value=None)):
        return or_metrics(runtime, **selection)


def test_the_sites_side_by_side_over_whole_months_read_one_summary_row_per_site_and_month(two_site_runtime):
    """The site rows (metric_site_months) answer whole months: no room's rows are read, whatever the rooms."""
    first, last = (LAST_DAY - timedelta(days=DAYS)).replace(day=1), LAST_DAY.replace(day=1) - timedelta(days=1)
    reads = {"room": 0, "site": 0}

    def counted(kind, read):
        def reading(*args, **kwargs):
            rows = read(*args, **kwargs)
            reads[kind] += len(rows.rooms)
            return rows
        return reading

    with (mock.patch.object(metric_summary, "read_room_months", counted("room", metric_summary.read_room_months)),
          mock.patch.object(metric_summary, "read_site_months", counted("site", metric_summary.read_site_months))):
        comparison = site_comparison(two_site_runtime, start=first, end=last)
    months = len(pd.period_range(first, last, freq="M"))
    assert reads == {"room": 0, "site": len(SITES) * months}
    expected = _direct(two_site_runtime, start=first, end=last).by_site
    assert len(comparison.by_site) == len(expected) == len(SITES)
    for left, right in zip(comparison.by_site, expected, strict=True):
        _same(left, right)


def test_a_case_moving_to_the_other_site_leaves_one_site_and_joins_the_other(two_site_runtime):
    text = two_site_csv().decode().splitlines()
    header, first = text[0], text[1].split(",")
    assert first[1] == NORTH
    moved = ",".join([first[0], SOUTH, *first[2:]])
    report = import_cases(two_site_runtime, source=f"{header}\n{moved}\n".encode(), source_name="moved.csv",
                          today=LAST_DAY + timedelta(days=3))
    assert report.rejected == 0
    day = date.fromisoformat(first[2])
    result = or_metrics(two_site_runtime, start=day, end=day)
    rooms = {(row["site"], row["room"]): row["cases"] for row in result.by_room}
    assert rooms[NORTH, first[3]] == CASES_PER_ROOM_DAY - 1 and rooms[SOUTH, first[3]] == CASES_PER_ROOM_DAY + 1
    direct = _direct(two_site_runtime, start=day, end=day)
    assert [row["cases"] for row in direct.by_room] == [row["cases"] for row in result.by_room]
    long_range = {"start": day - timedelta(days=400), "end": day + timedelta(days=400)}  # the site rows moved too
    for left, right in zip(site_comparison(two_site_runtime, **long_range).by_site,
                           _direct(two_site_runtime, **long_range).by_site or [], strict=True):
        _same(left, right)


def test_the_dashboard_shows_the_sites_side_by_side_and_labels_rooms_with_their_site(two_site_runtime):
    views = metrics_views(or_metrics(two_site_runtime, **RANGE))
    table = views[-1]
    text = json.dumps(table.to_plotly_json(), default=lambda item: item.to_plotly_json())
    assert NORTH in text and SOUTH in text and "Raw utilization" in text and "min" in text
    heatmap = views[2]
    assert f"{NORTH} · OR 1" in heatmap["data"][0]["y"] and f"{SOUTH} · OR 1" in heatmap["data"][0]["y"]
    one_site = metrics_views(or_metrics(two_site_runtime, **RANGE, sites=[NORTH]))
    assert one_site[-1] is None
    assert one_site[2]["data"][0]["y"] == ["OR 1", "OR 2"]


def test_the_heatmap_keeps_two_sites_rooms_of_one_name_apart():
    cells = pd.DataFrame({"site": [NORTH, SOUTH], "room": ["1", "1"], "day": ["2026-11-27"] * 2,
                          "raw_utilization_pct": [40.0, 80.0]})
    figure = utilization_heatmap(cells)
    assert figure["data"][0]["y"] == [f"{NORTH} · OR 1", f"{SOUTH} · OR 1"]
    assert [row[0] for row in figure["data"][0]["z"]] == [40.0, 80.0]


def test_the_api_filters_by_site_and_compares_sites(two_site_runtime):
    client = api_app(two_site_runtime).test_client()
    query = {"start": RANGE["start"].isoformat(), "end": RANGE["end"].isoformat()}
    body = client.get("/api/metrics", query_string=query | {"site": NORTH}).get_json()
    assert body["overall"]["cases"] == PER_SITE_CASES and body["filters"]["sites"] == [NORTH]
    compared = client.get("/api/metrics/sites", query_string=query).get_json()
    assert compared["sites"] == list(SITES)
    assert [row["cases"] for row in compared["by_site"]] == [PER_SITE_CASES, PER_SITE_CASES]
    assert compared["definitions"]["raw_utilization_pct"]["unit"] == "%"
    assert client.get("/api/metrics/sites", query_string=query | {"site": ""}).status_code == 400


def test_the_cli_filters_by_site_and_prints_the_sites_side_by_side(two_site_runtime, settings):
    env = dict(os.environ, OPTIOR_DATABASE_URL=settings.database_url, OPTIOR_MODEL_DIR=str(settings.model_dir))
    days = ["--start", RANGE["start"].isoformat(), "--end", RANGE["end"].isoformat()]

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "optior", "metrics", *days, *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert json.loads(run("--site", SOUTH, "--json"))["overall"]["cases"] == PER_SITE_CASES
    lines = run("--by-site").splitlines()
    header = next(line for line in lines if line.startswith("Figure"))
    assert NORTH in header and SOUTH in header
    cases = next(line for line in lines if line.startswith("Cases"))
    assert cases.split()[1:3] == [str(PER_SITE_CASES)] * 2
    by_room = run().splitlines()
    assert any(line.startswith(f"{SOUTH}  1 ") or line.startswith(f"{SOUTH} ") for line in by_room)
