"""API views over the stored cases: health, seed (import a CSV or the sample) and clear."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO

from flask import Response, request
from werkzeug.utils import secure_filename

from optior.api.auth import admin_only
from optior.api.errors import ApiError, error_response
from optior.api.operation import Operation
from optior.api.request_models import FORM_TYPES, ImportFlags, SeedUpload, form_or_query
from optior.api.response_models import ClearResult, Health, SeedResult
from optior.api.serialize import json_response
from optior.errors import DatabaseUnavailable, InvalidInput
from optior.services.data_admin import case_count, clear_cases
from optior.services.importing import import_cases
from optior.services.training import active_model_card
from optior.units import file_size
from optior.web.context import current_runtime

UPLOAD_FIELD = "file"
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


def health() -> Response:
    """Is the database reachable and writable, how many cases does it hold, which model answers predictions."""
    runtime = current_runtime()
    try:
        cases, card = case_count(runtime), active_model_card(runtime)
        read_only = runtime.db.read_only_reason()
    except DatabaseUnavailable as error:
        return error_response(503, error.message, {"database": "unreachable"})
    if read_only:
        return error_response(503, read_only, {"database": "read-only"})
    version = card["version"] if card else None
    return json_response(Health(status="ok", database="ok", cases=cases, model_version=version))


def _check_size(stream: IO[bytes]) -> None:
    """Refuse an uploaded file over the limit (the request limit also counts the multipart framing)."""
    limit = current_runtime().settings.max_upload_bytes
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size > limit:
        raise ApiError(
            413, f"The file is {file_size(size)}; the limit is {file_size(limit)}.",
            {"field": UPLOAD_FIELD, "size_bytes": size, "limit_bytes": limit},
        )


def _spooled_body() -> IO[bytes]:
    """The CSV request body copied to a (seekable) spooled temporary file; the parser reads it twice."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
    shutil.copyfileobj(request.stream, spool)
    spool.seek(0)
    return spool


def _uploaded_file() -> tuple[IO[bytes], str]:
    """The multipart field 'file' (its stream and a safe name); a form without it is refused."""
    upload = request.files.get(UPLOAD_FIELD)
    if upload is None:
        raise InvalidInput(
            f"Send the CSV as a file in the multipart field '{UPLOAD_FIELD}' (or send no body to import the "
            "bundled sample).",
            {"field": UPLOAD_FIELD, "received_files": sorted(request.files)[:10]},
        )
    _check_size(upload.stream)
    return upload.stream, secure_filename(upload.filename or "") or "upload.csv"


def _seed_source() -> tuple[Path | IO[bytes], str]:
    """Where the cases come from: the uploaded file, a CSV body, or (no body) the bundled sample."""
    if request.mimetype == "multipart/form-data":
        return _uploaded_file()
    if request.mimetype in CSV_TYPES:
        return _spooled_body(), "request body"
    if request.content_length and request.mimetype not in FORM_TYPES:
        raise ApiError(
            415,
            f"Send the CSV as multipart field '{UPLOAD_FIELD}' or as a text/csv body, "
            "or send no body to import the bundled sample.",
            {"field": UPLOAD_FIELD, "content_type": request.mimetype},
        )
    sample = current_runtime().settings.sample_csv
    return sample, sample.name


@admin_only
def seed() -> Response:
    """Import the uploaded CSV (or the bundled sample) and return the import report."""
    flags = form_or_query(ImportFlags)
    source, name = _seed_source()
    report = import_cases(current_runtime(), source=source, source_name=name, strict=flags.strict,
                          replace=flags.replace)
    if not report.written:
        raise ApiError(422, report.summary(), {"field": UPLOAD_FIELD, "report": report.to_dict()})
    accepted = report.inserted + report.updated + report.unchanged
    return json_response(SeedResult(message=report.summary(), count=accepted, report=report))


@admin_only
def clear() -> Response:
    """Delete every case; models and predictions are kept."""
    deleted = clear_cases(current_runtime())
    return json_response(ClearResult(message=f"Removed {deleted} cases.", deleted=deleted))


HEALTH = Operation("health", "Database reachable, number of cases, active model version.", Health, "Healthy.")
SEED = Operation(
    "seed", "Import an OR case CSV (upload or text/csv body), or the bundled sample when no body.",
    SeedResult, "Imported; rejected rows are listed in the report.",
    description="Returns the import report, with `message` and `count` kept for older clients.",
    query=ImportFlags, upload=SeedUpload, errors=(400, 401, 403, 409, 413, 415, 422), admin=True,
)
CLEAR = Operation("clear", "Delete every case (models and predictions are kept).", ClearResult, "Cleared.",
                  errors=(401, 403, 409), admin=True)
