"""A database error while a prediction is saved never puts its case label (maybe a patient's name) in the log."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from tests.test_api_predict import CASE

pytest_plugins = ("tests.test_api_support",)

LABEL = "Jane Q. Patient MRN-99"

# A trigger that makes every insert into predictions fail, as a full disk or a bad byte would.
BLOCK = {
    "sqlite": ["CREATE TRIGGER block_predictions BEFORE INSERT ON predictions "
               "BEGIN SELECT RAISE(ABORT, 'predictions are blocked'); END"],
    "postgresql": ["CREATE OR REPLACE FUNCTION block_predictions() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'predictions are blocked'; END $$ LANGUAGE plpgsql",
                   "CREATE TRIGGER block_predictions BEFORE INSERT ON predictions "
                   "FOR EACH ROW EXECUTE FUNCTION block_predictions()"],
}
UNBLOCK = {
    "sqlite": ["DROP TRIGGER block_predictions"],
    "postgresql": ["DROP TRIGGER block_predictions ON predictions", "DROP FUNCTION block_predictions()"],
}


@pytest.fixture
def blocked_predictions(trained_runtime):
    dialect = trained_runtime.db.engine.dialect.name
    with trained_runtime.db.engine.begin() as connection:
        for statement in BLOCK[dialect]:
            connection.execute(text(statement))
    yield trained_runtime
    with trained_runtime.db.engine.begin() as connection:
        for statement in UNBLOCK[dialect]:
            connection.execute(text(statement))


def test_a_failed_prediction_log_write_keeps_the_label_out_of_the_log(trained_api_client, blocked_predictions, caplog):
    with caplog.at_level(logging.DEBUG):
        response = trained_api_client.post("/api/predict", json={**CASE, "label": LABEL})
    assert response.status_code >= 500 and LABEL not in response.get_data(as_text=True)
    assert "predictions are blocked" in caplog.text  # the error itself was logged, with its traceback
    assert LABEL not in caplog.text
