"""Run a SQLAlchemy query on the driver's own cursor: plain tuples, and binary results from PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection, Select
from sqlalchemy.exc import DBAPIError


def driver_rows(connection: Connection, query: Select) -> list[tuple]:
    """The query's rows as the driver's plain tuples, binary from PostgreSQL, in the connection's transaction.

    For the hundreds of thousands of cases a summary rebuild reads, SQLAlchemy's row objects and text
    results would cost about as much as the fetch itself; binary results also carry a BLOB as its bytes rather
    than as hex text twice as long, which the server encodes and the client decodes again. The driver's values
    are returned without SQLAlchemy's result processing: on SQLite, dates and times stay text.
    """
    state = query.compile(connection).construct_expanded_state()
    values = {
        name: state.processors[name](value) if name in state.processors else value
        for name, value in state.parameters.items()
    }
    parameters = values if state.positiontup is None else [values[name] for name in state.positiontup]
    driver = connection.connection.driver_connection
    cursor = driver.cursor(binary=True) if connection.dialect.driver == "psycopg" else driver.cursor()
    try:
        cursor.execute(state.statement, parameters)
        return cursor.fetchall()
    except connection.dialect.loaded_dbapi.Error as error:  # raised as SQLAlchemy's, as every other query's
        raise DBAPIError.instance(
            state.statement, parameters, error, connection.dialect.loaded_dbapi.Error, hide_parameters=True,
            dialect=connection.dialect,
        ) from error
    finally:
        cursor.close()
