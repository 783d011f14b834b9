"""Which imported rows are completed cases and which are scheduled: a row with no actual time is still to happen."""

from __future__ import annotations

import pandas as pd

# Wheels In, Start Time, End Time, Wheels Out: all empty makes a scheduled case, whatever its date.
ACTUAL_TIME_COLUMNS = ("wheels_in", "procedure_start", "procedure_end", "wheels_out")
SCHEDULED_COLUMNS = (
    "encounter_id", "case_date", "site", "or_suite", "service", "cpt_code", "cpt_description",
    "booked_minutes", "scheduled_start", "surgeon",
)


def is_actual_time(column: str) -> bool:
    return column in ACTUAL_TIME_COLUMNS


def without_actual_times(raw: pd.DataFrame) -> pd.Series:
    """Rows (of stripped text) whose four actual-time columns are all empty."""
    empty = pd.Series(True, index=raw.index)
    for column in ACTUAL_TIME_COLUMNS:
        empty &= raw[column] == ""
    return empty


def scheduled_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """The validated scheduled rows with the columns a scheduled case keeps (and each row's file line)."""
    return rows.loc[:, [*SCHEDULED_COLUMNS, "line"]].reset_index(drop=True)
