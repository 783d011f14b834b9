"""Time retraining on every stored case and single predictions through the services the app uses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import cycle

from benchmarks.harness.measure import BenchmarkError, Measurement, Runs, milliseconds, timed
from optior.services.case_distribution import CaseQuery, case_distributions
from optior.services.prediction import form_options, predict_duration
from optior.services.runtime import Runtime
from optior.services.training import retrain

RETRAIN_TARGET_S = 120.0
PREDICT_TARGET_MS = 30.0
PREDICTIONS_PER_RUN = 50
DAY_CASES = 240  # a 20-room day of about 12 cases per room
DAY_DISTRIBUTIONS_TARGET_MS = 100.0


def prediction_requests(runtime: Runtime, count: int, case_date: date) -> list[dict]:
    """Varied, realistic requests (predict_duration's keywords): stored services, procedures, rooms (with their site,
    which several sites need), surgeons."""
    options = form_options(runtime)
    site_rooms = options.get("site_rooms") or {None: options["rooms"]}
    rooms = cycle([(site, room) for site, names in site_rooms.items() for room in names])
    requests = []
    for index, service in zip(range(count), cycle(options["services"]), strict=False):
        procedures = options["procedures"][service]
        surgeons = options["surgeons"].get(service) or [None]
        site, room = next(rooms)
        requests.append({
            "service": service,
            "cpt_code": procedures[index % len(procedures)]["cpt_code"],
            "site": site,
            "or_suite": room,
            "case_date": case_date + timedelta(days=index % 5),
            "scheduled_start": f"{7 + index % 9:02d}:30",
            "booked_minutes": 60 + 15 * (index % 12),
            "surgeon": surgeons[index % len(surgeons)],
        })
    return requests


def retrain_measurement(runtime: Runtime, runs: int) -> Measurement:
    """Median seconds of full retrains (read every case, fit, evaluate, save, activate), forced to activate."""
    timing = timed(lambda: retrain(runtime, force=True), runs, warm_up=False)
    if timing.result["status"] == "error":
        raise BenchmarkError(f"Retrain failed: {timing.result['message']}")
    card = timing.result["card"]
    size_kb = (runtime.settings.model_dir / card["file_name"]).stat().st_size / 1024
    return Measurement(
        key="retrain", label="retrain on every stored case", group="model", unit="s",
        value=timing.median_wall, target=RETRAIN_TARGET_S, runs=[round(seconds, 2) for seconds in timing.wall],
        detail=f"{card['estimator']['name']} on {card['rows_used']:,} cases; model file {size_kb:,.0f} KB; "
               f"cpu {timing.mean_cpu:.0f} s (all threads)",
    )


def prediction_measurement(runtime: Runtime, runs: int, case_date: date) -> Measurement:
    """Median time of one logged prediction with the active model, over varied requests."""
    requests = cycle(prediction_requests(runtime, PREDICTIONS_PER_RUN, case_date))
    timing: Runs = timed(lambda: predict_duration(runtime, **next(requests)), runs * PREDICTIONS_PER_RUN)
    return milliseconds("predict", "one prediction (logged), in process", "model", timing, PREDICT_TARGET_MS,
                        f"{len(timing.wall)} predictions")


def day_distributions_measurement(runtime: Runtime, runs: int, case_date: date) -> Measurement:
    """Median time of one batched call for a 20-room day's quantile grids (what the day planner samples)."""
    cases = [
        CaseQuery(service=r["service"], cpt_code=r["cpt_code"], or_suite=r["or_suite"], surgeon=r["surgeon"],
                  **({"site": r["site"]} if r["site"] else {}),
                  scheduled_start=datetime.combine(r["case_date"], time.fromisoformat(r["scheduled_start"])),
                  booked_minutes=float(r["booked_minutes"]), position_in_day=1 + index % 12)
        for index, r in enumerate(prediction_requests(runtime, DAY_CASES, case_date))
    ]
    timing = timed(lambda: case_distributions(runtime, cases), runs * 10)
    return milliseconds("day_distributions", f"quantile grids of {DAY_CASES} cases, one call", "model", timing,
                        DAY_DISTRIBUTIONS_TARGET_MS, f"{timing.result.minutes.shape[1]} levels per case")
