"""Load test: simulated users on the dashboard and the predict page, with one retrain and one import mid-run.

    python -m benchmarks.load_test                       # 20 users for 60 s, think 5 s, python app.py on port 8081
    python -m benchmarks.load_test --workers 2           # served by gunicorn -w 2 instead
    python -m benchmarks.load_test --users 3 --duration 8 --import-rows 40 --json result.json
    python -m benchmarks.load_test --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB --port 8082
    python -m benchmarks.load_test --url http://127.0.0.1:8050       # an app already running with the sample

Without --url the script starts `python app.py` on 127.0.0.1 with a temporary model folder and database (or
--database-url, which is emptied first), so the app seeds the bundled sample and trains its first model.

Each user loops until --duration or --max-requests is spent: it opens the dashboard as a browser does (GET /, the
layout, the callback graph, the page router callback and every callback the page fires on load), picks another day,
thinks, opens the predict page, picks a service, procedure and room from the form and asks for a prediction
through the page's callback, thinks again. Static JS/CSS bundles are not fetched (a browser caches them).
An admin thread POSTs /api/retrain at a third of the run and /api/seed with --import-rows new cases at two thirds.
Afterwards the row counts are checked (total, and per imported day through /api/schedule) and the script prints
errors (must be 0) and p50/p95 per request kind; exit status 0 only when errors are 0, rows match and p95 < 1 s.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import requests

from benchmarks.harness.app_process import AppProcess, app_command, app_environment, gunicorn_command
from benchmarks.harness.dataset import past_start
from benchmarks.harness.serving import output_spec
from optior.ingest.generator import generate_cases
from optior.web.request_guard import CSRF_COOKIE, CSRF_HEADER

P95_TARGET_MS = 1000.0
REQUEST_TIMEOUT_S = 120.0
ADMIN_TIMEOUT_S = 600.0
MAX_CALLBACKS_PER_PAGE = 50
CALLBACK_URL = "/_dash-update-component"
PREDICTED_MINUTES = "predict-result-minutes"  # the component showing a prediction's minutes


@dataclass
class Sample:
    """One timed request: its kind (e.g. 'callback dashboard-day-kpis'), seconds, and whether it succeeded."""

    kind: str
    seconds: float
    ok: bool
    admin: bool = False


@dataclass
class Recorder:
    """Every timed request of the run (thread-safe), and the first error messages."""

    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, error: str | None = None) -> None:
        with self.lock:
            self.samples.append(sample)
            if error and len(self.errors) < 20:
                self.errors.append(error)


class Http:
    """One user's connection (keep-alive) to the app; every request timed and recorded."""

    def __init__(self, base: str, recorder: Recorder, headers: dict | None = None) -> None:
        self.base, self.recorder = base, recorder
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.count = 0

    def send(self, kind: str, method: str, path: str, *, admin: bool = False, ok=(200, 204),
             timeout: float = REQUEST_TIMEOUT_S, **kwargs) -> requests.Response | None:
        """The response, or None after a connection error; a status outside `ok` is recorded as an error."""
        self.count += 1
        began = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=timeout, **kwargs)
        except requests.RequestException as error:
            self.recorder.add(Sample(kind, time.perf_counter() - began, False, admin), f"{kind}: {error}")
            return None
        elapsed = time.perf_counter() - began
        good = response.status_code in ok
        self.recorder.add(Sample(kind, elapsed, good, admin),
                          None if good else f"{kind}: HTTP {response.status_code} {response.text[:200]}")
        return response


def _components(value) -> Iterator[dict]:
    """Every Dash component (as JSON) inside a layout value, depth first."""
    if isinstance(value, dict):
        if "props" in value and "type" in value:
            yield value
            for child in value["props"].values():
                yield from _components(child)
        else:
            for child in value.values():
                yield from _components(child)
    elif isinstance(value, list):
        for child in value:
            yield from _components(child)


def _outputs(callback: dict) -> list[tuple[str, str]]:
    spec = output_spec(callback["output"])
    return [(s["id"], s["property"]) for s in (spec if isinstance(spec, list) else [spec])]


class Browser:
    """What dash-renderer does for one page: load the layout, fire the callbacks it fires, keep the props."""

    def __init__(self, http: Http) -> None:
        self.http = http
        self.props: dict[str, dict] = {}
        self.callbacks: list[dict] = []

    def open(self, path: str) -> None:
        """Load a page: its HTML, the layout, the callback graph, the router callback and the load callbacks."""
        self.props, page = {}, path.strip("/") or "dashboard"
        self.http.send(f"GET page /{page}", "GET", path)
        layout = self.http.send("GET /_dash-layout", "GET", "/_dash-layout")
        dependencies = self.http.send("GET /_dash-dependencies", "GET", "/_dash-dependencies")
        if layout is None or dependencies is None or layout.status_code != 200 or dependencies.status_code != 200:
            return
        self.callbacks = [c for c in dependencies.json() if not c.get("clientside_function")]
        added = self._register(layout.json())
        self.props.setdefault("_pages_location", {}).update(pathname=path, search="")
        self._run([(c, [f"_pages_location.{p}" for p in ("pathname", "search")]) for c in self._listening(
            {("_pages_location", "pathname")})] + self._initial(added))

    def set(self, component: str, prop: str, value) -> None:
        """A user change (pick a date, press a button): store it and fire the callbacks listening to it."""
        self.props.setdefault(component, {})[prop] = value
        self._run([(c, [f"{component}.{prop}"]) for c in self._listening({(component, prop)})])

    def get(self, component: str, prop: str, default=None):
        """A component's current property, as the browser holds it."""
        return self.props.get(component, {}).get(prop, default)

    def _register(self, value) -> set[str]:
        added = set()
        for component in _components(value):
            ident = component["props"].get("id")
            if isinstance(ident, str):
                self.props[ident] = component["props"]
                added.add(ident)
        return added

    def _present(self, callback: dict) -> bool:
        ids = [i["id"] for i in callback["inputs"] + callback["state"]] + [i for i, _ in _outputs(callback)]
        return all(isinstance(i, str) and i in self.props for i in ids)

    def _initial(self, added: set[str]) -> list[tuple[dict, list[str]]]:
        """Callbacks a new piece of layout fires on its own: inputs or outputs in it, no prevent_initial_call."""
        return [(c, []) for c in self.callbacks
                if not c.get("prevent_initial_call") and self._present(c)
                and ({i["id"] for i in c["inputs"]} | {i for i, _ in _outputs(c)}) & added]

    def _listening(self, changed: set[tuple[str, str]]) -> list[dict]:
        return [c for c in self.callbacks if {(i["id"], i["property"]) for i in c["inputs"]} & changed
                and self._present(c)]

    def _run(self, pending: list[tuple[dict, list[str]]]) -> None:
        """Fire pending callbacks, a callback only after those producing its inputs, and what their results fire."""
        for _ in range(MAX_CALLBACKS_PER_PAGE):
            if not pending:
                return
            produced = {o for c, _ in pending for o in _outputs(c)}
            ready = next(((c, ch) for c, ch in pending
                          if not {(i["id"], i["property"]) for i in c["inputs"]} & (produced - set(_outputs(c)))),
                         pending[0])
            pending.remove(ready)
            changed, added = self._fire(*ready)
            triggered = [(c, [f"{i}.{p}" for i, p in changed]) for c in self._listening(changed)]
            for item in triggered + self._initial(added):
                if all(item[0] is not c for c, _ in pending):
                    pending.append(item)

    def _fire(self, callback: dict, changed: list[str]) -> tuple[set[tuple[str, str]], set[str]]:
        def values(items: list[dict]) -> list[dict]:
            return [{**i, "value": self.get(i["id"], i["property"])} for i in items]

        body = {"output": callback["output"], "outputs": output_spec(callback["output"]),
                "inputs": values(callback["inputs"]), "state": values(callback["state"]), "changedPropIds": changed}
        first_output = _outputs(callback)[0][0]
        page_headers = {"Origin": self.http.base, CSRF_HEADER: self.http.session.cookies.get(CSRF_COOKIE, "")}
        response = self.http.send(f"callback {first_output}", "POST", CALLBACK_URL, json=body, headers=page_headers)
        if response is None or response.status_code != 200:
            return set(), set()
        updated, added = set(), set()
        answer = response.json()
        changes = [(c, props) for part in ("response", "sideUpdate") for c, props in answer.get(part, {}).items()]
        for component, props in changes:  # sideUpdate: what set_props changed (e.g. an error banner)
            for prop, value in props.items():
                self.props.setdefault(component, {})[prop] = value
                updated.add((component, prop))
                added |= self._register(value)
        return updated, added


def _text(node) -> str:
    """The visible text of a component tree."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return " ".join(_text(n) for n in node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children", ""))
    return ""


def dashboard_visit(browser: Browser, rng: random.Random) -> None:
    """Open the dashboard (it arrives drawn), look at another day of the last fortnight and a shorter range."""
    browser.open("/")
    latest = browser.get("dashboard-day", "date")
    if latest:
        last = date.fromisoformat(latest[:10])
        browser.set("dashboard-day", "date", (last - timedelta(days=rng.randint(1, 14))).isoformat())
        browser.set("dashboard-range", "start_date", (last - timedelta(days=rng.randint(7, 60))).isoformat())


def predict_visit(browser: Browser, rng: random.Random, recorder: Recorder) -> None:
    """Open the predict page, fill the form from its own choices and ask for a prediction."""
    browser.open("/predict")
    options = browser.get("predict-options", "data") or {}
    if not options.get("services"):
        recorder.add(Sample("predict form", 0.0, False), "predict page: no services offered in the form")
        return
    browser.set("predict-service", "value", rng.choice(options["services"]))
    procedures = browser.get("predict-procedure", "options") or []
    rooms = browser.get("predict-room", "options") or []
    if not procedures or not rooms:
        recorder.add(Sample("predict form", 0.0, False), "predict page: no procedure or room to choose")
        return
    browser.set("predict-procedure", "value", rng.choice(procedures)["value"])
    browser.set("predict-room", "value", rng.choice(rooms)["value"])
    browser.set("predict-submit", "n_clicks", 1)
    if browser.get(PREDICTED_MINUTES, "children") is None:  # the page shows a message instead of the result
        shown = _text(browser.get("predict-result", "children"))
        recorder.add(Sample("prediction shown", 0.0, False), f"no prediction: {shown[:200]}")


def user(base: str, number: int, deadline: float, args: argparse.Namespace, recorder: Recorder) -> None:
    rng = random.Random(number)
    http = Http(base, recorder)
    browser = Browser(http)
    time.sleep(rng.uniform(0, args.think))  # users do not all arrive in the same instant
    while time.monotonic() < deadline and http.count < args.max_requests:
        for visit in (lambda: dashboard_visit(browser, rng), lambda: predict_visit(browser, rng, recorder)):
            visit()
            time.sleep(rng.uniform(0.5, 1.5) * args.think)
            if time.monotonic() >= deadline:
                return


def new_cases_csv(rows: int, prefix: str) -> tuple[bytes, Counter]:
    """Generated cases before today under fresh Encounter IDs, and how many fall on each day (ISO)."""
    frame = generate_cases(rows, seed=20261129, start=past_start(rows, 9, date.today()))
    frame["Encounter ID"] = [f"{prefix}{n:06d}" for n in range(len(frame))]
    days = Counter(pd.to_datetime(frame["Date"], format="%m/%d/%y").dt.strftime("%Y-%m-%d"))
    return frame.to_csv(index=False).encode(), days


@dataclass
class AdminResults:
    """What the admin thread's retrain and import answered."""

    retrain: dict = field(default_factory=dict)
    import_: dict = field(default_factory=dict)


def admin(base: str, started: float, duration: float, args: argparse.Namespace, recorder: Recorder,
          results: AdminResults, csv_bytes: bytes) -> None:
    """One retrain at a third of the run, one import of new cases at two thirds."""
    headers = {"Authorization": f"Bearer {args.admin_token}"} if args.admin_token else {}
    http = Http(base, recorder, headers)
    time.sleep(max(0.0, started + duration / 3 - time.monotonic()))
    began = time.perf_counter()
    response = http.send("POST /api/retrain", "POST", "/api/retrain", admin=True, timeout=ADMIN_TIMEOUT_S)
    results.retrain = {"seconds": round(time.perf_counter() - began, 2),
                       "http_status": response.status_code if response is not None else None,
                       "status": response.json().get("status") if response is not None else None}
    time.sleep(max(0.0, started + 2 * duration / 3 - time.monotonic()))
    began = time.perf_counter()
    response = http.send("POST /api/seed", "POST", "/api/seed", admin=True, timeout=ADMIN_TIMEOUT_S,
                         files={"file": ("load-test-cases.csv", io.BytesIO(csv_bytes), "text/csv")})
    report = response.json().get("report", {}) if response is not None and response.status_code == 200 else {}
    results.import_ = {"seconds": round(time.perf_counter() - began, 2),
                       "http_status": response.status_code if response is not None else None,
                       "inserted": report.get("inserted"), "rejected": report.get("rejected")}


def case_total(base: str, wait_s: float = 60.0) -> int:
    """The number of stored cases from /api/health, waiting out a moment when the database is busy."""
    deadline = time.monotonic() + wait_s
    while True:
        response = requests.get(base + "/api/health", timeout=REQUEST_TIMEOUT_S)
        if response.status_code == 200:
            return response.json()["cases"]
        if time.monotonic() > deadline:
            raise RuntimeError(f"/api/health answered {response.status_code}: {response.text[:300]}")
        time.sleep(1)


def check_rows(base: str, before: int, days: Counter, prefix: str) -> dict:
    """Total cases, and the imported cases per day as /api/schedule lists them: nothing lost, nothing twice."""
    session = requests.Session()
    after = case_total(base)
    wrong_days = []
    for day, expected in sorted(days.items()):
        listed = [c["encounter_id"] for c in session.get(base + "/api/schedule", params={"date": day},
                                                         timeout=REQUEST_TIMEOUT_S).json()["cases"]]
        ours = [e for e in listed if e.startswith(prefix)]
        if len(ours) != expected or len(set(ours)) != len(ours):
            wrong_days.append({"day": day, "expected": expected, "listed": len(ours), "distinct": len(set(ours))})
    imported = sum(days.values())
    return {"before": before, "imported": imported, "after": after, "expected_after": before + imported,
            "days_checked": len(days), "wrong_days": wrong_days,
            "ok": after == before + imported and not wrong_days}


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95: the value 95% of the others are at or below)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _summary(samples: list[Sample]) -> dict:
    times = [s.seconds * 1000 for s in samples]
    return {"count": len(samples), "errors": sum(not s.ok for s in samples),
            "p50_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(_percentile(times, 0.95), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None}


def run_load(base: str, args: argparse.Namespace) -> dict:
    recorder, results = Recorder(), AdminResults()
    prefix = f"LOAD{int(time.time())}-"
    csv_bytes, days = new_cases_csv(args.import_rows, prefix)
    before = case_total(base)
    load_before = os.getloadavg()
    started = time.monotonic()
    deadline = started + args.duration
    threads = [threading.Thread(target=user, args=(base, n, deadline, args, recorder)) for n in range(args.users)]
    threads.append(threading.Thread(target=admin, args=(base, started, args.duration, args, recorder, results,
                                                         csv_bytes)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    rows = check_rows(base, before, days, prefix)
    user_samples = [s for s in recorder.samples if not s.admin]
    kinds = sorted({s.kind for s in user_samples})
    overall = _summary(user_samples)
    errors = sum(not s.ok for s in recorder.samples)
    return {
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "settings": {"users": args.users, "duration_s": args.duration, "think_s": args.think,
                     "server": args.url or (f"gunicorn -w {args.workers}" if args.workers else "python app.py"),
                     "max_requests_per_user": args.max_requests, "import_rows": args.import_rows},
        "elapsed_s": round(elapsed, 1),
        "requests": len(recorder.samples),
        "requests_per_s": round(len(user_samples) / elapsed, 1),
        "errors": errors,
        "error_samples": recorder.errors,
        "user_requests": overall,
        "by_kind": {kind: _summary([s for s in user_samples if s.kind == kind]) for kind in kinds},
        "retrain": results.retrain,
        "import": results.import_,
        "rows": rows,
        "p95_target_ms": P95_TARGET_MS,
        "passed": errors == 0 and rows["ok"] and results.import_.get("inserted") == rows["imported"]
        and results.retrain.get("http_status") == 200 and (overall["p95_ms"] or 0) < P95_TARGET_MS,
    }


def render(result: dict) -> str:
    """The result as Markdown (docs/load-test.md holds the last full run)."""
    s, rows, u = result["settings"], result["rows"], result["user_requests"]
    lines = [
        f"{s['users']} users for {s['duration_s']:.0f} s (think time {s['think_s']} s) on {s['server']}, "
        f"{result['requests']:,} requests ({result['requests_per_s']} per second from users), "
        f"{result['errors']} errors.",
        "",
        f"- All user requests: p50 {u['p50_ms']} ms, p95 {u['p95_ms']} ms (target < {P95_TARGET_MS:.0f} ms), "
        f"max {u['max_ms']} ms.",
        f"- Retrain in the middle: HTTP {result['retrain'].get('http_status')}, "
        f"{result['retrain'].get('status')}, {result['retrain'].get('seconds')} s.",
        f"- Import in the middle: HTTP {result['import'].get('http_status')}, {result['import'].get('inserted')} "
        f"inserted, {result['import'].get('rejected')} rejected, {result['import'].get('seconds')} s.",
        f"- Rows: {rows['before']:,} before + {rows['imported']:,} imported = {rows['after']:,} after "
        f"(expected {rows['expected_after']:,}); {rows['days_checked']} imported days checked through "
        f"/api/schedule, {len(rows['wrong_days'])} with lost or duplicated cases.",
        f"- Load average before/after: {result['machine']['load_average_before']} / "
        f"{result['machine']['load_average_after']} on {result['machine']['cpus']} CPUs.",
        "",
        "| request | count | errors | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, k in result["by_kind"].items():
        lines.append(f"| {kind} | {k['count']} | {k['errors']} | {k['p50_ms']} | {k['p95_ms']} | {k['max_ms']} |")
    lines += ["", f"Result: {'PASSED' if result['passed'] else 'FAILED'}."]
    if result["error_samples"]:
        lines += ["", "First errors:", *(f"- {e}" for e in result["error_samples"])]
    return "\n".join(lines)


def _served(args: argparse.Namespace, folder: Path) -> AppProcess:
    """`python app.py` on loopback with a fresh database: it seeds the sample and trains a model on start."""
    url = args.database_url or f"sqlite:///{folder / 'optior.db'}"
    if args.database_url:
        from sqlalchemy import create_engine, text

        from optior.db.schema import metadata

        engine = create_engine(url)
        with engine.begin() as connection:  # and the schema revision, or the app takes the empty database as current
            metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    extra = {"OPTIOR_ADMIN_TOKEN": args.admin_token} if args.admin_token else {}
    command = gunicorn_command(args.port, args.workers) if args.workers else app_command()
    return AppProcess(app_environment(url, folder / "models", args.port, **extra), args.port, folder / "app.log",
                      command)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds the users keep going")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds between a user's page actions")
    parser.add_argument("--max-requests", type=int, default=2_000, help="per user, a bound besides the time")
    parser.add_argument("--import-rows", type=int, default=500, help="new cases imported in the middle")
    parser.add_argument("--url", help="an app already running (otherwise one is started on --port)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--workers", type=int, default=0,
                        help="serve with gunicorn and this many workers (default 0: python app.py)")
    parser.add_argument("--database-url", help="database for the started app (emptied first; default: SQLite)")
    parser.add_argument("--admin-token", help="OPTIOR_ADMIN_TOKEN of the app (sent with retrain and import)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.url:
        result = run_load(args.url.rstrip("/"), args)
    else:
        with tempfile.TemporaryDirectory(prefix="optior-load-") as folder:
            with _served(args, Path(folder)) as app:
                result = run_load(app.base, args)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
