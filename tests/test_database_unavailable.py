"""A database that cannot be reached: a clear 503 and message, never a stack trace, and recovery after.

The page tests call the session app's Dash callbacks over HTTP as the browser does, with the app's runtime
swapped for one whose database is unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dash
import pytest
from dash import Dash

from benchmarks.harness.serving import output_spec
from optior.api import register_api
from optior.components.retrain import MODEL_BADGE, RETRAIN_MESSAGE
from optior.components.status_banner import BANNER, HEALTH_POLL, PAGE_CONTENT, PAGE_STORE, RELOAD
from optior.config import Settings
from optior.db.engine import Database
from optior.errors import DatabaseUnavailable
from optior.services.analytics import data_extent
from optior.services.runtime import Runtime
from optior.web.context import attach_runtime, current_runtime
from tests.page_requests import callback_headers

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=2"
PAGE_LOCATION = "_pages_location"


@pytest.fixture
def unreachable() -> Runtime:
    return Runtime(settings=Settings(database_url=NOWHERE), db=Database(NOWHERE))


@contextmanager
def serving(app: Dash, runtime: Runtime) -> Iterator[None]:
    """The session app with runtime in place of its own, inside a request context; its own is put back after."""
    server = app.server
    with server.app_context():
        own = current_runtime()
    attach_runtime(server, runtime)
    try:
        with server.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            yield
    finally:
        attach_runtime(server, own)


def _outputs(callback: dict) -> list[str]:
    spec = output_spec(callback["output"])
    return [f"{s['id']}.{s['property']}" for s in (spec if isinstance(spec, list) else [spec])]


def fire(client, output: str, values: dict[str, object]):
    """POST the server callback that fills `output` ('id.property') with these inputs, as dash-renderer does."""
    callbacks = client.get("/_dash-dependencies").get_json()
    (callback,) = [c for c in callbacks if output in _outputs(c) and not c.get("clientside_function")]
    inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in callback["inputs"]]
    return client.post("/_dash-update-component", json={
        "output": callback["output"], "outputs": output_spec(callback["output"]), "inputs": inputs, "state": [],
        "changedPropIds": list(values),
    }, headers=callback_headers(client))


@pytest.fixture
def dash_client(optior_app):
    """A test client of the session app that has loaded a page once (Dash builds its page router then)."""
    client = optior_app.server.test_client()
    assert client.get("/").status_code == 200
    return client


def open_page(client, path: str) -> dict:
    """What the page router answers for path: its outputs and the props set beside them."""
    answer = fire(client, f"{PAGE_CONTENT}.children", {f"{PAGE_LOCATION}.pathname": path,
                                                        f"{PAGE_LOCATION}.search": ""})
    assert answer.status_code == 200
    return answer.get_json()


def test_services_raise_a_clear_error_not_a_driver_error(unreachable):
    with pytest.raises(DatabaseUnavailable) as raised:
        data_extent(unreachable)
    assert "cannot be reached" in raised.value.message
    assert unreachable.db.reachable() is False


def test_health_and_read_endpoints_answer_503_json(unreachable):
    from flask import Flask

    server = Flask("down")
    attach_runtime(server, unreachable)
    register_api(server)
    client = server.test_client()
    health = client.get("/api/health")
    assert health.status_code == 503 and health.get_json()["details"] == {"database": "unreachable"}
    schedule = client.get("/api/schedule?date=2026-09-30")
    assert schedule.status_code == 503 and "Traceback" not in schedule.get_data(as_text=True)


def test_a_working_database_is_reachable(runtime):
    assert runtime.db.reachable() is True


def props_of(layout, component_id: str) -> dict | None:
    """The properties of the component with this id in a layout as JSON, or None."""
    if isinstance(layout, dict):
        props = layout.get("props", {})
        if props.get("id") == component_id:
            return props
        layout = list(props.values()) if "props" in layout else list(layout.values())
    for child in layout if isinstance(layout, list) else []:
        if (found := props_of(child, component_id)) is not None:
            return found
    return None


def test_a_healthy_page_does_not_poll_the_database(dash_client):
    assert props_of(dash_client.get("/_dash-layout").get_json(), HEALTH_POLL)["disabled"] is True
    answer = open_page(dash_client, "/predict")
    assert "sideUpdate" not in answer and "Predict a case" in str(answer["response"][PAGE_CONTENT])


def test_every_page_opened_while_the_database_is_down_says_so_in_its_body_and_polls(optior_app, dash_client,
                                                                                    unreachable):
    paths = [page["relative_path"] for page in dash.page_registry.values()]
    assert "/" in paths and "/plan" in paths
    for path in paths:
        with serving(optior_app, unreachable):
            shown = open_page(dash_client, path)["sideUpdate"]
        body = str(shown[PAGE_CONTENT]["children"])
        assert "The database is not reachable" in body and "reloads by itself" in body, path
        assert "administrator" in body, path
        assert "cannot be reached" in str(shown[BANNER]["children"]), path
        assert shown[HEALTH_POLL] == {"disabled": False}, path
        assert shown[PAGE_STORE] == {"data": {"title": "Database unavailable · OptiOR"}}, path


def test_a_failing_callback_on_a_built_page_shows_the_banner_and_polls_but_keeps_the_body(optior_app, dash_client,
                                                                                        unreachable):
    with serving(optior_app, unreachable):
        answer = fire(dash_client, f"{MODEL_BADGE}.children", {f"{RETRAIN_MESSAGE}.children": None})
    shown = answer.get_json()["sideUpdate"]
    assert "cannot be reached" in str(shown[BANNER]["children"]) and shown[HEALTH_POLL] == {"disabled": False}
    assert PAGE_CONTENT not in shown and PAGE_STORE not in shown


def test_the_poll_waits_while_the_database_is_down_and_reloads_the_page_once_it_answers(optior_app, dash_client,
                                                                                       unreachable):
    with serving(optior_app, unreachable):
        assert fire(dash_client, f"{HEALTH_POLL}.disabled", {f"{HEALTH_POLL}.n_intervals": 1}).status_code == 204
    back = fire(dash_client, f"{HEALTH_POLL}.disabled", {f"{HEALTH_POLL}.n_intervals": 2})
    assert back.get_json()["response"] == {HEALTH_POLL: {"disabled": True}, RELOAD: {"data": True}}
    reloads = [c for c in dash_client.get("/_dash-dependencies").get_json()
               if c.get("clientside_function") and c["inputs"] == [{"id": RELOAD, "property": "data"}]]
    assert len(reloads) == 1


FIRST_REQUEST_WHILE_DOWN = """
import json, sys
from optior.config import Settings
from optior.db.engine import Database
from optior.services.runtime import Runtime
from optior.app import create_app
from optior.web.context import attach_runtime

app = create_app(Settings(database_url=sys.argv[1], model_dir=sys.argv[2], auto_seed=False))
attach_runtime(app.server, Runtime(settings=Settings(database_url=sys.argv[3]), db=Database(sys.argv[3])))
client = app.server.test_client()
print(json.dumps({"status": client.get("/").status_code}))
"""


def test_a_new_process_whose_first_request_meets_a_database_outage_still_serves_the_page(tmp_path):
    """Dash sets up its page router on the first request; an outage then must not turn that request into a 500."""
    import json
    import subprocess
    import sys

    from optior.config import PROJECT_ROOT

    finished = subprocess.run(
        [sys.executable, "-c", FIRST_REQUEST_WHILE_DOWN, f"sqlite:///{tmp_path / 'up.db'}", str(tmp_path), NOWHERE],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert json.loads(finished.stdout.splitlines()[-1]) == {"status": 200}
