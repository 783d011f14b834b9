"""Read another process's memory and CPU time from Linux /proc.

Peak memory is VmHWM, not getrusage's ru_maxrss: a child started by fork or vfork and exec inherits its parent's
high-water mark there, so it would report the benchmark's own peak. VmHWM belongs to the child's own address space.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in MB; OSError or KeyError once the process is gone."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PeakSampler:
    """Sample a process's peak memory in a thread until the block ends (its last reading before it exited)."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            try:
                self.peak_mb = max(self.peak_mb, memory_mb(self.pid)[1])
            except (OSError, KeyError):  # exited, or a zombie whose memory is already released
                pass
            if self._stop.wait(self.interval_s):
                return

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
