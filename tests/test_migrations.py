"""Schema revisions: a database made by the release before Alembic keeps every row when upgraded, a new one gets
the newest schema, replaying the revisions gives exactly optior.db.schema, and workers migrate one at a time.

Every test runs on SQLite, and on PostgreSQL when OPTIOR_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select, text, update

from optior.config import SAMPLE_CSV
from optior.db.engine import Database
from optior.db.migrate import BASELINE, SchemaNotRecognised, alembic_config, head_revision, migrate, schema_lock
from optior.db.schema import cases, metadata, metric_room_months, metric_room_running, metric_site_months, model_files
from optior.ml.model_file import content_sha256
from optior.services import metric_summary
from optior.services.importing import import_cases
from optior.services.metrics import or_metrics
from optior.services.runtime import Runtime, build_runtime
from optior.services.training import model_versions
from optior.vocabulary import DEFAULT_SITE
from tests.conftest import SAMPLE_TODAY
from tests.fixtures import release_schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_RANGE = {"start": date(2026, 7, 1), "end": date(2026, 9, 30)}


def _card(version: str, mae: float) -> dict:
    """A model card with the fields the health check and the model list show."""
    return {
        "version": version, "estimator": {"name": "log-scale linear model"},
        "train_dates": ["2026-07-01", "2026-09-11"], "test_dates": ["2026-09-14", "2026-09-30"],
        "model": {"mae": mae, "interval_coverage": 0.81},
        "baselines": {"booked": {"mae": 19.4}, "procedure_median": {"mae": 16.7}},
        "decision": {"reason": "Not worse than the active version."},
    }


def _release_model_bytes(number: int) -> bytes:
    """What the release saved as version number's model file (only its bytes and their SHA-256 matter here)."""
    return f"model file {number} as the release saved it".encode()


def _sample_imported_by_this_release(settings, name: str = "scratch") -> Runtime:
    """The sample imported by today's import code into a scratch SQLite file (its schema has moved on since)."""
    scratch = build_runtime(replace(settings, database_url=f"sqlite:///{settings.model_dir.parent / name}.db"))
    import_cases(scratch, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name, today=SAMPLE_TODAY)
    return scratch


def _sample_figures(settings) -> object:
    """The sample's OR metrics as today's code gives them on today's schema: what an upgraded database must show.
    (Today's code cannot read the old schema, so the figures are not taken from the database before upgrading.)"""
    scratch = _sample_imported_by_this_release(settings, "figures")
    try:
        return or_metrics(scratch, **SAMPLE_RANGE)
    finally:
        scratch.db.dispose()


def _copy_release_tables(source: Database, target: Database) -> None:
    """Copy the rows of every table the release had, its columns only (computed ones are the database's)."""
    with source.read() as reading, target.transaction() as writing:
        for table in release_schema.metadata.sorted_tables:
            stored = [column for column in table.columns if column.computed is None]
            rows = [dict(row._mapping) for row in reading.execute(select(*stored))]
            if rows:
                writing.execute(insert(table), rows)
    source.dispose()


def _build_release_database(settings) -> Runtime:
    """A database as the release before Alembic left it: its tables, the sample imported by the import code
    (cases, one import batch, the metric summary), two model versions, logged predictions and a finished job."""
    db = Database(settings.database_url)
    with db.transaction() as connection:
        release_schema.metadata.create_all(connection)
    _copy_release_tables(_sample_imported_by_this_release(settings).db, db)
    runtime = Runtime(settings=settings, db=db)
    trained = datetime(2026, 11, 1, 6, 0)
    with db.transaction() as connection:
        for number, (mae, active) in enumerate([(15.2, False), (15.0, True)], start=1):
            version = f"v2026110{number}-0600"
            connection.execute(insert(release_schema.model_versions).values(
                version=version, trained_at=trained.replace(day=number), file_name=f"{version}.joblib",
                sha256=content_sha256(_release_model_bytes(number)), rows_used=2524, card=_card(version, mae),
                report={"points": [[61.5, 70.0]]},
                is_active=active, activated_at=trained.replace(day=number) if active else None))
        connection.execute(insert(release_schema.predictions).values(
            created_at=datetime(2026, 11, 30, 9, 15), model_version="v20261102-0600",
            inputs={"service": "Orthopedics", "cpt_code": "27447"}, predicted_minutes=151.5, p10_minutes=120.0,
            p90_minutes=190.25, notes=["Booked 150 min."], case_label="Bed 4, Mr Example"))
        connection.execute(insert(release_schema.jobs).values(
            kind="retrain", status="done", holder="host:1", started_at=trained, finished_at=trained,
            message="Activated", result={"version": "v20261102-0600"}))
    return runtime


def _every_row(db: Database) -> dict[str, list[tuple]]:
    """Every row of every release table, in a stable order, read through the release's table definitions."""
    with db.read() as connection:
        return {name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
                for name, table in release_schema.metadata.tables.items()}


def _to_nine_digits(figures: object) -> object:
    """Figures with floats to 9 significant digits: a summary rebuilt on another engine sums in another order."""
    if isinstance(figures, float):
        return float(f"{figures:.9g}")
    if isinstance(figures, dict):
        return {key: _to_nine_digits(value) for key, value in figures.items()}
    if isinstance(figures, list):
        return [_to_nine_digits(value) for value in figures]
    return figures


def _revision(db: Database) -> str | None:
    with db.read() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@pytest.fixture
def release_runtime(settings):
    runtime = _build_release_database(settings)
    yield runtime
    runtime.db.dispose()


def test_a_release_database_is_stamped_not_recreated_and_keeps_every_row(release_runtime):
    db = release_runtime.db
    rows = _every_row(db)
    figures = _sample_figures(release_runtime.settings)
    assert len(rows["cases"]) > 2000 and len(rows["import_batches"]) == 1 and len(rows["model_versions"]) == 2
    assert len(rows["metric_room_months"]) > 0 and _revision(db) is None

    result = migrate(db)

    assert (result.action, result.before, result.after) == ("stamped", None, head_revision())
    assert f"stamped {BASELINE}" in result.summary()
    assert _revision(db) == head_revision()
    kept = _every_row(db)
    derived = ("metric_room_months", "metric_summary_state")  # the summary: forgotten by 0007, rebuilt at next use
    assert {name: kept[name] for name in kept if name not in derived} == {
        name: rows[name] for name in rows if name not in derived}
    assert _to_nine_digits(or_metrics(release_runtime, **SAMPLE_RANGE).model_dump()) == _to_nine_digits(
        figures.model_dump())
    assert [v.version for v in model_versions(release_runtime)] == ["v20261102-0600", "v20261101-0600"]
    assert migrate(db).action == "current"


def test_cases_stored_before_sites_belong_to_the_default_site_and_show_the_same_figures(release_runtime):
    """Revision 0006 gives every stored case the default site; the summary rebuilt from them has that one site, and
    the figures are unchanged."""
    figures = _sample_figures(release_runtime.settings)
    migrate(release_runtime.db)
    metric_summary.ensure_summary(release_runtime)
    with release_runtime.db.read() as connection:
        case_sites = set(connection.execute(select(cases.c.site)).scalars())
        summary_sites = set(connection.execute(select(metric_room_months.c.site)).scalars())
    assert case_sites == summary_sites == {DEFAULT_SITE}
    assert _to_nine_digits(or_metrics(release_runtime, **SAMPLE_RANGE).model_dump()) == _to_nine_digits(
        figures.model_dump())


def _stored_model_files(db: Database) -> dict[str, bytes]:
    with db.read() as connection:
        return {version: bytes(content) for version, content in connection.execute(
            select(model_files.c.version, model_files.c.content))}


def test_an_upgrade_stores_the_model_files_it_finds_and_names_the_versions_it_cannot(release_runtime, settings):
    """A matching file is carried into the database; an altered one is not, and the user is told which."""
    (settings.model_dir / "v20261101-0600.joblib").write_bytes(_release_model_bytes(1))
    (settings.model_dir / "v20261102-0600.joblib").write_bytes(b"edited since it was recorded")

    result = migrate(release_runtime.db, settings.model_dir)

    assert _stored_model_files(release_runtime.db) == {"v20261101-0600": _release_model_bytes(1)}
    assert f"Stored 1 model file(s) from the model folder {settings.model_dir} in the database." in result.summary()
    assert ("Model version(s) v20261102-0600: the file in the model folder "
            f"{settings.model_dir} does not match its recorded SHA-256") in result.summary()
    assert [v.version for v in model_versions(release_runtime)] == ["v20261102-0600", "v20261101-0600"]


def test_an_upgrade_without_the_model_files_keeps_every_version_and_says_which_files_were_missing(
        release_runtime, settings):
    result = migrate(release_runtime.db, settings.model_dir)

    assert _stored_model_files(release_runtime.db) == {}
    assert (f"Model version(s) v20261101-0600, v20261102-0600: no readable file in the model folder "
            f"{settings.model_dir}") in result.summary()
    assert [v.version for v in model_versions(release_runtime)] == ["v20261102-0600", "v20261101-0600"]


def test_a_release_summary_is_forgotten_and_rebuilt_once_with_the_rollups_and_running_totals(release_runtime):
    """0007 and 0008 add arrays and tables the release's summary lacks: it is emptied, rebuilt at the next use
    (rollups per site and running totals per room included), then current."""
    migrate(release_runtime.db)
    with release_runtime.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(metric_room_months)).scalar_one() == 0
    assert metric_summary.ensure_summary(release_runtime) == "rebuilt"
    with release_runtime.db.read() as connection:
        for table in (metric_site_months, metric_room_running):
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() > 0, table.name
    assert metric_summary.ensure_summary(release_runtime) == "current"


def test_a_summary_of_an_older_layout_is_rebuilt_at_the_next_start_after_the_migration(release_runtime):
    """The layout fingerprint rule outlives the migration: an outdated summary is rebuilt, and figures stay right."""
    db = release_runtime.db
    expected = _sample_figures(release_runtime.settings)
    stale = metric_summary.fingerprint(release_runtime.settings.metrics).replace(
        f'"layout": {metric_summary.LAYOUT}', f'"layout": {metric_summary.LAYOUT - 1}')
    with db.transaction() as connection:
        connection.execute(update(release_schema.metric_summary_state).values(fingerprint=stale))

    runtime = build_runtime(release_runtime.settings)  # what a start does: migrate, then the start-up checks
    try:
        assert metric_summary.ensure_summary(runtime) == "rebuilt"
        rebuilt = or_metrics(runtime, **SAMPLE_RANGE)
        assert _to_nine_digits(rebuilt.model_dump()) == _to_nine_digits(expected.model_dump())
    finally:
        runtime.db.dispose()


def test_a_new_database_gets_the_newest_schema_in_one_step(database_url):
    db = Database(database_url)
    try:
        created = migrate(db)
        assert (created.action, created.after) == ("created", head_revision())
        with db.read() as connection:
            assert set(inspect(connection).get_table_names()) == {*metadata.tables, "alembic_version"}
        again = migrate(db)
        assert again.action == "current" and "already at" in again.summary()
    finally:
        db.dispose()


def _replay_every_revision(db: Database) -> None:
    with schema_lock(db) as connection:
        command.upgrade(alembic_config(connection), "head")


def _create_and_stamp(db: Database) -> None:
    assert migrate(db).action == "created"


@pytest.mark.parametrize("build", [_replay_every_revision, _create_and_stamp], ids=["revisions", "create_all"])
def test_the_revisions_build_exactly_the_schema_in_optior_db_schema(database_url, build):
    """Fails when db/schema.py changes without a revision, or a revision differs from the schema it reaches."""
    db = Database(database_url)
    try:
        build(db)
        with db.read() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == head_revision()
            assert compare_metadata(context, metadata) == []
    finally:
        db.dispose()


def test_a_database_from_a_newer_release_is_refused_with_a_clear_message(database_url):
    db = Database(database_url)
    try:
        migrate(db)
        with db.transaction() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(SchemaNotRecognised, match="9999_future, which this version of OptiOR does not know"):
            migrate(db)
    finally:
        db.dispose()


def test_a_partial_old_schema_is_refused_naming_the_missing_tables(database_url):
    db = Database(database_url)
    try:
        with db.transaction() as connection:
            release_schema.import_batches.create(connection)
            release_schema.cases.create(connection)
        with pytest.raises(SchemaNotRecognised, match="not job_locks, jobs, metric_room_months"):
            migrate(db)
        assert _revision(db) is None
    finally:
        db.dispose()


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPTIOR_DATABASE_URL=settings.database_url, OPTIOR_MODEL_DIR=str(settings.model_dir))
    return subprocess.run([sys.executable, "-m", "optior", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_python_m_optior_migrate_says_what_it_did_and_then_that_nothing_was_needed(release_runtime, settings):
    cases_before = len(_every_row(release_runtime.db)["cases"])
    (settings.model_dir / "v20261102-0600.joblib").write_bytes(_release_model_bytes(2))
    first = _cli(settings, "migrate")
    assert first.returncode == 0, first.stderr
    assert f"stamped {BASELINE}" in first.stdout
    assert f"Stored 1 model file(s) from the model folder {settings.model_dir}" in first.stdout
    assert _stored_model_files(release_runtime.db) == {"v20261102-0600": _release_model_bytes(2)}
    second = _cli(settings, "init")
    assert second.returncode == 0, second.stderr
    assert f"already at {head_revision()}" in second.stdout
    assert len(_every_row(release_runtime.db)["cases"]) == cases_before


def test_processes_migrating_at_once_create_the_schema_exactly_once(settings):
    with ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(lambda _: _cli(settings, "migrate"), range(4)))
    assert all(output.returncode == 0 for output in outputs), [output.stderr for output in outputs]
    said = sorted("Created" in output.stdout for output in outputs)
    assert said == [False, False, False, True], [output.stdout for output in outputs]
    assert all("already at" in output.stdout for output in outputs if "Created" not in output.stdout)
