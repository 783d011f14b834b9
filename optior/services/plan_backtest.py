"""Backtest the day planner on a case file: plan each later room-day from its schedule, compare with what happened.

The file goes into a throw-away database (never the app's); the model is trained on the earlier 80% of dates
exactly as `evaluate` trains, turnovers come from those dates only, and each later day is simulated from its
scheduled starts, booked times and the model, with the actual times hidden.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from optior.config import Settings
from optior.db.plan_history import wheels_out_from
from optior.db.training_data import read_case_rows
from optior.ml.evaluation import time_split
from optior.ml.features import build_features
from optior.ml.spread import QUANTILE_LEVELS
from optior.ml.training import train_and_evaluate
from optior.services.case_distribution import CaseDistributions
from optior.services.day_plan import build_day_plan, in_room_order
from optior.services.importing import import_cases
from optior.services.planning import turnover_history
from optior.services.planning_models import PlanCaseInput, PlanOptions, parse_model
from optior.services.runtime import scratch_runtime

CALIBRATION_BINS = 10
BACKTEST_DRAWS = 10_000


@dataclass(frozen=True)
class RoomDayOutcome:
    """One test room-day: the forecasts made before it and what happened."""

    p_overtime: float
    booked_late: bool  # the schedule's own forecast: its last booked end after the staffed end
    rate_late: float  # the room's share of late days in the training dates
    late: bool
    finish_p50: float  # clock minutes
    booked_end: float
    finish: float


def _minutes(moment: pd.Timestamp | datetime, day) -> float:
    return (pd.Timestamp(moment) - pd.Timestamp(day)).total_seconds() / 60


def _late_share(rows: pd.DataFrame, ends: pd.DataFrame,
                staffed_end: time) -> tuple[dict[tuple[str, str], float], float]:
    """Each room's (site and name) share of training days whose last wheels-out is after the staffed end, and the
    overall share."""
    days = rows.assign(site=ends["site"].to_numpy(), wheels_out=ends["wheels_out"].to_numpy()).groupby(
        ["site", "or_suite", "case_date"], observed=True)["wheels_out"]
    last = days.max().reset_index()
    limit = last["case_date"] + pd.Timedelta(hours=staffed_end.hour, minutes=staffed_end.minute)
    last["late"] = last["wheels_out"] > limit
    by_room = last.groupby(["site", "or_suite"], observed=True)["late"].mean()
    return ({(str(site), str(room)): float(share) for (site, room), share in zip(by_room.index, by_room, strict=True)},
            float(last["late"].mean()))


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def calibration(p: np.ndarray, y: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Predicted probabilities in equal bins over [0, 1]: mean predicted, observed share and count per bin."""
    index = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        chosen = index == b
        n = int(chosen.sum())
        rows.append({"bin": [b / bins, (b + 1) / bins], "n": n,
                     "predicted": round(float(p[chosen].mean()), 4) if n else None,
                     "observed": round(float(y[chosen].mean()), 4) if n else None})
    return rows


def backtest_plan(settings: Settings, *, source: Path, cost_ratio: float | None = None,
                  draws: int = BACKTEST_DRAWS) -> dict:
    """Run the backtest on a CSV and return the figures (see the README's "Planning the day ahead")."""
    options = parse_model(PlanOptions, {"cost_ratio": cost_ratio})
    with scratch_runtime(settings, "backtest") as runtime:
        report = import_cases(runtime, source=source, source_name=Path(source).name)
        with runtime.db.read() as connection:
            rows = read_case_rows(connection)
            ends = wheels_out_from(connection, rows["case_date"].min().date())
        ends = rows[["id"]].merge(ends, on="id", how="left")
        test = time_split(rows["case_date"])
        first_test_day = rows.loc[test, "case_date"].min().date()
        turnovers = turnover_history(runtime, first_test_day, ends["site"].unique().tolist())
    outcome = train_and_evaluate(rows)
    model = outcome.holdout_model  # fitted on the earlier dates only
    metrics = settings.metrics
    room_rates, overall_rate = _late_share(rows[~test], ends[~test], metrics.staffed_end)
    staffed_end = metrics.staffed_end.hour * 60 + metrics.staffed_end.minute

    room_days: list[RoomDayOutcome] = []
    booked_costs, recommended_costs = [], []
    ratio = options.effective_cost_ratio
    assert ratio is not None, "the options hold a cost ratio, never a quantile"
    tested = rows[test].assign(site=ends.loc[test, "site"].to_numpy(),
                               wheels_out=ends.loc[test, "wheels_out"].to_numpy())
    for day, cases in tested.groupby("case_date", sort=True):
        assert isinstance(day, pd.Timestamp), "case_date is a datetime column"
        inputs = in_room_order([
            PlanCaseInput(encounter_id=str(row["id"]), site=str(row["site"]), or_suite=str(row["or_suite"]),
                          service=str(row["service"]),
                          cpt_code=str(row["cpt_code"]),
                          surgeon=None if pd.isna(row["surgeon"]) else str(row["surgeon"]),
                          scheduled_start=row["scheduled_start"].to_pydatetime(),
                          booked_minutes=float(row["booked_minutes"]))
            for row in cases.to_dict("records")
        ])
        # The cases' rows in the plan's order (room by room), as the distributions and costs must be.
        cases = cases.set_index(cases["id"].astype(str)).loc[[case.encounter_id for case in inputs]]
        quantiles = model.quantiles(build_features(cases.reset_index(drop=True)), QUANTILE_LEVELS)
        distributions = CaseDistributions(levels=quantiles.levels, minutes=quantiles.minutes,
                                          model_version="backtest", notes=tuple(None for _ in inputs))
        plan = build_day_plan(day.date(), inputs, distributions, turnovers, metrics, options, draws=draws)
        actual = cases["in_room_minutes"].to_numpy(dtype=float)
        recommended = np.array([c.recommended_booking_minutes for r in plan.rooms for c in r.cases])
        booked = cases["booked_minutes"].to_numpy(dtype=float)
        booked_costs.append(_case_costs(actual, booked, ratio))
        recommended_costs.append(_case_costs(actual, recommended, ratio))
        for room in plan.rooms:
            in_room = cases[(cases["site"] == room.site) & (cases["or_suite"].astype(str) == room.or_suite)]
            finish = _minutes(in_room["wheels_out"].max(), day)
            booked_end = max(_minutes(s, day) + b for s, b in zip(in_room["scheduled_start"],
                                                                   in_room["booked_minutes"], strict=True))
            room_days.append(RoomDayOutcome(
                p_overtime=room.p_overtime, booked_late=booked_end > staffed_end,
                rate_late=room_rates.get((room.site, room.or_suite), overall_rate), late=finish > staffed_end,
                finish_p50=_minutes(room.finish_p50, day), booked_end=booked_end, finish=finish,
            ))
    return _summary(report.rows_read, room_days, booked_costs, recommended_costs, options, metrics.staffed_end,
                    tested["case_date"].nunique())


def _case_costs(actual: np.ndarray, booking: np.ndarray, ratio: float) -> np.ndarray:
    return ratio * np.maximum(actual - booking, 0) + np.maximum(booking - actual, 0)


def _summary(rows_read: int, room_days: list[RoomDayOutcome], booked_costs: list, recommended_costs: list,
             options: PlanOptions, staffed_end: time, days: int) -> dict:
    frame = pd.DataFrame([asdict(outcome) for outcome in room_days])
    p, y = frame["p_overtime"].to_numpy(), frame["late"].to_numpy(dtype=float)
    return {
        "rows_read": rows_read,
        "days": int(days),
        "room_days": len(frame),
        "staffed_end": staffed_end.strftime("%H:%M"),
        "overtime": {
            "observed_share": round(float(y.mean()), 4),
            "brier": round(_brier(p, y), 4),
            "baseline_booked_brier": round(_brier(frame["booked_late"].to_numpy(dtype=float), y), 4),
            "baseline_rate_brier": round(_brier(frame["rate_late"].to_numpy(), y), 4),
            "calibration": calibration(p, y),
        },
        "finish": {
            "mae_minutes": round(float(np.mean(np.abs(frame["finish_p50"] - frame["finish"]))), 1),
            "baseline_booked_mae_minutes": round(float(np.mean(np.abs(frame["booked_end"] - frame["finish"]))), 1),
        },
        "booking": {
            "cost_ratio": options.effective_cost_ratio,
            "quantile": round(options.booking_quantile, 4),
            "cases": int(sum(len(c) for c in booked_costs)),
            "booked_cost": round(float(np.concatenate(booked_costs).mean()), 1),
            "recommended_cost": round(float(np.concatenate(recommended_costs).mean()), 1),
        },
    }
