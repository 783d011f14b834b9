"""Model files: versioned names, atomic saves with a JSON card beside, and loading only on a matching SHA-256.

The database holds every version's bytes (optior.services.model_files); a folder of these files is one server's
cache of them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import secrets
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import joblib

from optior.errors import ModelUnavailable
from optior.ml.model import FORMAT_VERSION, TrainedModel
from optior.ml.model_file import card_file_name, content_sha256, file_sha256, model_file_name, version_path

# Loaded models per process, keyed by file path (which carries the version) and SHA-256; never "the current model".
LOADED_MODELS_KEPT = 2
# A save takes seconds; a temporary file this old was left by a process killed while saving.
STALE_TEMPORARY_S = 3600


def new_version(now: datetime) -> str:
    """A sortable, unique version name such as 20261129T101500-3fa9c1."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def _write_atomically(path: Path, write) -> None:
    """Write through `write(handle)` to a temporary file in the same folder, then rename it into place."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _remove_stale_temporaries(model_dir: Path) -> None:
    """Delete the half-written files of saves that were killed part-way (an hour or more ago)."""
    cutoff = time.time() - STALE_TEMPORARY_S
    for leftover in model_dir.glob(".model-*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except FileNotFoundError:
            continue


def serialise_model(model: TrainedModel) -> bytes:
    """The model as the bytes of a joblib file (what is stored, cached and checksummed)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getvalue()


class CachedFileUnusable(ModelUnavailable):
    """The model file is missing, unreadable or not the recorded one: a copy from the database can replace it."""


class CopyMismatch(ModelUnavailable):
    """The bytes offered as a copy of a model file do not match its recorded SHA-256 (nothing was written)."""


def cache_model_file(model_dir: Path, file_name: str, pieces: Iterable[bytes], sha256: str) -> Path:
    """Write the pieces as the folder's copy of a model file and return its path; never half-written, and put in
    place (replacing whatever is there) only when together they match `sha256` (else CopyMismatch)."""
    digest = hashlib.sha256()

    def write(handle) -> None:
        for piece in pieces:
            digest.update(piece)
            handle.write(piece)
        if digest.hexdigest() != sha256:
            raise CopyMismatch(f"The copy of the model file {file_name} does not match its recorded SHA-256.",
                               {"file": file_name})

    model_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(model_dir)
    path = version_path(model_dir, file_name)
    _write_atomically(path, write)
    return path


def save_model(model_dir: Path, *, version: str, content: bytes, card: dict) -> dict:
    """Save a serialised model and its card (never half-written); return the card with file name and SHA-256."""
    sha256 = content_sha256(content)
    model_path = cache_model_file(model_dir, model_file_name(version), [content], sha256)
    card = {**card, "file_name": model_path.name, "sha256": sha256}
    text = json.dumps(card, indent=2, sort_keys=False).encode()
    _write_atomically(model_dir / card_file_name(version), lambda handle: handle.write(text))
    return card


# What unpickling a file with the right checksum can still raise: a scikit-learn or OptiOR version it was not
# saved with (missing module or attribute, changed layout), or a read error.
_LOAD_ERRORS = (OSError, EOFError, pickle.UnpicklingError, ImportError, AttributeError, ValueError, TypeError)


@lru_cache(maxsize=LOADED_MODELS_KEPT)
def load_model(path: Path, sha256: str) -> TrainedModel:
    """Load a saved model only if the file's SHA-256 matches the recorded one (joblib files are pickles)."""
    if not path.is_file():
        raise CachedFileUnusable(
            f"The model file {path.name} is missing from {path.parent}; restore it or retrain.",
            {"file": str(path)},
        )
    try:
        matches = file_sha256(path) == sha256
    except OSError as error:
        raise CachedFileUnusable(
            f"The model file {path.name} could not be read ({error.strerror}); check its permissions or retrain.",
            {"file": str(path)},
        ) from None
    if not matches:
        raise CachedFileUnusable(
            f"The model file {path.name} does not match its recorded SHA-256, so it was not loaded; "
            "restore the original file or retrain.",
            {"file": str(path)},
        )
    try:
        model = joblib.load(path)
    except _LOAD_ERRORS as error:
        raise ModelUnavailable(
            f"The model file {path.name} could not be loaded ({type(error).__name__}); it was probably saved by "
            "another version of OptiOR or scikit-learn: retrain.",
            {"file": str(path)},
        ) from None
    # Format 1 (P10/P90 ratios only) still loads: its quantiles follow its range and say so.
    saved_format = getattr(model, "format_version", None)
    if isinstance(model, TrainedModel) and saved_format > FORMAT_VERSION:
        raise ModelUnavailable(
            f"The model file {path.name} has model format {saved_format}, which this version of OptiOR does not "
            f"read (it reads formats 1 to {FORMAT_VERSION}); upgrade OptiOR or retrain.",
            {"file": str(path), "format_version": saved_format},
        )
    return model
