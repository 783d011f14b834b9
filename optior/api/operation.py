"""How an endpoint is described: its models and words, kept beside its view; the OpenAPI document is built from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel


@dataclass(frozen=True)
class Operation:
    """One method on one path. `result` is the 200 body; `responses` adds other statuses (202, a specific 404)
    as (model, description); `errors` names the shared error responses it may give (500 and 503 always)."""

    operation_id: str
    summary: str
    result: type[BaseModel] | None
    result_description: str
    description: str = ""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    upload: type[BaseModel] | None = None  # a multipart form (or a text/csv body) instead of JSON
    responses: dict[int, tuple[type[BaseModel], str]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    admin: bool = False
