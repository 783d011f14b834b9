"""At every process start: store the model files of this server's folder that the database lacks.

Versions recorded before the database kept model files may have their file only on the machine that trained them;
once that machine's server starts, every server can load them. Imports no model library (the CLI's data commands
build a runtime and stay light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optior.db.model_files import store_file_unless_stored, versions_without_file
from optior.ml.model_file import content_sha256, version_path

if TYPE_CHECKING:  # runtime.py calls this while building a Runtime
    from optior.services.runtime import Runtime


def store_files_the_database_lacks(runtime: Runtime) -> list[str]:
    """Store this server's copies of versions the database has no file for; return lines saying what was stored,
    or that the active version is still without a file."""
    with runtime.db.read() as connection:
        lacking = versions_without_file(connection)
    lines = []
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

