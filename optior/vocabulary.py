"""The terms every layer shares: how long each text field may be, the largest minutes and case position, the
default site, and how operating rooms are ordered and named.

Kept in one place, below every package, so the database columns, the CSV import, the API, the services, the pages
and the charts cannot disagree.
"""

from __future__ import annotations

import re

# Longest value, in characters, of each text a file or a user supplies. db/schema.py sizes its columns from these
# (tests/test_vocabulary.py checks every column of these names), and the import, the API and the forms refuse a
# longer value with a message instead of a database error. Changing one needs a schema revision (CONTRIBUTING.md).
TEXT_LIMITS: dict[str, int] = {
    "encounter_id": 64,
    "site": 128,
    "or_suite": 64,
    "service": 128,
    "cpt_code": 32,
    "cpt_description": 512,
    "surgeon": 128,
    "case_label": 200,
}
MAX_MINUTES = 24 * 60  # the longest booked, in-room or procedure time of one case: a day
MAX_POSITION = 50  # the latest place a case can take in its room's day (more than any OR runs)
# The site of every case imported without one (a file with no Site column, or a blank Site cell). An installation
# whose cases all have this one site looks and answers exactly as before sites existed: no site selector, room
# labels without a site.
DEFAULT_SITE = "Main"

_DIGIT_RUN = re.compile(r"([0-9]+)")
_NUMBER = re.compile(r"[0-9]+")


def natural_room_key(room: str) -> tuple:
    """Sort key putting rooms as people read them: "OR 2" before "OR 10", "9" before "10".

    Digit runs compare as numbers, the text between them as text; the name itself breaks ties ("OR 01", "OR 1"),
    so the order never depends on the order rooms arrived in. Only ASCII digits count as numbers: a name holding
    other digit characters ("²", "١") sorts as text instead of failing.
    """
    parts = tuple((0, int(part), "") if index % 2 else (1, 0, part)
                  for index, part in enumerate(_DIGIT_RUN.split(room)) if part)
    return parts, room


# A room is its site and its name ("OR 1" at two sites are two rooms). The metrics and the model key a room by both
# joined with this separator: one text key groups, sorts, stores and one-hot encodes like a plain name, and no site
# or room holds it (the import and the forms refuse control characters).
ROOM_KEY_SEPARATOR = "\x1f"


def room_key(site: str, room: str) -> str:
    """A room's identity as one text: its site and its name joined by ROOM_KEY_SEPARATOR."""
    return f"{site}{ROOM_KEY_SEPARATOR}{room}"


def split_room_key(key: str) -> tuple[str, str]:
    """(site, room name) of a room key; a key without the separator (a model trained before sites knew rooms by
    name alone) is a room of the default site."""
    site, separator, room = key.partition(ROOM_KEY_SEPARATOR)
    return (site, room) if separator else (DEFAULT_SITE, key)


def room_order_key(site: str, room: str) -> tuple:
    """Sort key for rooms of several sites: by site, then by room, each as people read them (natural_room_key)."""
    return natural_room_key(site), natural_room_key(room)


def room_label(room: str, site: str | None = None) -> str:
    """How a room is named to people: "OR 3" for a room stored as a bare number ("3", as the public OR utilization
    file and the sample store rooms), any other name exactly as stored ("OR 1", "OR-77", "Room 3"; never "OR OR-77").

    A room is identified by its site and its name, so a view showing more than one site passes the site, and the
    label leads with it: "North Campus · OR 1". A view of one site leaves it out.

    For display only: the API, the CLI, filters and the database use the stored name. Charts pass the label
    through figures' plain_text (Plotly reads markup in text); Dash components show it as text already.
    """
    label = f"OR {room}" if _NUMBER.fullmatch(room) else room
    return label if site is None else f"{site} · {label}"
