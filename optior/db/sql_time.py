"""Portable SQL for clock arithmetic: a timestamp as minutes after a day's midnight (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class minutes_after_midnight(FunctionElement):
    """minutes_after_midnight(timestamp, day): minutes from the day's 00:00 to the timestamp (float)."""

    type = Float()
    inherit_cache = True


def _arguments(element: FunctionElement, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(minutes_after_midnight)
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
