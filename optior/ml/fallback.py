"""Unknown categories: average the model over the most common known values instead, and say so."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from optior.ml.features import LEGACY_ROOM, NO_SURGEON
from optior.ml.reference import Reference
from optior.vocabulary import room_label, split_room_key


@dataclass(frozen=True)
class Expansion:
    """Candidate feature rows standing in for cases with unknown categories."""

    rows: pd.DataFrame
    owner: np.ndarray  # position of the case each candidate row stands in for
    weight: np.ndarray  # sums to 1 over each case's candidates
    notes: list[list[str]]  # per case: what was substituted
    range_service: list[str | None]  # per case: the service whose range calibration applies (None: overall)


def unknown_cases(features: pd.DataFrame, reference: Reference, *, with_surgeon: bool, room: str) -> np.ndarray:
    """True for rows with a service, CPT code, room (column `room`) or (when used) surgeon the training never had.

    A room is known by its site and name together, so a known room name at a site it was never seen at is unknown.
    """
    unknown = ~features["service"].isin(reference.services) | ~features["cpt_code"].isin(reference.procedures)
    unknown |= ~features[room].isin(reference.rooms)
    if with_surgeon:
        unknown |= ~features["surgeon"].isin(reference.surgeons)
    return unknown.to_numpy()


def _procedures(service: str, cpt: str, ref: Reference) -> tuple[list[tuple[str, str, float]], list[str]]:
    """(service, CPT, weight) candidates for a case's procedure, with a note when substituted."""
    if cpt in ref.procedures:
        if service in ref.services:
            return [(service, cpt, 1.0)], []
        usual = ref.procedures[cpt]["service"]
        return [(usual, cpt, 1.0)], [
            f"Service '{service}' is not in the training data: used {usual}, the usual service for CPT {cpt}."
        ]
    range_note = "The 80% range is calibrated on known procedures and may be too narrow for this one."
    if service in ref.services:
        top = ref.services[service]["top_procedures"]
        return [(service, c, w) for c, w in top], [
            f"CPT code {cpt} is not in the training data: averaged over the {len(top)} most common "
            f"{service} procedures.",
            range_note,
        ]
    top = ref.overall["top_procedures"]
    return list(top), [
        f"Service '{service}' and CPT code {cpt} are not in the training data: averaged over the "
        f"{len(top)} most common procedures.",
        range_note,
    ]


def _surgeons(surgeon: str, service: str | None, ref: Reference) -> tuple[list[tuple[str, float]], list[str]]:
    if surgeon in ref.surgeons:
        return [(surgeon, 1.0)], []
    top = ref.services[service]["top_surgeons"] if service else ref.overall["top_surgeons"]
    whose = f"{service} " if service else ""
    opening = "No surgeon given" if surgeon == NO_SURGEON else f"Surgeon '{surgeon}' is not in the training data"
    return list(top), [f"{opening}: averaged over the {len(top)} busiest {whose}surgeons."]


def _rooms(room: str, ref: Reference) -> tuple[list[tuple[str, float]], list[str]]:
    """(room key, weight) candidates for a case's room: itself, else the busiest rooms of its site or of all."""
    if room in ref.rooms:
        return [(room, 1.0)], []
    if ref.sites is None:  # a version trained before sites: rooms by name
        top = ref.overall["top_rooms"]
        return list(top), [f"OR suite '{room}' is not in the training data: averaged over the {len(top)} busiest "
                           "rooms."]
    site, name = split_room_key(room)
    if site not in ref.sites:
        top = ref.overall["top_rooms"]
        return list(top), [f"Site '{site}' is not in the training data: averaged over the {len(top)} busiest rooms "
                           "of all sites."]
    top = ref.sites[site]["top_rooms"]
    if len(ref.sites) == 1:
        return list(top), [f"OR suite '{name}' is not in the training data: averaged over the {len(top)} busiest "
                           "rooms."]
    return list(top), [f"{room_label(name, site)} is not in the training data: averaged over the {len(top)} busiest "
                       f"rooms of {site}."]


def expand(features: pd.DataFrame, reference: Reference, *, with_surgeon: bool, room: str) -> Expansion:
    """Replace each unknown category of each case by weighted known candidates (their product, at most 125).

    `room` is the column naming the room; a substituted room key brings its site along.
    """
    records, owner, weight, notes, range_service = [], [], [], [], []
    for position, case in enumerate(features.to_dict("records")):
        procedures, case_notes = _procedures(case["service"], case["cpt_code"], reference)
        services = {service for service, _, _ in procedures}
        single = next(iter(services)) if len(services) == 1 else None
        surgeons = [(case["surgeon"], 1.0)]
        if with_surgeon:
            surgeons, surgeon_notes = _surgeons(case["surgeon"], single, reference)
            case_notes += surgeon_notes
        rooms, room_notes = _rooms(case[room], reference)
        for (service, cpt, w_procedure), (surgeon, w_surgeon), (key, w_room) in product(procedures, surgeons, rooms):
            records.append({**case, "service": service, "cpt_code": cpt, "surgeon": surgeon, room: key,
                            **({} if room == LEGACY_ROOM else {"site": split_room_key(key)[0]})})
            owner.append(position)
            weight.append(w_procedure * w_surgeon * w_room)
        notes.append(case_notes + room_notes)
        range_service.append(single)
    return Expansion(
        rows=pd.DataFrame.from_records(records, columns=list(features.columns)),
        owner=np.asarray(owner, dtype=int),
        weight=np.asarray(weight, dtype=float),
        notes=notes,
        range_service=range_service,
    )
