"""Bulk-append a DataFrame to a PostgreSQL table with binary COPY, inside the caller's transaction (psycopg 3)."""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import Column, Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError


def _wire_type(column: Column, dialect: Dialect) -> str:
    """The type psycopg sends the column's values as: binary COPY must match the column's own type exactly.

    psycopg raises for a type name it does not know rather than sending a lookalike.
    """
    name = column.type.compile(dialect=dialect).lower()
    if name == "float":  # PostgreSQL reads FLOAT without a precision as double precision
        return "float8"
    return re.sub(r"^varchar\(\d+\)$", "varchar", name)  # a length limit does not change the wire format


def python_values(column: pd.Series) -> list:
    """The column as Python values a driver takes (datetimes as datetime), None where missing."""
    if column.dtype.kind == "M":
        return column.to_numpy("datetime64[us]").tolist()  # datetimes, NaT -> None
    if column.hasnans:
        return column.astype(object).where(column.notna(), None).tolist()
    return column.tolist()


def copy_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Append the frame's rows to the table; its column names are the table's columns to fill.

    Binary COPY needs no escaping, so any text (tabs, newlines, backslashes) arrives unchanged. Driver errors
    are raised as SQLAlchemy's, like those of any other statement.
    """
    columns = [table.c[name] for name in frame.columns]
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)} ({', '.join(preparer.format_column(c) for c in columns)}) "
        "FROM STDIN (FORMAT BINARY)"
    )
    rows = zip(*(python_values(frame[name]) for name in frame.columns), strict=True)
    dbapi = connection.dialect.loaded_dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types([_wire_type(c, connection.dialect) for c in columns])
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, dbapi.Error, dialect=connection.dialect) from error
