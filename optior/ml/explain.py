"""Additive explanations in minutes: exact Shapley values of the prediction against a typical case.

The reference ("baseline") is the typical case of the same service: its most common procedure and busiest
surgeon, the busiest room (and its site), the service's usual booking, the first case of the day on the usual
weekday. Every subset of the features that differ from it is predicted in one batched call (at most 2^9 = 512 rows),
so the contributions are exact Shapley values of the model as it predicts (fallbacks included) and add up
to the prediction minus the baseline.
"""

from __future__ import annotations

from itertools import product
from math import factorial

import numpy as np
import pandas as pd

from optior.ml.features import LEGACY_ROOM, NO_SURGEON, room_column
from optior.ml.model import TrainedModel
from optior.vocabulary import room_label, split_room_key

FEATURE_LABELS = {
    "service": "service", "cpt_code": "CPT code", "surgeon": "surgeon", "site": "site", "room": "OR suite",
    LEGACY_ROOM: "OR suite",
    "booked_minutes": "booked minutes", "weekday": "weekday", "start_minute": "start time",
    "position_in_day": "position in day",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def baseline_case(model: TrainedModel, service: str) -> tuple[dict, str]:
    """The feature values of the typical case a prediction is explained against, and how to name it."""
    reference = model.reference
    overall = reference.overall
    if service in reference.services:
        usual = reference.services[service]
        cpt, surgeon, booked = usual["top_procedures"][0][0], usual["top_surgeons"][0][0], usual["median_booked"]
        label = f"typical {service} case"
    else:
        service, cpt, _ = overall["top_procedures"][0]
        surgeon, booked = overall["top_surgeons"][0][0], overall["median_booked"]
        label = f"typical case (most common: {service})"
    busiest_room = overall["top_rooms"][0][0]
    values = {
        "service": service, "cpt_code": cpt, room_column(model.columns): busiest_room,
        "site": split_room_key(busiest_room)[0], "surgeon": surgeon,
        "booked_minutes": float(booked), "weekday": float(overall.get("usual_weekday", 0)),
        "start_minute": float(reference.typical_start(1)), "position_in_day": 1.0,
    }
    return {column: values[column] for column in model.columns}, label


def readable_value(column: str, value, *, several_sites: bool = False) -> str:
    """A feature value as a person reads it (07:30, Tuesday, 90 min, OR 4, North Campus · OR 4, not given).

    A room names its site only when the model learnt from several sites, as the pages label rooms.
    """
    if column == "surgeon" and value == NO_SURGEON:
        return "not given"
    if column == LEGACY_ROOM:
        return room_label(str(value))
    if column == "room":
        site, room = split_room_key(str(value))
        return room_label(room, site if several_sites else None)
    if column == "weekday":
        return WEEKDAYS[int(value) % 7]
    if column == "start_minute":
        return f"{int(value) // 60:02d}:{int(value) % 60:02d}"
    if column == "booked_minutes":
        return f"{float(value):g} min"
    if column == "position_in_day":
        return f"case {int(value)} of the day"
    return str(value)


def _shapley_weights(n: int) -> np.ndarray:
    """Weight of a coalition of size s when a feature joins it: s! (n - s - 1)! / n!."""
    return np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])


def explain(model: TrainedModel, case: dict) -> dict:
    """{"baseline_minutes", "baseline_label", "contributions": [{"feature", "value", "minutes"}, ...]}.

    `case` maps each of model.columns to the value the model was given. Contributions are sorted by size
    and leave out features equal to the baseline's; baseline + their sum == the model's prediction.
    """
    baseline, label = baseline_case(model, case["service"])
    differing = [column for column in model.columns if case[column] != baseline[column]]
    n = len(differing)
    # Row r holds the case's values for the features whose bits are set in r (first feature = highest bit).
    masks = np.array(list(product((False, True), repeat=n)), dtype=bool).reshape(2**n, n)
    rows = pd.DataFrame([baseline] * len(masks), columns=model.columns)
    for position, column in enumerate(differing):
        rows.loc[masks[:, position], column] = case[column]
    value = model.quantiles(rows, (), with_spread=False).predicted
    weights, sizes, row = _shapley_weights(n), masks.sum(axis=1), np.arange(len(masks))
    contributions, several_sites = [], len(model.reference.sites or {}) > 1
    for position, column in enumerate(differing):
        without = row[~masks[:, position]]
        gain = value[without | (1 << (n - 1 - position))] - value[without]
        contributions.append({
            "feature": FEATURE_LABELS[column],
            "value": readable_value(column, case[column], several_sites=several_sites),
            "minutes": float(np.sum(weights[sizes[without]] * gain)),
        })
    contributions.sort(key=lambda item: -abs(item["minutes"]))
    return {"baseline_minutes": float(value[0]), "baseline_label": label, "contributions": contributions}
