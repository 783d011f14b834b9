"""What the benchmark records: timed runs, a measurement with its target, a comparison with the naive way."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from optior.errors import OptiORError


class BenchmarkError(OptiORError):
    """The benchmark cannot go on (a step failed or the database is not empty)."""


@dataclass(frozen=True)
class Runs:
    """Wall-clock and CPU seconds of each timed run, and the last run's result."""

    wall: list[float]
    cpu: list[float]
    result: object = None

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def mean_cpu(self) -> float:
        """Mean, not median: CPU clocks tick coarsely (10 ms for another process's)."""
        return statistics.fmean(self.cpu)


def timed(
    call: Callable[[], object], runs: int, *, warm_up: bool = True, cpu_clock: Callable[[], float] = time.process_time
) -> Runs:
    """Run call `runs` times (after one untimed warm-up run unless warm_up is False) and time each run.

    CPU time is read from cpu_clock: this process's by default, or e.g. a served app's.
    """
    if warm_up:
        call()
    wall, cpu, result = [], [], None
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), cpu_clock()
        result = call()
        wall.append(time.perf_counter() - began)
        cpu.append(cpu_clock() - began_cpu)
    return Runs(wall=wall, cpu=cpu, result=result)


@dataclass
class Measurement:
    """One reported figure: the median of its runs, in `unit`, against an upper-bound target (None: no target)."""

    key: str
    label: str
    group: str
    unit: str
    value: float
    target: float | None
    runs: list[float] = field(default_factory=list)
    detail: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    def to_dict(self) -> dict:
        return {**asdict(self), "met": self.met}


def milliseconds(
    key: str, label: str, group: str, runs: Runs, target: float | None, detail: str = "", *, cpu: str = "cpu"
) -> Measurement:
    """A measurement in milliseconds from timed runs; the detail adds the mean CPU time, named by `cpu`."""
    notes = [detail] if detail else []
    notes.append(f"{cpu} {runs.mean_cpu * 1000:.0f} ms")
    return Measurement(
        key=key, label=label, group=group, unit="ms", value=runs.median_wall * 1000, target=target,
        runs=[round(seconds * 1000, 2) for seconds in runs.wall], detail="; ".join(notes),
    )


@dataclass
class Comparison:
    """The same dashboard figure computed by OptiOR and by the naive read-everything approach."""

    key: str
    label: str
    optior_ms: float
    naive_ms: float
    agree: bool

    @property
    def ratio(self) -> float:
        return self.naive_ms / self.optior_ms if self.optior_ms > 0 else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}
