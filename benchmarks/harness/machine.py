"""Describe the machine and database a benchmark ran on, so its figures can be read in context."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from optior.services.runtime import Runtime


def _proc_field(path: str, name: str) -> str | None:
    """A 'name : value' field of a Linux /proc file, or None elsewhere."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.split(":", 1)[0].strip() == name), None)


def describe_machine(runtime: Runtime) -> dict:
    """CPU, memory, OS, Python, database and the load average when asked."""
    memory_kb = _proc_field("/proc/meminfo", "MemTotal")
    with runtime.db.read() as connection:
        version = connection.dialect.server_version_info or ()
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(int(memory_kb.split()[0]) / 1_048_576, 1) if memory_kb else None,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "database": f"{runtime.db.url.get_backend_name()} {'.'.join(str(part) for part in version)}".strip(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
