"""File sizes in messages: the unit fits the number, so a limit of a few KB never reads "0 MB"."""

from __future__ import annotations

import pytest

from optior.services.runtime import Runtime
from optior.units import file_size
from tests.test_api_data import csv_bytes, upload
from tests.test_api_support import api_app
from tests.test_database_unavailable import serving

KB, MB, GB = 1024, 1024**2, 1024**3


@pytest.mark.parametrize(
    ("size", "said"),
    [(0, "0 bytes"), (1, "1 byte"), (1023, "1,023 bytes"), (KB, "1 KB"), (1500, "1.46 KB"), (10 * KB, "10 KB"),
     (10_485, "10.2 KB"), (MB - 1, "1 MB"), (200 * MB, "200 MB"), (int(1.5 * GB), "1.5 GB"), (5000 * GB, "5,000 GB")],
)
def test_a_size_is_said_in_the_largest_unit_it_reaches(size, said):
    assert file_size(size) == said


def test_an_upload_over_a_limit_of_a_few_kb_is_refused_in_kb(runtime):
    data = csv_bytes(60)
    assert 10 * KB < len(data) < 11 * KB
    client = api_app(runtime, max_upload_mb=10 / 1024).test_client()
    response = client.post("/api/seed", **upload(data))  # inside the multipart allowance: the file check refuses
    assert response.status_code == 413
    assert response.get_json()["error"] == f"The file is {len(data) / KB:.1f} KB; the limit is 10 KB."


def test_the_data_page_states_a_limit_under_one_mb_in_kb(optior_app, runtime):
    from optior.pages import data

    small = Runtime(settings=runtime.settings.with_changes(max_upload_mb=0.5), db=runtime.db)
    with serving(optior_app, small):
        card = data._upload_card()
    assert "Up to 512 KB." in str(card) and "max_size=524288" in str(card)
