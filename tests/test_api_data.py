"""The data endpoints: health, seed (upload, CSV body, the sample) and clear."""

from __future__ import annotations

import io
from datetime import date

import pytest

from optior.config import SAMPLE_CSV
from optior.db.engine import Database
from optior.db.locks import job_lock
from optior.ingest.generator import generate_cases
from optior.services.runtime import Runtime
from tests.conftest import SAMPLE_COMPLETED_CASES
from tests.test_api_support import api_app

pytest_plugins = ("tests.test_api_support",)

# The sample's completed cases: its rows without actual times are scheduled cases, stored apart.


def csv_bytes(n_cases: int, *, seed: int = 7) -> bytes:
    return generate_cases(n_cases, seed=seed, start=date(2026, 3, 2)).to_csv(index=False).encode()


def upload(data: bytes, name: str = "cases.csv", field: str = "file", **form) -> dict:
    return {"data": {field: (io.BytesIO(data), name), **form}, "content_type": "multipart/form-data"}


def case_total(api_client) -> int:
    return api_client.get("/api/health").get_json()["cases"]


def test_health_reports_an_empty_database(api_client):
    response = api_client.get("/api/health")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok", "database": "ok", "cases": 0, "model_version": None}


@pytest.mark.parametrize(("method", "path"), [("get", "/api/health"), ("delete", "/api/clear")])
def test_an_unreachable_database_is_a_503_saying_so_without_internals(settings, method, path):
    unreachable = Runtime(settings=settings, db=Database("postgresql+psycopg://nobody@127.0.0.1:9/none"))
    response = getattr(api_app(unreachable).test_client(), method)(path)
    assert response.status_code == 503
    assert "cannot be reached" in response.get_json()["error"]
    assert "nobody" not in response.get_data(as_text=True)


def test_seed_without_a_body_imports_the_bundled_sample(api_client):
    response = api_client.post("/api/seed")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == SAMPLE_COMPLETED_CASES
    assert body["report"]["inserted"] == SAMPLE_COMPLETED_CASES
    assert body["report"]["source"] == SAMPLE_CSV.name
    assert "Read" in body["message"]
    assert case_total(api_client) == SAMPLE_COMPLETED_CASES


def test_seed_imports_an_uploaded_csv_and_reimporting_it_changes_nothing(api_client):
    data = csv_bytes(40)
    first = api_client.post("/api/seed", **upload(data)).get_json()
    assert (first["count"], first["report"]["inserted"], first["report"]["source"]) == (40, 40, "cases.csv")
    second = api_client.post("/api/seed", **upload(data)).get_json()
    assert (second["report"]["inserted"], second["report"]["unchanged"]) == (0, 40)
    assert case_total(api_client) == 40


def test_seed_takes_a_text_csv_body(api_client):
    response = api_client.post("/api/seed", data=csv_bytes(12), content_type="text/csv")
    assert response.status_code == 200
    assert response.get_json()["report"]["inserted"] == 12


def test_seed_replace_removes_earlier_cases_first(api_client):
    api_client.post("/api/seed", **upload(csv_bytes(30, seed=1)))
    other = generate_cases(5, seed=2, start=date(2025, 1, 6))
    other["Encounter ID"] += 900_000
    body = api_client.post("/api/seed?replace=true", **upload(other.to_csv(index=False).encode())).get_json()
    assert (body["report"]["replaced"], body["report"]["inserted"]) == (30, 5)
    assert case_total(api_client) == 5


def test_flags_can_also_be_form_fields(api_client):
    api_client.post("/api/seed", **upload(csv_bytes(10, seed=1)))
    body = api_client.post("/api/seed", **upload(csv_bytes(3, seed=3), replace="true")).get_json()
    assert body["report"]["replaced"] == 10


def test_rejected_rows_are_listed_with_their_line(api_client):
    lines = csv_bytes(5).decode().splitlines()
    lines[3] = lines[3].replace("/26", "/2x", 1)  # break the third case's date
    body = api_client.post("/api/seed", **upload("\n".join(lines).encode())).get_json()
    assert (body["count"], body["report"]["rejected"]) == (4, 1)
    assert body["report"]["rejections"][0]["line"] == 4


def test_strict_seed_with_a_bad_row_writes_nothing_and_says_422(api_client):
    lines = csv_bytes(5).decode().splitlines()
    lines[2] = lines[2].replace("/26", "/2x", 1)
    response = api_client.post("/api/seed?strict=true", **upload("\n".join(lines).encode()))
    assert response.status_code == 422
    body = response.get_json()
    assert "Nothing was imported" in body["error"]
    assert body["details"]["report"]["rejected"] == 1
    assert case_total(api_client) == 0


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"Name,Age\nA,1\n", "missing required columns"),
    ],
)
def test_an_unusable_file_is_a_400_saying_why(api_client, data, needle):
    response = api_client.post("/api/seed", **upload(data))
    assert response.status_code == 400
    assert needle in response.get_json()["error"]
    assert case_total(api_client) == 0


def test_a_file_in_the_wrong_field_is_refused_naming_the_field(api_client):
    response = api_client.post("/api/seed", **upload(csv_bytes(3), field="csv"))
    assert response.status_code == 400
    assert response.get_json()["details"]["field"] == "file"
    assert case_total(api_client) == 0


def test_a_bad_flag_is_a_400_naming_it(api_client):
    response = api_client.post("/api/seed?strict=maybe")
    assert response.status_code == 400
    assert response.get_json()["details"]["field"] == "strict"
    assert case_total(api_client) == 0


def test_a_json_body_is_refused_with_415(api_client):
    response = api_client.post("/api/seed", json={"file": "cases.csv"})
    assert response.status_code == 415
    assert response.get_json()["details"]["field"] == "file"


def test_an_oversized_upload_is_a_413_and_nothing_is_written(runtime):
    small = api_app(runtime, max_upload_mb=0.02).test_client()  # about 20 KB
    big = csv_bytes(200)
    assert len(big) > 0.02 * 1024 * 1024
    for response in (
        small.post("/api/seed", **upload(big)),
        small.post("/api/seed", data=big, content_type="text/csv"),
    ):
        assert response.status_code == 413
        assert response.mimetype == "application/json"
        assert "limit" in response.get_json()["error"]
    assert case_total(small) == 0


def test_a_file_just_over_the_limit_inside_the_multipart_allowance_is_still_refused(runtime):
    data = csv_bytes(60)
    limit_mb = (len(data) - 100) / 1024 / 1024
    response = api_app(runtime, max_upload_mb=limit_mb).test_client().post("/api/seed", **upload(data))
    assert response.status_code == 413
    assert response.get_json()["details"]["size_bytes"] == len(data)


def test_clear_deletes_every_case_and_says_how_many(sample_api_client):
    response = sample_api_client.delete("/api/clear")
    assert response.status_code == 200
    removed = SAMPLE_COMPLETED_CASES
    assert response.get_json() == {"message": f"Removed {removed} cases.", "deleted": removed}
    assert case_total(sample_api_client) == 0


def test_seed_and_clear_say_409_while_an_import_is_running(sample_api_client, sample_runtime):
    with job_lock(sample_runtime.db, "import", "data import"):
        for response in (sample_api_client.post("/api/seed"), sample_api_client.delete("/api/clear")):
            assert response.status_code == 409
            assert "already running" in response.get_json()["error"]
    assert case_total(sample_api_client) == SAMPLE_COMPLETED_CASES
