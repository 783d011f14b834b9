"""The shared terms: text limits match the database columns, rooms sort as people read them and are named one way."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import String

from optior.db.schema import metadata
from optior.figures.metrics import utilization_heatmap
from optior.vocabulary import TEXT_LIMITS, natural_room_key, room_label


def test_every_text_field_is_stored_in_columns_exactly_as_long_as_its_limit():
    lengths: dict[str, set[int]] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            if column.name in TEXT_LIMITS:
                assert isinstance(column.type, String), f"{table.name}.{column.name}"
                lengths.setdefault(column.name, set()).add(column.type.length)
    assert lengths == {field: {limit} for field, limit in TEXT_LIMITS.items()}


@pytest.mark.parametrize(("stored", "shown"), [
    ("1", "OR 1"), ("12", "OR 12"), ("OR 1", "OR 1"), ("OR-77", "OR-77"), ("Room 3", "Room 3"),
    ("Hybrid OR", "Hybrid OR"), ("1A", "1A"), ("²", "²"), ("<b>5</b>", "<b>5</b>"),
])
def test_a_bare_number_is_named_as_an_or_and_any_other_name_as_stored(stored, shown):
    assert room_label(stored) == shown


def test_rooms_sort_by_their_numbers_then_text_and_no_name_breaks_the_order():
    rooms = ["OR 10", "Room 3", "OR 9", "10", "OR 1", "9", "²", "OR 01", "or 2", "١٢"]
    assert sorted(rooms, key=natural_room_key) == ["9", "10", "OR 01", "OR 1", "OR 9", "OR 10", "Room 3", "or 2",
                                                   "²", "١٢"]
    assert sorted(reversed(rooms), key=natural_room_key) == sorted(rooms, key=natural_room_key)


def test_the_utilization_heatmap_lists_rooms_in_the_same_order_as_the_metrics_tables():
    cells = pd.DataFrame({"room": ["OR 10", "OR 9A", "2"], "day": ["2026-12-01"] * 3,
                          "raw_utilization_pct": [50.0, 60.0, 70.0]})
    assert utilization_heatmap(cells)["data"][0]["y"] == ["OR 2", "OR 9A", "OR 10"]
