"""Case labels (they may name a patient) are seen only by the user who entered them, and by admins."""

from __future__ import annotations

import uuid
from datetime import datetime

import flask
import pytest

from optior.db.model_store import insert_prediction
from optior.services.prediction import recent_predictions
from optior.services.prediction_log import Viewer
from optior.services.users import User
from tests.test_page_callbacks import text_of


def log(runtime, label: str, entered_by: str | None) -> None:
    with runtime.db.transaction() as connection:
        insert_prediction(connection, created_at=datetime.now(), model_version="v1", inputs={"cpt_code": "27447"},
                          predicted_minutes=100.0, p10_minutes=80.0, p90_minutes=130.0, notes=[],
                          case_label=label, entered_by=entered_by)


def labels_seen(runtime, viewer: Viewer | None) -> set[str | None]:
    return {row["case_label"] for row in recent_predictions(runtime, viewer=viewer)}


def test_each_user_sees_their_own_labels_an_admin_all_and_a_shared_view_none(runtime):
    log(runtime, "Alice's patient", "alice")
    log(runtime, "Bob's patient", "bob")
    log(runtime, "Laptop patient", None)

    assert len(recent_predictions(runtime, viewer=Viewer("bob"))) == 3, "every row is listed"
    assert labels_seen(runtime, Viewer("bob")) == {"Bob's patient", None}
    assert labels_seen(runtime, Viewer("alice")) == {"Alice's patient", None}
    assert labels_seen(runtime, Viewer(None)) == {"Laptop patient", None}
    assert labels_seen(runtime, Viewer("root", is_admin=True)) == {"Alice's patient", "Bob's patient",
                                                                   "Laptop patient"}
    assert labels_seen(runtime, None) == {None}


@pytest.fixture
def as_user(optior_app):
    """Run a page function as a signed-in user (what the sign-in gate leaves in flask.g)."""

    def run(name: str, role: str, function, *args):
        with optior_app.server.test_request_context("/predict", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            flask.g.optior_user = User(name, role, "unused-hash")
            return function(*args)

    return run


def test_the_predict_page_shows_a_label_to_who_typed_it_and_to_admins_only(as_user):
    from optior.pages import predict

    label = f"Jane Roe {uuid.uuid4().hex[:8]}"
    result, *_ = as_user("alice", "viewer", predict.predict, 1, "2026-12-01", "07:30", "1", "Orthopedics",
                         "27447", None, 150, label)
    assert "Predicted" in text_of(result) or "min" in text_of(result)

    assert label in text_of(as_user("alice", "viewer", predict._recent))
    assert label in text_of(as_user("root", "admin", predict._recent))
    seen_by_bob = text_of(as_user("bob", "viewer", predict._recent))
    assert label not in seen_by_bob
    assert "27447" in seen_by_bob, "the prediction itself is listed for everyone"
