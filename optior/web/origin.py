"""Host names and origins as a browser sends them: is a Host allowed, is an Origin this server's own."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def split_host(value: str) -> tuple[str, int | None] | None:
    """(lower-case name, port or None) of a Host header value ('name', 'name:port', '[v6]:port'); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        name, colon, port_text = value.partition(":")
        port_text = port_text if colon else None
    if not name or any(character in name for character in "/\\@ ?#[]"):
        return None
    if port_text is None:
        return name, None
    if not port_text.isdecimal() or not 0 < int(port_text) < 65536:
        return None
    return name, int(port_text)


def host_allowed(host_header: str, allowed: Collection[str]) -> bool:
    """True when the Host header names one of the allowed host names (any port)."""
    parsed = split_host(host_header)
    return parsed is not None and parsed[0] in allowed


def same_origin(origin: str, host_header: str, allowed: Collection[str]) -> bool:
    """True when origin ('scheme://host[:port]') is an allowed host name and the same host and port as Host.

    A port left out means the scheme's default on both sides, so https://optior.example matches Host
    'optior.example' and 'optior.example:443'. 'null' (sandboxed frames, file pages) is never this origin.
    """
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or parts.path or parts.query or parts.username is not None:
        return False
    from_origin = split_host(parts.netloc)
    from_host = split_host(host_header)
    if from_origin is None or from_host is None or from_origin[0] not in allowed:
        return False
    default = _DEFAULT_PORTS[scheme]
    return from_origin[0] == from_host[0] and (from_origin[1] or default) == (from_host[1] or default)
