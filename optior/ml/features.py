"""Model features known before the day of surgery, built from case rows; nothing comes from the outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optior.vocabulary import DEFAULT_SITE, ROOM_KEY_SEPARATOR

TARGET = "in_room_minutes"
TARGET_LABEL = "in-room minutes (wheels in to wheels out)"
# A room is the pair (site, room name): "OR 1" at two sites are two rooms, so the model's room feature is that
# pair as one key, and the site is a feature of its own (what rooms of one site share, and what a room the
# training never saw at a known site still has in common with its site's others).
CATEGORICAL = ("service", "cpt_code", "site", "room", "surgeon")
NUMERIC = ("booked_minutes", "weekday", "start_minute", "position_in_day")
# Versions trained before sites know a room by its name alone, in this column; build_features still makes it.
LEGACY_ROOM = "or_suite"
ROOM_COLUMNS = ("room", LEGACY_ROOM)
# Stands in for a missing surgeon, so "no surgeon recorded" is a category of its own.
NO_SURGEON = "(no surgeon)"


def feature_columns(*, with_surgeon: bool) -> list[str]:
    """The model's input columns, with or without the surgeon."""
    return [c for c in CATEGORICAL if with_surgeon or c != "surgeon"] + list(NUMERIC)


def room_column(columns) -> str:
    """The column that names the room among a model's columns: the (site, room) key, or the legacy room name."""
    return "room" if "room" in columns else LEGACY_ROOM


def has_surgeons(rows: pd.DataFrame) -> bool:
    """True when at least one case names its surgeon (otherwise the surgeon is not a feature)."""
    return bool(rows["surgeon"].notna().any())


def build_features(rows: pd.DataFrame) -> pd.DataFrame:
    """Turn case rows (case_date, scheduled_start, categories, booked_minutes, position_in_day) into features.

    Rows without a site column are of the default site, as imported cases without one are.
    """
    start = pd.to_datetime(rows["scheduled_start"])
    rooms = rows["or_suite"].astype(object)
    sites = rows["site"].astype(object) if "site" in rows else pd.Series(DEFAULT_SITE, index=rows.index, dtype=object)
    return pd.DataFrame(
        {
            "service": rows["service"].astype(object),
            "cpt_code": rows["cpt_code"].astype(object),
            "site": sites,
            "room": (sites.astype(str) + ROOM_KEY_SEPARATOR + rooms.astype(str)).astype(object),
            LEGACY_ROOM: rooms,
            "surgeon": rows["surgeon"].astype(object).where(rows["surgeon"].notna(), NO_SURGEON),
            "booked_minutes": rows["booked_minutes"].astype(float),
            "weekday": pd.to_datetime(rows["case_date"]).dt.day_of_week.astype(float),
            "start_minute": (start.dt.hour * 60 + start.dt.minute).astype(float),
            "position_in_day": rows["position_in_day"].astype(float),
        },
        index=rows.index,
    )


def design_matrix(features: pd.DataFrame) -> np.ndarray:
    """The model's input: the feature columns as one object array, each column addressed by its position.

    scikit-learn checks a plain array much faster than a data frame (names, dtypes per column), which is most
    of the cost of predicting one case (about 17 ms down to 8 ms).
    """
    return features.to_numpy(dtype=object)
