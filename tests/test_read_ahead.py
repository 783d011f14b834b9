"""read_ahead: the same items in the same order, the producer's errors in the caller, no thread left behind."""

from __future__ import annotations

import threading

import pytest

from optior.services.read_ahead import read_ahead


def test_items_arrive_in_order_and_all_of_them():
    with read_ahead(iter(range(1000))) as items:
        assert list(items) == list(range(1000))


def test_an_error_while_producing_reaches_the_caller_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise ValueError("line 7 is not CSV")

    seen = []
    with pytest.raises(ValueError, match="line 7"), read_ahead(failing()) as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_producer():
    def endless():
        number = 0
        while True:
            yield number
            number += 1

    with read_ahead(endless()) as items:
        assert next(items) == 0
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]
