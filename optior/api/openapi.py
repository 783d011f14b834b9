"""The OpenAPI 3.1 document, generated from the route table's Operations and their pydantic models.

apispec assembles the document (paths, components, security schemes, and refuses a component named twice);
pydantic writes every schema from the models the views validate and serialise with, so the description
cannot drift from the code. Query models become query parameters field by field; array fields are repeated
parameters (?room=OR 1&room=OR 2).

apispec rather than spectree or flask-openapi3: it only generates. Those two validate requests themselves
(answering 422 in their own shape, and flask-openapi3 replaces Flask's app and blueprint classes), while this
API keeps its own 400/404/405/413/415 contract, its own routing of unknown /api paths and its own messages.
"""

from __future__ import annotations

from collections.abc import Iterable

from apispec import APISpec
from pydantic import BaseModel

from optior.api.model_schemas import component_schemas
from optior.api.operation import Operation
from optior.api.request_models import repeated_fields
from optior.api.response_models import Error, InternalError
from optior.config import Settings
from optior.services.access import ADMIN_TOKEN_VARIABLE
from optior.units import file_size

TITLE, VERSION, OPENAPI_VERSION = "OptiOR API", "1.0.0", "3.1.0"
DESCRIPTION = (
    "Operating-room analytics and surgery-duration prediction. JSON in and out; dates are ISO 8601 (YYYY-MM-DD), "
    "times are naive local hospital time, durations are minutes. Every 4xx body is {\"error\": ..., \"details\": ...}."
)
ALWAYS = (500, 503)  # any operation may fail unexpectedly or find the database unreachable
ADMIN_SECURITY: list[dict[str, list[str]]] = [{"adminToken": []}, {}]
ADMIN_NOTE = (
    f" Changes data: when {ADMIN_TOKEN_VARIABLE} is set it needs 'Authorization: Bearer <token>' (401 "
    "otherwise); when it is not set and the server listens on a non-loopback address it is refused (403)."
)


def _shared_responses(settings: Settings) -> dict[int, tuple[type[BaseModel], str]]:
    return {
        400: (Error, "Bad input; `details.field` names the parameter or body field."),
        401: (Error, "The admin token is missing or wrong."),
        403: (Error, f"Not allowed: data changes are switched off here (set {ADMIN_TOKEN_VARIABLE}), the signed-in "
                     "user is not an administrator, or a browser sent it from another site."),
        404: (Error, "No such resource (e.g. job)."),
        409: (Error, "Another import or retrain is running, or no model is trained yet."),
        413: (Error, f"The body is larger than allowed (uploads: {file_size(settings.max_upload_bytes)})."),
        415: (Error, "The body has a content type this endpoint does not take."),
        422: (Error, "A strict import rejected rows; nothing was written (`details.report`)."),
        500: (InternalError, "Unexpected error: logged under `error_id`."),
        503: (Error, "The database cannot be reached right now; retry shortly."),
    }


def _json(model: type[BaseModel], description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _without_null(schema: dict) -> dict:
    """An optional parameter's schema without its null branch: a query parameter is absent, never null."""
    branches = [branch for branch in schema.get("anyOf", ()) if branch != {"type": "null"}]
    if len(branches) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**branches[0], **rest}


def query_parameters(model: type[BaseModel]) -> list[dict]:
    """One query parameter per field of the model, with its schema, description and whether it is required."""
    schema = model.model_json_schema()
    required, repeated = set(schema.get("required", ())), repeated_fields(model)
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = {key: value for key, value in field_schema.items() if key not in {"title", "default"}}
        description = field_schema.pop("description", "")
        parameter = {"name": name, "in": "query", "required": name in required, "description": description,
                     "schema": _without_null(field_schema)}
        if name in repeated:
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter)
    return parameters


def _request_body(operation: Operation) -> dict | None:
    if operation.body is not None:
        return {"required": True, "content": {"application/json": {"schema": _ref(operation.body)}}}
    if operation.upload is not None:
        return {"required": False, "content": {"multipart/form-data": {"schema": _ref(operation.upload)},
                                               "text/csv": {"schema": {"type": "string"}}}}
    return None


def _operation(operation: Operation) -> dict:
    """The OpenAPI operation object: parameters, body, its own responses, then references to shared ones."""
    responses: dict[str, object] = {"200": {"description": operation.result_description,
                                            "content": {"application/json": {"schema": {"type": "object"}}}}}
    if operation.result is not None:
        responses["200"] = _json(operation.result, operation.result_description)
    for status, (model, description) in operation.responses.items():
        responses[str(status)] = _json(model, description)
    for status in (*operation.errors, *ALWAYS):
        responses.setdefault(str(status), {"$ref": f"#/components/responses/{status}"})
    document: dict[str, object] = {"operationId": operation.operation_id, "summary": operation.summary,
                                   "responses": responses}
    description = operation.description + (ADMIN_NOTE if operation.admin else "")
    if description:
        document["description"] = description.strip()
    if operation.admin:
        document["security"] = ADMIN_SECURITY
    if operation.query is not None:
        document["parameters"] = query_parameters(operation.query)
    body = _request_body(operation)
    if body is not None:
        document["requestBody"] = body
    return document


def _models(operations: Iterable[Operation]) -> tuple[tuple[type[BaseModel], ...], tuple[type[BaseModel], ...]]:
    """The models clients send (bodies) and get (results, responses), each once, in route order."""
    operations = tuple(operations)
    requests = [model for op in operations for model in (op.body, op.upload) if model is not None]
    results: list[type[BaseModel]] = [Error, InternalError]
    for op in operations:
        results += [model for model in (op.result, *(model for model, _ in op.responses.values())) if model]
    return tuple(dict.fromkeys(requests)), tuple(dict.fromkeys(results))


def openapi_document(settings: Settings, routes: Iterable[tuple[str, str, Operation]]) -> dict:
    """The document for (path, method, operation) routes; the upload limit comes from settings."""
    routes = list(routes)
    spec = APISpec(title=TITLE, version=VERSION, openapi_version=OPENAPI_VERSION,
                   info={"description": DESCRIPTION})
    requests, results = _models(operation for _, _, operation in routes)
    for name, schema in component_schemas(requests=requests, results=results).items():
        spec.components.schema(name, schema)
    for status, (model, description) in _shared_responses(settings).items():
        spec.components.response(str(status), _json(model, description))
    spec.components.security_scheme(
        "adminToken", {"type": "http", "scheme": "bearer", "description": f"The value of {ADMIN_TOKEN_VARIABLE}."}
    )
    by_path: dict[str, dict[str, dict]] = {}
    for path, method, operation in routes:
        by_path.setdefault(path, {})[method.lower()] = _operation(operation)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
