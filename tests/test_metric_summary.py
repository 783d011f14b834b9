"""The metric summary gives the same figures as computing them from the cases, whatever was imported or changed."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time, timedelta
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from optior.config import MetricSettings
from optior.db.case_store import count_cases
from optior.db.schema import metric_room_months, metric_room_running, metric_site_months
from optior.ingest.generator import generate_cases
from optior.services import analytics, metric_summary, metrics
from optior.services.analytics import specialty_breakdown
from optior.services.data_admin import case_count, clear_cases
from optior.services.importing import import_cases
from optior.services.metrics import or_metrics
from optior.services.runtime import Runtime
from tests.metrics_cases import TODAY, Case, case_csv

EXAMPLES = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Days on both sides of a month's end, a weekend among them, and one day a month later.
DAYS = [date(2026, 6, 29) + timedelta(days=n) for n in range(8)] + [date(2026, 8, 3)]
ROOMS, SERVICES = ["OR 1", "OR 2", "OR 10"], ["Urology", "Orthopedics", "Podiatry"]
OTHER_SETTINGS = MetricSettings(
    staffed_start=time(8, 0), staffed_end=time(16, 0), prime_start=time(8, 30), prime_end=time(14, 0),
    max_turnover_credit_minutes=20, turnover_cutoff_minutes=45, on_time_grace_minutes=0,
    booking_tolerance_pct=5, booking_tolerance_minutes=10,
)


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


@st.composite
def case_lists(draw) -> list[Case]:
    """Cases in a few rooms and days; some overlap, some run past midnight."""
    cases = []
    for _ in range(draw(st.integers(1, 14))):
        start = draw(st.integers(5 * 60, 21 * 60))
        cases.append(Case(
            draw(st.sampled_from(ROOMS)), _clock(start), _clock(start + draw(st.integers(1, 10 * 60))),
            booked=draw(st.integers(10, 400)), scheduled=_clock(start + draw(st.integers(-40, 40))),
            service=draw(st.sampled_from(SERVICES)), day=draw(st.sampled_from(DAYS)),
        ))
    return cases


@st.composite
def selections(draw) -> dict:
    start = draw(st.sampled_from([*DAYS, date(2026, 1, 1)]))
    end = start + timedelta(days=draw(st.sampled_from([0, 1, 3, 40, 300, 800])))
    rooms = draw(st.none() | st.lists(st.sampled_from(ROOMS), min_size=1, unique=True))
    services = draw(st.none() | st.lists(st.sampled_from(SERVICES), min_size=1, unique=True))
    return {"start": start, "end": end, "rooms": rooms, "services": services}


def _import(runtime: Runtime, cases: list[Case], *, replace: bool = False) -> None:
    """Import cases with encounter ids E00001... in list order (so a second list updates the first's cases)."""
    report = import_cases(runtime, source=case_csv(cases), source_name="cases.csv", replace=replace, today=TODAY)
    assert report.rejected == 0, report.rejections


@contextmanager
def _only(path: str):
    """Make the given computation path unavailable (the other one must answer)."""
    with mock.patch(path, side_effect=AssertionError(f"{path} was used")):
        yield


def _direct(runtime: Runtime, selection: dict) -> dict:
    with (mock.patch.object(metrics, "summary_inputs", return_value=None),
          mock.patch.object(metrics, "summary_views", return_value=None)):
        return or_metrics(runtime, **selection)


def _from_summary(runtime: Runtime, selection: dict) -> dict:
    with _only("optior.services.metrics.direct_inputs"):
        return or_metrics(runtime, **selection)


def _assert_same(actual, expected, where: str = "result") -> None:
    """Equal structure; counts exactly, minutes and percentages up to float rounding of the sums."""
    assert type(actual) is type(expected), where
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), where
        for key in expected:
            _assert_same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            _assert_same(left, right, f"{where}[{index}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9), where
    else:
        assert actual == expected, where


def _breakdowns(runtime: Runtime, selection: dict) -> tuple[list[dict], list[dict]]:
    """The specialty breakdown (from the summary, from SQL)."""
    with _only("optior.db.analytics_queries.service_totals"):
        from_summary = specialty_breakdown(runtime, **selection)
    with mock.patch.object(analytics, "from_summary", return_value=None):
        return from_summary, specialty_breakdown(runtime, **selection)


def _counts(runtime: Runtime) -> tuple[int, int]:
    """The stored case count as the services give it (from the summary, without counting rows), and counted."""
    with _only("optior.services.data_admin.count_cases"):
        from_summary = case_count(runtime)
    with runtime.db.read() as connection:
        return from_summary, count_cases(connection)


def _assert_summary_matches(runtime: Runtime, chosen: list[dict]) -> None:
    summed, counted = _counts(runtime)
    assert summed == counted
    for selection in chosen:
        _assert_same(_from_summary(runtime, selection), _direct(runtime, selection))
        from_summary, from_sql = _breakdowns(runtime, selection)
        assert from_summary == from_sql, selection  # whole minutes: the sums are exact, so are the means


@EXAMPLES
@given(first=case_lists(), second=case_lists(), chosen=st.lists(selections(), min_size=1, max_size=3))
def test_summary_matches_the_cases_after_imports_that_add_and_update_cases(runtime, first, second, chosen):
    _import(runtime, first, replace=True)
    _assert_summary_matches(runtime, chosen)
    _import(runtime, second)  # its first cases update (and may move) the first list's cases; the rest are new
    _assert_summary_matches(runtime, chosen)


@EXAMPLES
@given(first=case_lists(), second=case_lists(), chosen=st.lists(selections(), min_size=1, max_size=3))
def test_summary_follows_replace_settings_changes_and_clear(runtime, first, second, chosen):
    _import(runtime, first, replace=True)
    _import(runtime, second, replace=True)
    _assert_summary_matches(runtime, chosen)
    other = Runtime(runtime.settings.with_changes(metrics=OTHER_SETTINGS), runtime.db)
    _assert_summary_matches(other, chosen)  # rebuilt for the other settings
    _assert_summary_matches(runtime, chosen)  # and back
    _import(other, first)  # an import by a process with other settings rebuilds the summary for them
    _assert_summary_matches(runtime, chosen)
    clear_cases(runtime)
    _assert_summary_matches(runtime, chosen)
    assert _counts(runtime) == (0, 0)
    with runtime.db.read() as connection:
        for table in (metric_room_months, metric_site_months, metric_room_running):
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_long_ranges_read_weeks_of_whole_months_and_days_of_the_others(runtime):
    cases = [
        Case(room, "08:00", "09:00", booked=60, service=service, day=day)
        for day in DAYS for room, service in (("OR 1", "Urology"), ("OR 1", "Podiatry"), ("OR 2", "Urology"))
    ]
    _import(runtime, cases + [Case("OR 1", "09:30", "10:00", booked=30, day=day) for day in DAYS], replace=True)
    long_ranges = [(date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 6, 30), date(2027, 1, 15)),
                   (date(2026, 2, 1), date(2026, 8, 3))]
    _assert_summary_matches(runtime, [
        {"start": start, "end": end, "rooms": rooms, "services": services}
        for start, end in long_ranges for rooms in (None, ["OR 1"]) for services in (None, ["Podiatry"])
    ])
    result = or_metrics(runtime, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert result.by_room_day is None
    assert result.by_room_week["week_start"][:3] == ["2026-06-29", "2026-07-06", "2026-08-03"]
    assert result.by_room_week["room"][:3] == ["OR 1"] * 3
    # Only staffed room-days count in the weekly heatmap: not the 4 cases of each weekend day.
    assert sum(result.by_room_week["cases"]) + 2 * 4 == result.overall["cases"]


def test_ranges_over_two_years_get_the_heatmap_by_room_month_and_each_cell_is_that_month_on_its_own(runtime):
    cases = [
        Case(room, "08:00", end, booked=60, service=service, day=day)
        for day in DAYS for room, end, service in (("OR 1", "09:00", "Urology"), ("OR 1", "11:00", "Podiatry"),
                                                   ("OR 2", "10:30", "Urology"))
    ]
    _import(runtime, cases, replace=True)
    long_range = {"start": date(2025, 6, 10), "end": date(2027, 7, 20)}
    _assert_summary_matches(runtime, [long_range | {"rooms": rooms, "services": services}
                                      for rooms in (None, ["OR 2"]) for services in (None, ["Podiatry"])])
    result = or_metrics(runtime, **long_range)
    assert result.by_room_day is None and result.by_room_week is None
    cells = result.by_room_month
    assert list(zip(cells["room"], cells["month_start"], strict=True)) == [
        ("OR 1", "2026-06-01"), ("OR 1", "2026-07-01"), ("OR 1", "2026-08-01"),
        ("OR 2", "2026-06-01"), ("OR 2", "2026-07-01"), ("OR 2", "2026-08-01"),
    ]
    for index, (room, first) in enumerate(zip(cells["room"], cells["month_start"], strict=True)):
        month = date.fromisoformat(first)
        alone = or_metrics(runtime, start=month, end=(month + timedelta(days=31)).replace(day=1) - timedelta(days=1),
                           rooms=[room]).overall
        for figure in ("staffed_room_days", "staffed_minutes", "staffed_in_room_minutes", "raw_utilization_pct",
                       "adjusted_utilization_pct", "prime_time_utilization_pct", "idle_minutes", "overtime_minutes"):
            assert cells[figure][index] == pytest.approx(alone[figure]), (room, first, figure)


def _history(months: list[date]) -> list[Case]:
    """Two rooms' two cases a day on the first three days of those months (Mondays): each month's length of cases
    and turnover differ, so a month counted twice or missed changes the room's figures."""
    cases = []
    for index, month in enumerate(months):
        for day, (room, extra) in ((day, room) for day in range(3) for room in (("OR 1", 0), ("OR 2", 45))):
            first_end = 8 * 60 + 30 * (1 + index % 5) + extra
            second_start = first_end + 15 + 10 * index
            cases += [Case(room, "08:00", _clock(first_end), booked=60, day=month + timedelta(days=day),
                           service=SERVICES[index % 3]),
                      Case(room, _clock(second_start), _clock(second_start + 40), booked=45,
                           scheduled=_clock(second_start), day=month + timedelta(days=day))]
    return cases


EARLY, LATE = [date(2024, 3, 4), date(2024, 4, 1)], [date(2026, 6, 1), date(2026, 7, 6)]
LONG_RANGES = [{"start": date(2024, 5, 1), "end": date(2026, 12, 31)},  # whole months after earlier data
               {"start": date(2024, 3, 6), "end": date(2026, 7, 15)},  # cut months at both ends
               {"start": date(2023, 1, 1), "end": date(2026, 6, 30)}]


def test_per_room_figures_of_long_ranges_stay_right_after_an_import_into_the_middle_of_the_history(runtime):
    """Long ranges read each room's running totals (the difference of two rows per room); an import of an earlier
    month must rewrite every later total of its rooms."""
    _import(runtime, _history(EARLY + LATE), replace=True)
    _assert_summary_matches(runtime, LONG_RANGES)
    _import(runtime, _history(EARLY + LATE) + _history([date(2025, 2, 3), date(2025, 9, 1)]))
    _assert_summary_matches(runtime, LONG_RANGES)
    assert _from_summary(runtime, LONG_RANGES[0]).overall["cases"] == 2 * 2 * 3 * 4  # May 2024 on: 4 months with cases


def test_per_room_figures_stay_right_after_an_import_that_starts_months_after_the_last_one(runtime):
    """The running totals run to the last month of the data: an import months later must carry every room's totals
    across the months between, not start them again from zero."""
    _import(runtime, _history(EARLY), replace=True)
    _import(runtime, _history(EARLY) + _history(LATE))  # the same rooms, two years on
    _assert_summary_matches(runtime, LONG_RANGES)


def test_a_heatmap_of_more_cells_than_the_limit_is_by_room_and_year_and_each_cell_is_that_year_on_its_own(
    runtime, monkeypatch
):
    _import(runtime, _history(EARLY + [date(2025, 2, 3)] + LATE), replace=True)
    monkeypatch.setattr(metric_summary, "MAX_MONTH_CELLS", 2 * 12)  # 2 rooms over 28 months exceed it
    selection = LONG_RANGES[1]
    result, direct = _from_summary(runtime, selection), _direct(runtime, selection)
    assert result.by_room_month is None and direct.by_room_year is None
    _assert_same(result.by_room, direct.by_room)
    _assert_same(result.overall, direct.overall)
    cells = result.by_room_year
    assert list(zip(cells["room"], cells["year_start"], strict=True)) == [
        (room, f"{year}-01-01") for room in ("OR 1", "OR 2") for year in (2024, 2025, 2026)]
    for index, (room, first) in enumerate(zip(cells["room"], cells["year_start"], strict=True)):
        year = date.fromisoformat(first)
        alone = or_metrics(runtime, start=max(year, selection["start"]),
                           end=min(year.replace(month=12, day=31), selection["end"]), rooms=[room]).overall
        for figure in ("cases", "staffed_room_days", "staffed_minutes", "raw_utilization_pct", "idle_minutes",
                       "overtime_minutes"):
            assert cells[figure][index] == pytest.approx(alone[figure]), (room, first, figure)


def test_weeks_and_months_before_1970_are_summed_like_the_others(runtime):
    """Day numbers before 1970 are negative: the weekly turnover counts of the site rows must still add up."""
    _import(runtime, _history([date(1969, 11, 3), date(1969, 12, 1), date(1970, 2, 2)]), replace=True)
    _assert_summary_matches(runtime, [{"start": date(1969, 6, 1), "end": date(1970, 6, 30)},
                                      {"start": date(1969, 1, 1), "end": date(1971, 12, 31)}])


@pytest.mark.parametrize(("minutes", "dense_limit"), [
    ([12.0, 30.0, 12.0, 45.0, 30.0, 12.0], metric_summary._DENSE_COUNT_KEYS),  # whole minutes, counted in one array
    ([12.5, 30.0, 12.5, 45.25, 30.0, 12.5], metric_summary._DENSE_COUNT_KEYS),  # fractions: minutes sorted first
    ([12.0, 30.0, 12.0, 45.0, 30.0, 12.0], 1),  # a key space too large for one array: keys sorted
])
def test_turnover_counts_are_summed_per_key_and_minute_whichever_way_they_are_counted(minutes, dense_limit,
                                                                                       monkeypatch):
    monkeypatch.setattr(metric_summary, "_DENSE_COUNT_KEYS", dense_limit)
    sites, weeks = np.array([0, 1, 0, 1, 1, 0]), np.array([-7, 7, -7, 7, 7, 14])  # weeks before 1970 too
    counts = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    (site, week), minute, summed = metric_summary._summed_counts([sites, weeks], np.array(minutes), counts)
    expected = pd.DataFrame({"site": sites, "week": weeks, "minute": minutes, "count": counts}).groupby(
        ["site", "week", "minute"])["count"].sum()
    assert sorted(zip(site.tolist(), week.tolist(), minute.tolist(), summed.tolist(), strict=True)) == sorted(
        (*key, total) for key, total in expected.items())


def _summary_bytes_read(runtime: Runtime, selection: dict) -> int:
    """Bytes of summary arrays (room and site rows) or_metrics reads for the selection."""
    read = {"bytes": 0}

    def counted(reader):
        def reading(*args, **kwargs):
            rows = reader(*args, **kwargs)
            read["bytes"] += sum(array.values.nbytes for array in rows.arrays.values())
            return rows
        return reading

    with (mock.patch.object(metric_summary, "read_room_months", counted(metric_summary.read_room_months)),
          mock.patch.object(metric_summary, "read_site_months", counted(metric_summary.read_site_months))):
        or_metrics(runtime, **selection)
    return read["bytes"]


def test_a_long_range_reads_as_much_summary_whether_rooms_turn_over_twice_or_eight_times_a_day(runtime):
    """Whole months are read as sums and turnover counts per minute value: their size follows rooms, months,
    weeks and services, not cases or turnovers (the per-turnover arrays would grow fourfold here)."""
    weekdays = [day for day in (date(2026, 6, 1) + timedelta(days=n) for n in range(61)) if day.weekday() < 5]
    selection = {"start": date(2025, 1, 1), "end": date(2027, 1, 31)}  # whole months around every case

    def cases_a_day(count: int) -> list[Case]:
        return [Case(room, _clock(7 * 60 + 45 * slot), _clock(7 * 60 + 45 * slot + 30), booked=30, day=day)
                for day in weekdays for room in ROOMS for slot in range(count)]

    read = []
    for count in (2, 8):
        _import(runtime, cases_a_day(count), replace=True)
        _assert_summary_matches(runtime, [selection])
        read.append(_summary_bytes_read(runtime, selection))
    assert read[0] == read[1]


def test_a_failed_import_leaves_cases_and_summary_as_they_were(runtime):
    first = [Case("OR 1", "08:00", "10:00", booked=120, day=DAYS[0]), Case("OR 2", "09:00", "11:30", booked=90)]
    _import(runtime, first, replace=True)
    moved = [Case("OR 2", "12:00", "13:00", booked=60, day=DAYS[1]), Case("OR 1", "07:00", "08:00", booked=60)]
    with mock.patch.object(metric_summary, "case_contributions", side_effect=RuntimeError("crash")):
        with pytest.raises(RuntimeError):
            _import(runtime, moved)
    assert case_count(runtime) == 2
    _assert_summary_matches(runtime, [{"start": DAYS[0], "end": DAYS[-1], "rooms": None, "services": None}])
    assert or_metrics(runtime, start=DAYS[0], end=DAYS[-1]).overall["in_room_minutes"] == 270


def test_figures_come_from_the_cases_while_another_process_holds_the_lock(runtime):
    _import(runtime, [Case("OR 1", "08:00", "10:00", booked=120, day=DAYS[0])], replace=True)
    other = Runtime(runtime.settings.with_changes(metrics=OTHER_SETTINGS), runtime.db)
    with mock.patch.object(metric_summary, "ensure_summary", return_value="busy"):
        result = or_metrics(other, start=DAYS[0], end=DAYS[0])
    assert result.overall["staffed_minutes"] == 480  # the other settings' 08:00-16:00 window


def test_specialty_breakdown_from_the_summary_matches_sql_on_generated_cases(runtime):
    generated = generate_cases(3_000, seed=7, start=date(2025, 11, 20)).drop(columns="index")  # 9 rooms, 5 months
    report = import_cases(runtime, source=generated.to_csv(index=False).encode(), source_name="generated.csv",
                          today=TODAY)
    assert report.inserted == 3_000
    rooms, services = ["1", "4", "7"], ["Orthopedics", "Urology", "General Surgery"]
    ranges = [(date(2025, 1, 1), date(2026, 12, 31)), (date(2025, 11, 25), date(2026, 2, 10)),
              (date(2025, 12, 1), date(2026, 1, 31)), (date(2026, 1, 5), date(2026, 1, 20)),
              (date(2026, 2, 14), date(2026, 2, 15))]
    for start, end in ranges:
        for chosen_rooms, chosen_services in ((None, None), (rooms, None), (None, services), (rooms, services)):
            selection = {"start": start, "end": end, "rooms": chosen_rooms, "services": chosen_services}
            from_summary, from_sql = _breakdowns(runtime, selection)
            assert from_summary == from_sql, selection
    assert len(_breakdowns(runtime, {"start": date(2025, 1, 1), "end": date(2026, 12, 31)})[0]) == 10


def test_the_case_count_is_summed_from_the_summary_and_counted_only_while_the_lock_is_held(runtime):
    generated = generate_cases(2_000, seed=5, start=date(2025, 11, 20)).drop(columns="index")
    import_cases(runtime, source=generated.to_csv(index=False).encode(), source_name="generated.csv", today=TODAY)
    with _only("optior.services.data_admin.count_cases"), _only("optior.db.analytics_queries.case_extent"):
        assert case_count(runtime) == analytics.data_extent(runtime)["case_count"] == 2_000
    other = Runtime(runtime.settings.with_changes(metrics=OTHER_SETTINGS), runtime.db)
    with mock.patch.object(metric_summary, "ensure_summary", return_value="busy"):
        assert case_count(other) == 2_000


def test_specialty_breakdown_comes_from_sql_while_another_process_holds_the_lock(runtime):
    _import(runtime, [Case("OR 1", "08:00", "10:00", booked=90, day=DAYS[0])], replace=True)
    other = Runtime(runtime.settings.with_changes(metrics=OTHER_SETTINGS), runtime.db)
    with mock.patch.object(metric_summary, "ensure_summary", return_value="busy"):
        rows = specialty_breakdown(other, start=DAYS[0], end=DAYS[0])
    assert [(row["cases"], row["mean_booked_minutes"], row["in_room_hours"]) for row in rows] == [(1, 90, 2)]
