"""File sizes as people read them, for messages from every layer (parser, API, pages)."""

from __future__ import annotations

BINARY_STEP = 1024  # OPTIOR_MAX_UPLOAD_MB counts 1 MB as 1,024 KB
UNITS = ("KB", "MB", "GB")


def file_size(size_bytes: float) -> str:
    """Say a byte count in the largest unit it reaches: '512 bytes', '9.77 KB', '200 MB', '1.5 GB'.

    Three significant digits at most (whole numbers from 100 up), so a small limit never reads as "0 MB".
    """
    if size_bytes < BINARY_STEP:
        return f"{size_bytes:,.0f} byte" + ("" if size_bytes == 1 else "s")
    value, step = size_bytes / BINARY_STEP, 0
    while round(value) >= BINARY_STEP and step < len(UNITS) - 1:  # 1,023.7 KB reads as 1 MB, not 1,024 KB
        value, step = value / BINARY_STEP, step + 1
    digits = 0 if value >= 100 else 1 if value >= 10 else 2
    number = f"{value:,.{digits}f}"
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number} {UNITS[step]}"
