"""What the plan backtest compares with: each case's site and actual wheels-out."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, select

from optior.db.schema import cases


def wheels_out_from(connection: Connection, first_day: date) -> pd.DataFrame:
    """id, site and wheels_out of the cases on or after first_day (the case_date index finds them)."""
    query = select(cases.c.id, cases.c.site, cases.c.wheels_out).where(cases.c.case_date >= first_day)
    frame = pd.DataFrame([tuple(row) for row in connection.execute(query)], columns=["id", "site", "wheels_out"])
    frame["wheels_out"] = pd.to_datetime(frame["wheels_out"])
    return frame
