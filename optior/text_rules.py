"""Which characters stored text may hold: one rule for the CSV import, the API and the forms.

Control characters (C0, DEL, C1), bidirectional embeddings, overrides and isolates (they reorder what a reader
sees, e.g. hide a file extension) and lone surrogates (not encodable) are refused everywhere. Single-line
values (names, codes, rooms, labels) also refuse tabs and line breaks; multi-line text keeps them.
"""

from __future__ import annotations

import re

# Written with \\u escapes so the same class reads as a Python and as an ECMA-262 (OpenAPI) pattern.
_ALWAYS_FORBIDDEN = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_LINE_BREAKS_AND_TAB = r"\u0009\u000a\u000d"
FORBIDDEN_IN_TEXT = re.compile(f"[{_ALWAYS_FORBIDDEN}]")
FORBIDDEN_IN_LINE = re.compile(f"[{_ALWAYS_FORBIDDEN}{_LINE_BREAKS_AND_TAB}]")
SINGLE_LINE_PATTERN = f"^[^{_ALWAYS_FORBIDDEN}{_LINE_BREAKS_AND_TAB}]*$"  # for JSON Schema's "pattern"
_NAMES = {"\x00": "a NUL byte", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """Name the first character the text may not hold ('a control character (U+001B)'), or None if it is fine."""
    found = (FORBIDDEN_IN_TEXT if multiline else FORBIDDEN_IN_LINE).search(text)
    if found is None:
        return None
    character = found.group()
    code = ord(character)
    if character in _NAMES:
        return _NAMES[character]
    if 0x202A <= code <= 0x2069:
        return f"a bidirectional-text control (U+{code:04X})"
    if 0xD800 <= code <= 0xDFFF:
        return f"an invalid character (U+{code:04X})"
    return f"a control character (U+{code:04X})"
