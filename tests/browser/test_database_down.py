"""A page opened while the database is down says so in its body, and reloads itself once the database is back."""

from __future__ import annotations

import pytest

from optior.config import Settings
from optior.db.engine import Database
from optior.services.runtime import Runtime
from tests.browser.conftest import console_errors
from tests.test_database_unavailable import NOWHERE, serving

pytestmark = pytest.mark.browser


def test_a_page_explains_a_database_outage_and_comes_back_by_itself(dash_duo, open_app, optior_app):
    open_app("/data", "#data-upload")
    with serving(optior_app, Runtime(settings=Settings(database_url=NOWHERE), db=Database(NOWHERE))):
        dash_duo.driver.get(dash_duo.server_url + "/predict")
        dash_duo.wait_for_contains_text("#_pages_content", "The database is not reachable", timeout=20)
        dash_duo.wait_for_contains_text("#shell-status-banner", "cannot be reached", timeout=10)
        assert dash_duo.find_elements("#predict-submit") == []
        assert dash_duo.driver.title == "Database unavailable · OptiOR"
    dash_duo.wait_for_element("#predict-submit", timeout=30)  # the next poll finds the database and reloads
    assert "cannot be reached" not in dash_duo.find_element("#shell-status-banner").text
    assert dash_duo.driver.title.startswith("Predict")
    errors = console_errors(dash_duo)
    assert errors == [], "\n".join(e["message"][:400] for e in errors)
