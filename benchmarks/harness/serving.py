"""Serve the benchmark database with `python app.py` in a child process; time its callbacks and API, read its memory."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from http.cookies import SimpleCookie
from itertools import cycle

from benchmarks.harness.app_process import AppProcess
from benchmarks.harness.dashboard import ALL_DATA_TARGET_MS, DAY_TARGET_MS, THREE_MONTHS_TARGET_MS, Ranges
from benchmarks.harness.measure import BenchmarkError, Measurement, Runs, milliseconds, timed
from benchmarks.harness.model import PREDICT_TARGET_MS, PREDICTIONS_PER_RUN
from benchmarks.harness.process import cpu_seconds, memory_mb
from optior.web.request_guard import CSRF_COOKIE, CSRF_HEADER, DASH_CALLBACK_PATH

REQUEST_TIMEOUT_S = 900.0
SERVING_MEMORY_TARGET_MB = 1024.0
# Component ids of the dashboard page (optior/pages/dashboard.py) and of Dash's page router.
PAGE_LOCATION = ("_pages_location", "pathname")
DAY = ("dashboard-day", "date")
RANGE_START, RANGE_END = ("dashboard-range", "start_date"), ("dashboard-range", "end_date")
SCHEDULE_TABLE = "dashboard-schedule-table"
# The two callbacks the range controls fire (the browser sends them at once): (key part, an output, label).
RANGE_CALLBACKS = (
    ("mix", "dashboard-cases-by-service", "case-mix callback (cases, durations, workload by specialty)"),
    ("efficiency", "dashboard-metric-cards", "efficiency callback (OR efficiency cards and charts)"),
)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class ServedApp(AppProcess):
    """`python app.py` on 127.0.0.1:port in a child process, with timed requests to it; stopped when the block ends."""

    @cached_property
    def page_headers(self) -> dict[str, str]:
        """What an OptiOR page sends with each callback: its origin and its token, as cookie and as header."""
        with urllib.request.urlopen(self.base + "/", timeout=REQUEST_TIMEOUT_S) as response:
            token = SimpleCookie(", ".join(response.headers.get_all("Set-Cookie") or []))[CSRF_COOKIE].value
        return {"Origin": self.base, "Cookie": f"{CSRF_COOKIE}={token}", CSRF_HEADER: token}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None,
                timeout: float = REQUEST_TIMEOUT_S) -> Reply:
        """One HTTP request (a Dash callback with the page's headers); 4xx and 5xx answers are returned, not raised."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.page_headers, **(headers or {})} if path == DASH_CALLBACK_PATH else headers
        sent = {"Content-Type": "application/json", **(headers or {})} if data is not None else headers or {}
        request = urllib.request.Request(self.base + path, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Reply(response.status, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read())

    def checked(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> Reply:
        """A request that must answer 200."""
        reply = self.request(method, path, body, headers)
        if reply.status != 200:
            raise BenchmarkError(f"{method} {path} answered {reply.status}: {reply.body[:300]!r}; {self.log()[-800:]}")
        return reply

    def cpu_seconds(self) -> float:
        """CPU time the serving process has used so far."""
        return cpu_seconds(self.process.pid)

    def timed(self, method: str, path: str, body: dict | None, runs: int, *, warm_up: bool = True) -> Runs:
        """Time a request that must answer 200, with the serving process's CPU time per run."""
        return timed(lambda: self.checked(method, path, body), runs, warm_up=warm_up, cpu_clock=self.cpu_seconds)


def output_spec(output: str) -> list[dict] | dict:
    """Dash's description of a callback's outputs: '..a.b...c.d..' for several, 'a.b' for one."""
    several = output.startswith("..")
    specs = []
    for part in output[2:-2].split("...") if several else [output]:
        component, _, prop = part.rpartition(".")
        specs.append({"id": component, "property": prop.split("@")[0]})
    return specs if several else specs[0]


class DashCallbacks:
    """Call the app's Dash callbacks over HTTP the way the browser does."""

    def __init__(self, app: ServedApp) -> None:
        self.app = app
        # Clientside callbacks run in the browser; the server has none of them to answer.
        self.dependencies = [d for d in app.checked("GET", "/_dash-dependencies").json()
                             if not d.get("clientside_function")]

    def body(self, trigger: tuple[str, str], values: dict[tuple[str, str], object], output: str = "") -> dict:
        """The request body of the callback that `trigger` (component id, property) fires.

        Where several callbacks listen to the trigger, `output` picks the one whose outputs name it.
        """
        found = [d for d in self.dependencies if trigger in {(i["id"], i["property"]) for i in d["inputs"]}
                 and output in d["output"]]
        if not found:
            raise BenchmarkError(f"No callback listens to {trigger[0]}.{trigger[1]} and fills {output or 'anything'}.")
        inputs = [{**i, "value": values.get((i["id"], i["property"]))} for i in found[0]["inputs"]]
        return {
            "output": found[0]["output"], "outputs": output_spec(found[0]["output"]), "inputs": inputs,
            "changedPropIds": [f"{trigger[0]}.{trigger[1]}"], "state": [],
        }

    def call(self, body: dict) -> dict:
        return self.app.checked("POST", "/_dash-update-component", body).json()["response"]


def _callback_measurements(callbacks: DashCallbacks, ranges: Ranges, runs: int) -> list[Measurement]:
    day = ranges.day.isoformat()
    cases_shown = len(callbacks.call(callbacks.body(DAY, {DAY: day}))[SCHEDULE_TABLE]["rowData"])
    plans = [
        ("callback_page", "dashboard page layout", ALL_DATA_TARGET_MS, PAGE_LOCATION, "",
         {PAGE_LOCATION: "/", ("_pages_location", "search"): ""}),
        ("callback_day", "day callback (key figures, timeline, table)", DAY_TARGET_MS, DAY, "", {DAY: day}),
    ]
    for key, name, (start, end), target in (("3_months", "3 months", ranges.three_months, THREE_MONTHS_TARGET_MS),
                                            ("all_data", "all data", ranges.all_data, ALL_DATA_TARGET_MS)):
        values = {RANGE_START: start.isoformat(), RANGE_END: end.isoformat()}
        for part, output, label in RANGE_CALLBACKS:
            plans.append((f"callback_{part}_{key}", f"{label}, {name}", target, RANGE_START, output, values))
    measurements = []
    for key, label, target, trigger, output, values in plans:
        body = callbacks.body(trigger, values, output)
        timing = callbacks.app.timed("POST", "/_dash-update-component", body, runs)
        detail = f"{len(timing.result.body) / 1024:.0f} KB answer"
        if key == "callback_day":
            detail += f"; {cases_shown} cases shown"
        measurements.append(milliseconds(key, label, "dashboard callbacks (HTTP)", timing, target, detail,
                                         cpu="server cpu"))
    return measurements


def api_prediction_body(request: dict) -> dict:
    """The JSON body of POST /api/predict for predict_duration's keywords."""
    renamed = {"case_date": "date"}
    return {renamed.get(key, key): value.isoformat() if isinstance(value, date) else value
            for key, value in request.items() if value is not None}


def _prediction_measurements(app: ServedApp, requests: list[dict], runs: int) -> list[Measurement]:
    bodies = cycle(api_prediction_body(request) for request in requests)
    first = app.timed("POST", "/api/predict", next(bodies), 1, warm_up=False)
    timing = timed(lambda: app.checked("POST", "/api/predict", next(bodies)), runs * PREDICTIONS_PER_RUN,
                   cpu_clock=app.cpu_seconds)
    return [
        milliseconds("api_predict_first", "first prediction after start (loads the model)", "model", first, None,
                     cpu="server cpu"),
        milliseconds("api_predict", "one prediction, POST /api/predict", "model", timing, PREDICT_TARGET_MS,
                     f"{len(timing.wall)} predictions", cpu="server cpu"),
    ]


def _memory(key: str, label: str, megabytes: float, target: float | None, detail: str) -> Measurement:
    return Measurement(key=key, label=label, group="memory", unit="MB", value=megabytes, target=target,
                       runs=[round(megabytes, 1)], detail=detail)


def serving_measurements(app: ServedApp, ranges: Ranges, runs: int, requests: list[dict],
                         admin_token: str) -> list[Measurement]:
    """Callbacks and predictions over HTTP, then the process's memory before and after a retrain in it."""
    measurements = _prediction_measurements(app, requests, runs)
    measurements += _callback_measurements(DashCallbacks(app), ranges, runs)
    current, peak = memory_mb(app.process.pid)
    measurements.append(_memory("serving_rss", "serving process memory (peak RSS) after pages and API", peak,
                                SERVING_MEMORY_TARGET_MB, f"{current:.0f} MB resident at the end"))
    admin = {"Authorization": f"Bearer {admin_token}"}
    retrain = timed(lambda: app.checked("POST", "/api/retrain?force=true", headers=admin), 1, warm_up=False)
    current, peak = memory_mb(app.process.pid)
    measurements.append(_memory("serving_rss_retrain", "serving process memory (peak RSS) with one retrain in it",
                                peak, None, f"retrain took {retrain.median_wall:.0f} s; {current:.0f} MB after"))
    return measurements
