"""Model files' upkeep: at every process start, and after each retrain.

At start, a server stores the files of its folder that the database lacks: versions recorded before the database
kept model files may have their file only on the machine that trained them; once that machine's server starts,
every server can load them. Each retrain then deletes the stored files of versions past the newest
OPTIOR_MODEL_FILES_KEPT (never the active one's), which no server loads again, so the database does not grow by a
model (up to about 100 MB) per retrain for ever; each server drops its own copies of those at its next start.
Imports no model library (the CLI's data commands build a runtime and stay light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optior.db.model_files import delete_files, store_file_unless_stored, versions_past_kept, versions_without_file
from optior.ml.model_file import content_sha256, remove_copy, version_path

if TYPE_CHECKING:  # runtime.py calls this while building a Runtime
    from optior.services.runtime import Runtime


def store_files_the_database_lacks(runtime: Runtime) -> list[str]:
    """Store this server's copies of kept versions the database has no file for, and remove its copies of versions
    past the kept ones; return lines saying what was done, or that the active version is still without a file."""
    with runtime.db.read() as connection:
        lacking = versions_without_file(connection)
        past_kept = versions_past_kept(connection, runtime.settings.model_files_kept)
    lines = _drop_copies(runtime, past_kept)  # first, so that a file deleted on purpose is not stored again
    for row in lacking:
        path = version_path(runtime.settings.model_dir, row["file_name"])
        try:
            content = path.read_bytes() if path.is_file() else None
        except OSError:
            content = None
        if content is not None and content_sha256(content) == row["sha256"]:
            if store_file_unless_stored(runtime.db, version=row["version"], content=content):
                lines.append(f"Stored model version {row['version']} from {path} in the database.")
        elif row["is_active"]:
            lines.append(f"The active model version {row['version']} has no file in the database nor a matching "
                         f"{path.name} in {path.parent}: predictions are unavailable until the file is copied into a "
                         "server's model folder (then restart that server) or a retrain replaces it.")
    return lines


def delete_files_past_kept(runtime: Runtime) -> list[str]:
    """After a retrain: delete the stored files of the versions past the newest OPTIOR_MODEL_FILES_KEPT (the active
    one's excepted) and this server's copies of them; return lines saying what was deleted. Only versions whose
    file is still stored: earlier retrains dealt with the rest, so the work does not grow with the history."""
    with runtime.db.transaction() as connection:
        past_kept = [row for row in versions_past_kept(connection, runtime.settings.model_files_kept)
                     if row["stored"]]
        deleted = delete_files(connection, [row["version"] for row in past_kept])
    lines = _drop_copies(runtime, past_kept)
    if deleted:
        lines.insert(0, f"Deleted the stored files of {deleted} older model version(s), keeping the active one and "
                        f"the {runtime.settings.model_files_kept} newest (OPTIOR_MODEL_FILES_KEPT).")
    return lines


def _drop_copies(runtime: Runtime, rows: list[dict]) -> list[str]:
    """Remove this server's copies of these versions' files; lines for those that could not be removed."""
    folder = runtime.settings.model_dir
    return [f"Could not remove the old model file of version {row['version']} from {folder}."
            for row in rows if not remove_copy(folder, row["version"], row["file_name"])]
