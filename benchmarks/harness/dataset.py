"""The benchmark's data: a generated case CSV dated in the past, imported by the seed command in a child process."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.harness.measure import BenchmarkError
from benchmarks.harness.process import PeakSampler
from optior.config import PROJECT_ROOT
from optior.ingest.catalog import SITE_NAMES
from optior.ingest.generator import write_cases_csv

# The generator draws at most ceil(cases / (rooms * 3.6)) + 2 weekdays (its planning figure of 4 cases per
# room-day, 90% of rooms open); starting one weekday earlier than that keeps every date before today.
GENERATOR_CASES_PER_ROOM_DAY = 4.0 * 0.9
GENERATOR_EXTRA_DAYS = 2
PROGRESS = re.compile(rb"([\d,]+) rows read")
# A single hospital of 100 rooms up to a million cases; a larger history is a health system of sites of about
# 18 rooms, with rooms enough to fit in 50 years: the public format writes 2-digit years, which read back as
# 1969-2068, so an older case would come back dated in the future (and be rejected).
SINGLE_SITE_CASES, SINGLE_SITE_ROOMS, ROOMS_PER_SITE = 1_000_000, 100, 18
HISTORY_YEARS, WEEKDAYS_PER_YEAR, EARLIEST_TWO_DIGIT_YEAR = 50, 261, date(1969, 1, 1)


def past_start(cases: int, rooms: int, today: date) -> date:
    """The first day that makes a generated history of `cases` cases in `rooms` rooms end before today."""
    weekdays = math.ceil(cases / (rooms * GENERATOR_CASES_PER_ROOM_DAY)) + GENERATOR_EXTRA_DAYS + 1
    return (pd.Timestamp(today) - pd.offsets.BDay(weekdays)).date()


def hospital(cases: int, rooms: int | None, sites: int | None) -> tuple[int, int]:
    """(rooms, sites) of the generated history: as given, else one 100-room site up to a million cases and above
    that sites of ROOMS_PER_SITE rooms, as many as a history of at most HISTORY_YEARS needs (at most one per
    generated site name, the last ones then larger)."""
    large = cases > SINGLE_SITE_CASES
    if rooms is None:
        needed = math.ceil(cases / (GENERATOR_CASES_PER_ROOM_DAY * WEEKDAYS_PER_YEAR * HISTORY_YEARS))
        rooms = max(SINGLE_SITE_ROOMS, math.ceil(needed / ROOMS_PER_SITE) * ROOMS_PER_SITE if large else needed)
    if sites is None:
        sites = min(len(SITE_NAMES), max(1, rooms // ROOMS_PER_SITE)) if large else 1
    return rooms, sites


def write_dataset(path: Path, *, cases: int, rooms: int, sites: int, seed: int, today: date) -> int:
    """Write the generated case CSV, one block of days at a time; return the number of cases written."""
    start = past_start(cases, rooms, today)
    if start < EARLIEST_TWO_DIGIT_YEAR:
        raise BenchmarkError(
            f"{cases:,} cases in {rooms} rooms go back to {start.year}, and the CSV's 2-digit years read back as "
            f"{EARLIEST_TWO_DIGIT_YEAR.year} or later: give more --rooms (or leave it out to have enough chosen).")
    return write_cases_csv(path, cases, seed=seed, start=start, rooms=rooms, sites=sites)


@dataclass(frozen=True)
class ImportRun:
    """One import by the seed command: wall and CPU seconds, the child's peak RSS, progress lines seen, its report."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    progress_updates: int
    report: dict


def _relay_progress(stream, on_progress: Callable[[int], None]) -> tuple[int, list[str]]:
    """Read the child's stderr to its end, passing on each 'N rows read' update; return their count and other lines."""
    updates, others, pending = 0, [], b""
    for block in iter(lambda: stream.read1(65_536), b""):
        pending += block
        *complete, pending = re.split(rb"[\r\n]", pending)
        for line in complete:
            match = PROGRESS.search(line)
            if match:
                updates += 1
                on_progress(int(match[1].replace(b",", b"")))
            elif line.strip():
                others.append(line.decode("utf-8", "replace").strip())
    return updates, others


def import_with_seed_command(csv_path: Path, env: dict[str, str], on_progress: Callable[[int], None]) -> ImportRun:
    """Run `python -m optior seed --csv FILE --json` as a user would and measure it from outside.

    Wall time includes the interpreter's start; CPU time is the child's (os.wait4), its peak RSS its own VmHWM.
    """
    command = [sys.executable, "-m", "optior", "seed", "--csv", str(csv_path), "--json"]
    with tempfile.TemporaryFile() as report_file:
        began = time.perf_counter()
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=report_file, stderr=subprocess.PIPE)
        with PeakSampler(child.pid) as memory:
            updates, messages = _relay_progress(child.stderr, on_progress)
        _, status, rusage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stderr.close()
        report_file.seek(0)
        output = report_file.read().decode("utf-8", "replace")
    if child.returncode != 0:
        said = " ".join(messages[-3:]) or output[-300:]
        raise BenchmarkError(f"The import command exited with {child.returncode}: {said}")
    return ImportRun(seconds=seconds, cpu_seconds=rusage.ru_utime + rusage.ru_stime, peak_rss_mb=memory.peak_mb,
                     progress_updates=updates, report=json.loads(output))
