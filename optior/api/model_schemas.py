"""OpenAPI schemas generated from the typed request and result models (pydantic), with refs into components."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

REF_TEMPLATE = "#/components/schemas/{model}"


def component_schemas(*, requests: tuple[type[BaseModel], ...], results: tuple[type[BaseModel], ...]) -> dict:
    """Each model's JSON schema (and every model it refers to) by name, as components.schemas wants them.

    Requests are described as validated (what a client may send), results as serialised (what it gets).
    """
    schemas: dict[str, dict] = {}
    passes: tuple[tuple[tuple[type[BaseModel], ...], JsonSchemaMode], ...] = (
        (requests, "validation"), (results, "serialization"))
    for models, mode in passes:
        for model in models:
            schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
    return schemas
