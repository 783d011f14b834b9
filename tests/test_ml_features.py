"""Feature rows from the database: no leakage from outcomes, position in the room's day, derived times."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, select, update

from optior.db.schema import cases
from optior.db.training_data import cases_before_in_room, read_case_rows
from optior.ml.features import NO_SURGEON, build_features
from optior.services.importing import import_cases

OUTCOME_COLUMNS = (
    "wheels_in", "procedure_start", "procedure_end", "wheels_out", "in_room_minutes", "procedure_minutes",
)
HEADER = (
    "Encounter ID,Date,OR Suite,Service,CPT Code,Booked Time (min),OR Schedule,Wheels In,Start Time,End Time,"
    "Wheels Out"
)


def _case_line(encounter: int, room: str, scheduled: str, wheels_in: str, wheels_out: str) -> str:
    return (
        f"{encounter},12/01/25,{room},Orthopedics,27447,150,12/01/25 {scheduled},12/01/25 {wheels_in},"
        f"12/01/25 {wheels_in},12/01/25 {wheels_out},12/01/25 {wheels_out}"
    )


def _features(runtime) -> tuple[pd.DataFrame, pd.DataFrame]:
    with runtime.db.read() as connection:
        rows = read_case_rows(connection)
    return rows, build_features(rows)


def test_shuffling_outcomes_of_later_cases_leaves_every_feature_unchanged(sample_runtime):
    rows_before, before = _features(sample_runtime)
    dates = np.sort(rows_before["case_date"].unique())
    later_from = pd.Timestamp(dates[len(dates) // 2]).date()
    with sample_runtime.db.transaction() as connection:
        later = connection.execute(
            select(cases.c.id, *(cases.c[c] for c in OUTCOME_COLUMNS)).where(cases.c.case_date >= later_from)
        ).all()
        shuffled = np.random.default_rng(7).permutation(len(later))
        connection.execute(
            update(cases).where(cases.c.id == bindparam("match_id")).values({c: bindparam(c) for c in OUTCOME_COLUMNS}),
            [
                {"match_id": row.id, **{c: getattr(later[other], c) for c in OUTCOME_COLUMNS}}
                for row, other in zip(later, shuffled, strict=True)
            ],
        )
    rows_after, after = _features(sample_runtime)

    assert (rows_after["id"].to_numpy() == rows_before["id"].to_numpy()).all()
    pd.testing.assert_frame_equal(after, before)
    changed = rows_after["in_room_minutes"].to_numpy() != rows_before["in_room_minutes"].to_numpy()
    assert changed.sum() > 100  # the shuffle really moved outcomes, only on later dates
    assert (rows_before.loc[changed, "case_date"].dt.date >= later_from).all()


def test_position_in_day_follows_the_schedule_not_the_import_order(runtime):
    lines = [
        _case_line(3, "A", "01:00 PM", "01:10 PM", "02:30 PM"),
        _case_line(1, "A", "07:30 AM", "07:40 AM", "09:00 AM"),
        _case_line(2, "A", "09:45 AM", "10:30 AM", "12:40 PM"),
        _case_line(4, "B", "08:00 AM", "08:00 AM", "09:00 AM"),
    ]
    import_cases(runtime, source="\n".join([HEADER, *lines]).encode(), source_name="day.csv", today=date(2026, 1, 1))
    rows, features = _features(runtime)
    with runtime.db.read() as connection:
        encounter = dict(connection.execute(select(cases.c.id, cases.c.encounter_id)).all())
    positions = {encounter[i]: p for i, p in zip(rows["id"], features["position_in_day"], strict=True)}
    assert positions == {"1": 1, "2": 2, "3": 3, "4": 1}

    with runtime.db.read() as connection:
        count = lambda start: cases_before_in_room(  # noqa: E731
            connection, site="Main", or_suite="A", case_date=date(2025, 12, 1), scheduled_start=start
        )
        assert count(datetime(2025, 12, 1, 10, 0)) == 2
        assert count(datetime(2025, 12, 1, 7, 0)) == 0
        assert count(None) == 3


def test_weekday_and_start_minute_come_from_the_schedule(runtime):
    import_cases(runtime, source="\n".join([HEADER, _case_line(1, "A", "09:45 AM", "11:00 AM", "01:00 PM")]).encode(),
                 source_name="one.csv", today=date(2026, 1, 1))
    _, features = _features(runtime)
    assert features.loc[0, "weekday"] == 0  # 1 December 2025 is a Monday
    assert features.loc[0, "start_minute"] == 9 * 60 + 45
    assert features.loc[0, "surgeon"] == NO_SURGEON

