"""Model files: atomic saves, the card beside the model, refusal of tampered or missing files."""

from __future__ import annotations

import json
from datetime import datetime

import joblib
import pytest

from optior.errors import ModelUnavailable
from optior.ml import registry
from optior.ml.registry import file_sha256, load_model, new_version, save_model, serialise_model


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts like a new process: nothing loaded yet."""
    load_model.cache_clear()
    yield
    load_model.cache_clear()


def _save(model_dir, payload, version=None):
    version = version or new_version(datetime(2026, 11, 29, 10, 15))
    return save_model(model_dir, version=version, content=serialise_model(payload), card={"version": version})


def test_save_writes_the_model_and_a_card_with_its_checksum(tmp_path):
    card = _save(tmp_path, {"weights": [1, 2, 3]})
    model_path = tmp_path / card["file_name"]
    assert card["version"] in card["file_name"]
    assert card["sha256"] == file_sha256(model_path)
    assert json.loads((tmp_path / f"model-{card['version']}.json").read_text()) == card
    assert load_model(model_path, card["sha256"]) == {"weights": [1, 2, 3]}
    assert not list(tmp_path.glob(".*.tmp"))


def test_versions_sort_by_time_and_never_collide():
    early = [new_version(datetime(2026, 11, 29, 10, 15)) for _ in range(50)]
    later = new_version(datetime(2026, 11, 29, 10, 16))
    assert len(set(early)) == 50
    assert all(version < later for version in early)


def test_a_crash_while_saving_leaves_no_half_written_model(tmp_path, monkeypatch):
    previous = _save(tmp_path, {"weights": [1]}, version="20261129T100000-aaaaaa")

    def disk_full(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(registry.os, "fsync", disk_full)  # the bytes are written, not yet in place
    with pytest.raises(OSError, match="disk full"):
        _save(tmp_path, {"weights": [2]}, version="20261129T110000-bbbbbb")

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model-20261129T100000-aaaaaa.joblib", "model-20261129T100000-aaaaaa.json",
    ]
    assert load_model(tmp_path / previous["file_name"], previous["sha256"]) == {"weights": [1]}


def test_a_tampered_model_file_is_refused(tmp_path):
    card = _save(tmp_path, {"weights": [1, 2, 3]})
    path = tmp_path / card["file_name"]
    with path.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        load_model(path, card["sha256"])


def test_a_swapped_model_file_is_refused_even_if_it_is_a_valid_pickle(tmp_path):
    card = _save(tmp_path, {"weights": [1, 2, 3]})
    path = tmp_path / card["file_name"]
    joblib.dump({"weights": "someone else's"}, path)
    with pytest.raises(ModelUnavailable, match="does not match its recorded SHA-256"):
        load_model(path, card["sha256"])


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    card = _save(tmp_path, {"weights": [1]})
    (tmp_path / card["file_name"]).unlink()
    with pytest.raises(ModelUnavailable, match="missing"):
        load_model(tmp_path / card["file_name"], card["sha256"])


def test_a_loaded_version_is_reused_and_a_new_version_is_loaded_fresh(tmp_path):
    first = _save(tmp_path, {"weights": [1]}, version="20261129T100000-aaaaaa")
    second = _save(tmp_path, {"weights": [2]}, version="20261129T110000-bbbbbb")
    loaded = load_model(tmp_path / first["file_name"], first["sha256"])
    assert load_model(tmp_path / first["file_name"], first["sha256"]) is loaded
    assert load_model(tmp_path / second["file_name"], second["sha256"]) == {"weights": [2]}
