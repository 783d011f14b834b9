"""What the training cases say about each procedure, service, surgeon, site and room (baselines and fallbacks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TOP_CANDIDATES = 5


def _top(counts: pd.Series) -> list[tuple]:
    """The most frequent values with their share among them (weights for averaging over them)."""
    top = counts.sort_values(ascending=False, kind="stable").head(TOP_CANDIDATES)
    return [(value, float(count / top.sum())) for value, count in top.items()]


@dataclass(frozen=True)
class Reference:
    """Counts and medians of the training cases, keyed by category value (plain str, int and float)."""

    procedures: dict[str, dict]
    services: dict[str, dict]
    rooms: dict[str, int]  # by room key (site and name); by bare name in versions trained before sites
    surgeons: dict[str, int]
    overall: dict
    # Per site: cases and busiest rooms. A class attribute default, so versions saved before sites load with None.
    sites: dict[str, dict] | None = None

    def procedure_median(self, features: pd.DataFrame) -> np.ndarray:
        """Historical median in-room minutes of each case's CPT code (else its service's, else all cases')."""
        by_cpt = features["cpt_code"].map({c: p["median_minutes"] for c, p in self.procedures.items()})
        by_service = features["service"].map({s: v["median_minutes"] for s, v in self.services.items()})
        return by_cpt.fillna(by_service).fillna(self.overall["median_minutes"]).to_numpy(dtype=float)

    def typical_booked(self, cpt_code: str, service: str) -> float:
        """The usual booked minutes for a procedure (else for its service, else overall)."""
        source = self.procedures.get(cpt_code) or self.services.get(service) or self.overall
        return source["median_booked"]

    def typical_start(self, position: int) -> float:
        """The usual scheduled start (minutes after midnight) of the case at this position in a room's day."""
        by_position = self.overall["start_by_position"]
        return by_position.get(position, by_position[max(by_position)])


def build_reference(features: pd.DataFrame, minutes: pd.Series) -> Reference:
    """Summarise the training cases (features plus their in-room minutes)."""
    frame = features.assign(minutes=np.asarray(minutes, dtype=float))
    medians = {"median_minutes": ("minutes", "median"), "median_booked": ("booked_minutes", "median")}
    usual_service = frame.groupby(["cpt_code", "service"]).size().sort_values(ascending=False).reset_index()
    usual_service = usual_service.drop_duplicates("cpt_code").set_index("cpt_code")["service"]
    procedures = {
        str(cpt): {"service": str(usual_service[cpt]), "cases": int(row.cases),
                   "median_minutes": float(row.median_minutes), "median_booked": float(row.median_booked)}
        for cpt, row in frame.groupby("cpt_code").agg(cases=("minutes", "size"), **medians).iterrows()
    }
    services = {
        str(service): {
            "cases": int(len(group)),
            "median_minutes": float(group["minutes"].median()),
            "median_booked": float(group["booked_minutes"].median()),
            "top_procedures": _top(group["cpt_code"].value_counts()),
            "top_surgeons": _top(group["surgeon"].value_counts()),
        }
        for service, group in frame.groupby("service")
    }
    start = frame.groupby("position_in_day")["start_minute"].median()
    procedure_counts = frame.groupby(["service", "cpt_code"]).size()
    overall = {
        "cases": int(len(frame)),
        "median_minutes": float(frame["minutes"].median()),
        "median_booked": float(frame["booked_minutes"].median()),
        "start_by_position": {int(p): float(m) for p, m in start.items()},
        "usual_weekday": int(frame["weekday"].mode().iloc[0]),
        "top_procedures": [(service, cpt, share) for (service, cpt), share in _top(procedure_counts)],
        "top_rooms": _top(frame["room"].value_counts()),
        "top_surgeons": _top(frame["surgeon"].value_counts()),
    }
    return Reference(
        procedures=procedures,
        services=services,
        rooms={str(k): int(v) for k, v in frame["room"].value_counts().items()},
        surgeons={str(k): int(v) for k, v in frame["surgeon"].value_counts().items()},
        overall=overall,
        sites={str(site): {"cases": int(len(group)), "top_rooms": _top(group["room"].value_counts())}
               for site, group in frame.groupby("site")},
    )
