"""A model file's name, its place in a folder and its SHA-256: what the registry, the database copy and the start-up
check agree on (kept apart from the registry so that checking files does not load scikit-learn)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def model_file_name(version: str) -> str:
    return f"model-{version}.joblib"


def card_file_name(version: str) -> str:
    return f"model-{version}.json"


def version_path(model_dir: Path, file_name: str) -> Path:
    """Where a recorded model file lives (only the base name is taken from the record)."""
    return model_dir / Path(file_name).name


def remove_copy(model_dir: Path, version: str, file_name: str) -> bool:
    """Remove a version's model file and card from a folder, if there; False when either could not be removed."""
    removed = True
    for path in (version_path(model_dir, file_name), model_dir / card_file_name(version)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            removed = False
    return removed


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
