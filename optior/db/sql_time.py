"""Portable SQL for dates and clock times: days since 1970-01-01, minutes after midnight (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Float, Integer
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class minutes_after_midnight(FunctionElement):
    """minutes_after_midnight(timestamp, day): minutes from the day's 00:00 to the timestamp (float)."""

    type = Float()
    inherit_cache = True


class epoch_day(FunctionElement):
    """epoch_day(day): the date as whole days since 1970-01-01 (an integer: cheaper to read than a date or text)."""

    type = Integer()
    inherit_cache = True


def _arguments(element: FunctionElement, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(minutes_after_midnight)
@compiles(epoch_day)
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


@compiles(epoch_day, "sqlite")
def _epoch_day_sqlite(element, compiler, **kw):
    (day,) = _arguments(element, compiler, **kw)
    # A date's julian day is a whole number and a half, exact in a double, as is 1970-01-01's.
    return f"CAST(julianday({day}) - 2440587.5 AS INTEGER)"


@compiles(epoch_day, "postgresql")
def _epoch_day_postgresql(element, compiler, **kw):
    (day,) = _arguments(element, compiler, **kw)
    return f"({day} - DATE '1970-01-01')"
