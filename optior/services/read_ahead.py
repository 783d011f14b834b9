"""Produce an iterator's next item in a thread while the caller works on the current one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

Item = TypeVar("Item")
_END = object()
_WAIT_S = 0.5  # how often a blocked producer checks whether the consumer has gone


@contextmanager
def read_ahead(items: Iterator[Item]) -> Iterator[Iterator[Item]]:
    """An iterator over items, one item ahead: a thread computes the next while the caller uses this one.

    Worth it only where the caller mostly waits outside Python (a database server's work); the producer's
    exceptions surface in the caller's loop. Leaving the block stops the thread, finished or not.
    """
    ready: queue.Queue = queue.Queue(maxsize=1)
    stopped = threading.Event()

    def offer(entry: tuple) -> bool:
        while not stopped.is_set():
            try:
                ready.put(entry, timeout=_WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    return
            offer((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            offer((_END, error))

    def consume() -> Iterator[Item]:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item

    producer = threading.Thread(target=produce, name="read-ahead", daemon=True)
    producer.start()
    try:
        yield consume()
    finally:
        stopped.set()
        producer.join()
