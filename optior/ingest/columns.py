"""The import format's columns: header aliases, which are required, and how long values may be."""

from __future__ import annotations

import re

from optior.vocabulary import TEXT_LIMITS as FIELD_LIMITS

# Canonical column -> normalised header spellings accepted (lower case, letters and digits only).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "encounter_id": ("encounterid", "encounter", "caseid"),
    "case_date": ("date", "casedate", "surgerydate"),
    "site": ("site", "facility", "hospital", "location"),
    "or_suite": ("orsuite", "room", "orroom", "suite"),
    "service": ("service", "specialty"),
    "cpt_code": ("cptcode", "cpt"),
    "cpt_description": ("cptdescription", "description", "proceduredescription"),
    "booked_minutes": ("bookedtimemin", "bookedtime", "bookedminutes"),
    "scheduled_start": ("orschedule", "scheduledstart", "scheduledtime"),
    "wheels_in": ("wheelsin",),
    "procedure_start": ("starttime", "procedurestart"),
    "procedure_end": ("endtime", "procedureend"),
    "wheels_out": ("wheelsout",),
    "surgeon": ("surgeon", "surgeonname"),
}

# The header names of the public 2022_Q1_OR_Utilization.csv format, used in messages and exports.
DISPLAY_NAMES: dict[str, str] = {
    "encounter_id": "Encounter ID",
    "case_date": "Date",
    "site": "Site",
    "or_suite": "OR Suite",
    "service": "Service",
    "cpt_code": "CPT Code",
    "cpt_description": "CPT Description",
    "booked_minutes": "Booked Time (min)",
    "scheduled_start": "OR Schedule",
    "wheels_in": "Wheels In",
    "procedure_start": "Start Time",
    "procedure_end": "End Time",
    "wheels_out": "Wheels Out",
    "surgeon": "Surgeon",
}

OPTIONAL_COLUMNS = ("site", "cpt_description", "surgeon")
REQUIRED_COLUMNS = tuple(c for c in HEADER_ALIASES if c not in OPTIONAL_COLUMNS)
TIMESTAMP_COLUMNS = ("scheduled_start", "wheels_in", "procedure_start", "procedure_end", "wheels_out")
# Text that may span lines (a quoted value with line breaks); every other text column is a single line.
MULTILINE_COLUMNS = frozenset({"cpt_description"})
# Longest value of each text column of the file (the case label is typed on the Predict page, never imported).
TEXT_LIMITS = {column: limit for column, limit in FIELD_LIMITS.items() if column in HEADER_ALIASES}

_ALIAS_TO_COLUMN = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


def normalise_header(name: str) -> str:
    """Lower-case a header and keep only letters and digits, so spacing and case never matter."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def canonical_column(name: str) -> str | None:
    """Return the canonical column for a header, or None for a column OptiOR ignores."""
    return _ALIAS_TO_COLUMN.get(normalise_header(name))
