"""Portable SQL for dates and clock times: ISO date text, minutes after a day's midnight (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class minutes_after_midnight(FunctionElement):
    """minutes_after_midnight(timestamp, day): minutes from the day's 00:00 to the timestamp (float)."""

    type = Float()
    inherit_cache = True


class iso_date(FunctionElement):
    """iso_date(day): the date as YYYY-MM-DD text, whatever the server's date style (no per-row parsing)."""

    type = String()
    inherit_cache = True


def _arguments(element: FunctionElement, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(minutes_after_midnight)
@compiles(iso_date)
def _unsupported(element, compiler, **kw):
    raise CompileError(f"{type(element).__name__} is only defined for SQLite and PostgreSQL")


@compiles(minutes_after_midnight, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    timestamp, day = _arguments(element, compiler, **kw)
    # julianday is a double: rounding to 1/10,000 minute removes its representation noise.
    return f"round((julianday({timestamp}) - julianday({day})) * 1440.0, 4)"


@compiles(minutes_after_midnight, "postgresql")
def _minutes_postgresql(element, compiler, **kw):
    timestamp, day = _arguments(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({timestamp} - CAST({day} AS TIMESTAMP))) / 60.0 AS DOUBLE PRECISION)"


@compiles(iso_date, "sqlite")
def _iso_date_sqlite(element, compiler, **kw):
    (day,) = _arguments(element, compiler, **kw)
    return day  # SQLite stores dates as YYYY-MM-DD text already


@compiles(iso_date, "postgresql")
def _iso_date_postgresql(element, compiler, **kw):
    (day,) = _arguments(element, compiler, **kw)
    return f"to_char({day}, 'YYYY-MM-DD')"
