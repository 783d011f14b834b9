"""Queries on model versions (which one is active) and the prediction log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, insert, null, select, update

from optior.db.schema import model_versions, predictions

_VERSION_COLUMNS = (
    model_versions.c.version,
    model_versions.c.trained_at,
    model_versions.c.file_name,
    model_versions.c.sha256,
    model_versions.c.rows_used,
    model_versions.c.card,
    model_versions.c.is_active,
    model_versions.c.activated_at,
)


def insert_version(
    connection: Connection,
    *,
    version: str,
    trained_at: datetime,
    file_name: str,
    sha256: str,
    rows_used: int,
    card: dict,
    report: dict,
) -> None:
    """Record a saved model version (inactive until activate_version)."""
    connection.execute(
        insert(model_versions).values(
            version=version, trained_at=trained_at, file_name=file_name, sha256=sha256,
            rows_used=rows_used, card=card, report=report, is_active=False,
        )
    )


def activate_version(connection: Connection, version: str, *, at: datetime) -> None:
    """Make `version` the only active one."""
    connection.execute(
        update(model_versions).where(model_versions.c.is_active.is_(True)).values(is_active=False)
    )
    connection.execute(
        update(model_versions).where(model_versions.c.version == version).values(is_active=True, activated_at=at)
    )


def active_version(connection: Connection) -> dict | None:
    """The active version's row (version, file name, SHA-256, card, ...), or None."""
    row = connection.execute(
        select(*_VERSION_COLUMNS).where(model_versions.c.is_active.is_(True)).limit(1)
    ).first()
    return dict(row._mapping) if row else None


def list_versions(connection: Connection) -> list[dict]:
    """Every version, newest first, without the holdout report."""
    query = select(*_VERSION_COLUMNS).order_by(model_versions.c.trained_at.desc(), model_versions.c.id.desc())
    return [dict(row._mapping) for row in connection.execute(query)]


def version_with_report(connection: Connection, version: str) -> dict | None:
    """One version's row including its holdout report, or None if unknown."""
    row = connection.execute(
        select(*_VERSION_COLUMNS, model_versions.c.report).where(model_versions.c.version == version)
    ).first()
    return dict(row._mapping) if row else None


def insert_prediction(
    connection: Connection,
    *,
    created_at: datetime,
    model_version: str,
    inputs: dict,
    predicted_minutes: float,
    p10_minutes: float,
    p90_minutes: float,
    notes: list[str],
    case_label: str | None,
    entered_by: str | None,
) -> int:
    """Log one prediction and return its id; the case label is stored here only."""
    result = connection.execute(
        insert(predictions).values(
            created_at=created_at, model_version=model_version, inputs=inputs,
            predicted_minutes=predicted_minutes, p10_minutes=p10_minutes, p90_minutes=p90_minutes,
            notes=notes, case_label=case_label, entered_by=entered_by,
        )
    )
    return int(result.inserted_primary_key[0])


@dataclass(frozen=True)
class LabelAccess:
    """Whose case labels a reader may see: those entered by `owner` (None: entered without sign-in), or all."""

    owner: str | None
    every_owner: bool = False


def recent_predictions(connection: Connection, *, limit: int, labels: LabelAccess | None) -> list[dict]:
    """The latest logged predictions, newest first, each with its case label only where `labels` allows.

    The database leaves out the other labels (NULL), so they never reach the caller; labels None: none at all.
    """
    if labels is None:
        visible = null()
    elif labels.every_owner:
        visible = predictions.c.case_label
    else:
        owner = predictions.c.entered_by
        owned = owner.is_(None) if labels.owner is None else owner == labels.owner
        visible = case((owned, predictions.c.case_label), else_=null())
    columns = [
        predictions.c.id, predictions.c.created_at, predictions.c.model_version, predictions.c.inputs,
        predictions.c.predicted_minutes, predictions.c.p10_minutes, predictions.c.p90_minutes, predictions.c.notes,
        visible.label("case_label"),
    ]
    query = select(*columns).order_by(predictions.c.created_at.desc(), predictions.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def clear_case_labels(connection: Connection) -> int:
    """Erase every stored case label; return how many predictions had one."""
    result = connection.execute(
        update(predictions).where(predictions.c.case_label.is_not(None)).values(case_label=None)
    )
    return int(result.rowcount)
