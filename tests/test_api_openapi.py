"""The OpenAPI document: valid, complete, and used by a bounded schemathesis run that finds no 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from optior.api.params import TEXT_LIMITS
from optior.services.runtime import Runtime
from optior.text_rules import SINGLE_LINE_PATTERN
from tests.test_api_support import TOKEN, api_app, bearer, trained

pytest_plugins = ("tests.test_api_support",)

IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
FUZZ = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# Schema-valid input can still be refused by rules a schema cannot express (an end before the start,
# a blank name, a date the service cannot use), so a 4xx for valid-looking data is not a failure here.
# Every other default check runs: no 5xx, documented status codes, content types, headers and bodies,
# and schema-violating input must get a 4xx.
NOT_CHECKED = [positive_data_acceptance]


def test_the_document_is_valid_openapi(api_client):
    response = api_client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_the_document_describes_exactly_the_served_endpoints(api_client):
    documented = {
        (path, method.upper())
        for path, operations in api_client.get("/api/openapi.json").get_json()["paths"].items()
        for method in operations
    }
    served = {
        (rule.rule, method)
        for rule in api_client.application.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - IMPLICIT_METHODS
    }
    assert documented == served


def test_the_document_names_the_required_prediction_fields(api_client):
    schemas = api_client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schemas["PredictRequest"]["required"] == ["service", "cpt_code", "or_suite", "date"]
    assert {"predicted_duration", "predicted_minutes", "p10_minutes", "p90_minutes", "model_version", "notes"} <= set(
        schemas["PredictResult"]["required"]
    )


def _parameters(document: dict, path: str) -> dict[str, dict]:
    return {parameter["name"]: parameter for parameter in document["paths"][path]["get"]["parameters"]}


def test_repeated_filters_are_arrays_of_single_line_text_within_the_column_limits(api_client):
    document = api_client.get("/api/openapi.json").get_json()
    for path in ("/api/metrics", "/api/analytics"):
        parameters = _parameters(document, path)
        for name in ("service", "room"):
            parameter = parameters[name]
            assert (parameter["style"], parameter["explode"], parameter["required"]) == ("form", True, False)
            items = parameter["schema"]["items"]
            assert (items["minLength"], items["maxLength"]) == (1, TEXT_LIMITS[name])
            assert items["pattern"] == SINGLE_LINE_PATTERN
        assert "1900-01-01" in parameters["start"]["description"] and "2099-12-31" in parameters["end"]["description"]


def test_every_schema_is_generated_from_a_model(api_client):
    """pydantic titles every schema it writes with the model's name; a hand-written component would lack it."""
    document = api_client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert {name: schema.get("title") for name, schema in schemas.items()} == {name: name for name in schemas}
    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                assert body["schema"]["$ref"].removeprefix("#/components/schemas/") in schemas


def test_a_prediction_answers_exactly_the_documented_fields(trained_api_client):
    schema = trained_api_client.get("/api/openapi.json").get_json()["components"]["schemas"]["PredictResult"]
    body = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "date": "2026-10-05",
            "booked_minutes": 150}
    answer = trained_api_client.post("/api/predict", json=body).get_json()
    assert set(answer) == set(schema["properties"]) == set(schema["required"])


@pytest.fixture
def read_schema(runtime: Runtime):
    """The schema served by the API on the sample quarter with a trained model."""
    app = api_app(trained(runtime), admin_token=TOKEN)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def admin_schema(sample_runtime: Runtime):
    """The schema served by a non-loopback API with an admin token, on the sample quarter."""
    app = api_app(sample_runtime, admin_token=TOKEN, host="0.0.0.0")
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


# retrain is left out: each call trains for seconds; tests/test_api_models.py covers it.
reads = schemathesis.pytest.from_fixture("read_schema").exclude(path_regex=r"^/api/(seed|clear|retrain)$")
admin = schemathesis.pytest.from_fixture("admin_schema").include(path_regex=r"^/api/(seed|clear)$")


@reads.parametrize()
@FUZZ
def test_read_and_predict_endpoints_conform_and_never_fail(case):
    case.call_and_validate(excluded_checks=NOT_CHECKED)


@admin.parametrize()
@FUZZ
def test_seed_and_clear_with_the_token_conform_and_never_fail(case):
    case.call_and_validate(headers=bearer(), excluded_checks=NOT_CHECKED)
