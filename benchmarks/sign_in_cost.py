"""What sign-in costs a request, and what password guessers cost a signed-in user.

    python -m benchmarks.sign_in_cost [--requests 300] [--attackers 20] [--seconds 20] [--port 8101]

Serves `python app.py` twice from a temporary folder on an empty database (no sample), on --port and the next
one: without accounts (anonymous on loopback) and with a users file. It times a request every page makes
(GET /_dash-layout) as anonymous and as a signed-in user, taking turns, then times that user alone and while
--attackers clients send wrong passwords, each twice a second, half at the user's own name and half at made-up
names. Prints medians and 95th percentiles in ms.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from benchmarks.harness.app_process import AppProcess, app_environment
from optior.services.users import save_user

PATH = "/_dash-layout"
PASSWORD = "a long benchmark password"
ATTACK_INTERVAL_S = 0.5


def basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def alternating_timings(targets: dict[str, tuple[str, dict]], count: int) -> dict[str, list[float]]:
    """Milliseconds of `count` requests to each (base, headers), taking turns so machine load hits all alike."""
    sessions = {}
    for key, (base, headers) in targets.items():
        sessions[key] = requests.Session()
        sessions[key].headers.update(headers)
        sessions[key].get(base + PATH).raise_for_status()  # warm up: the first sign-in is checked here
    elapsed: dict[str, list[float]] = {key: [] for key in targets}
    for _ in range(count):
        for key, (base, _headers) in targets.items():
            began = time.perf_counter()
            response = sessions[key].get(base + PATH)
            elapsed[key].append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
    return elapsed


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 2),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1], 2), "n": len(values)}


def attack(base: str, index: int, stop: threading.Event, statuses: dict[int, int], lock: threading.Lock) -> None:
    """Wrong passwords twice a second until stopped: even clients at 'ana', odd ones at made-up names."""
    session = requests.Session()
    while not stop.is_set():
        name = "ana" if index % 2 == 0 else f"guess{secrets.randbelow(10**6)}"
        try:
            status = session.get(base + PATH, headers=basic(name, secrets.token_hex(8)), timeout=30).status_code
        except requests.RequestException:
            status = 0
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
        stop.wait(ATTACK_INTERVAL_S)


def under_attack(base: str, attackers: int, seconds: float) -> tuple[list[float], dict[int, int]]:
    stop, lock, statuses = threading.Event(), threading.Lock(), {}
    threads = [threading.Thread(target=attack, args=(base, i, stop, statuses, lock), daemon=True)
               for i in range(attackers)]
    for thread in threads:
        thread.start()
    time.sleep(2)  # let the guessers reach their limits as they would in a real attack
    deadline, elapsed = time.monotonic() + seconds, []
    session = requests.Session()
    session.headers.update(basic("ana", PASSWORD))
    while time.monotonic() < deadline:
        began = time.perf_counter()
        session.get(base + PATH).raise_for_status()
        elapsed.append((time.perf_counter() - began) * 1000)
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    return elapsed, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--attackers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=8101)
    args = parser.parse_args()
    result: dict = {"machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        users = work / "users"
        save_user(users, name="ana", password=PASSWORD, role="admin")
        env = {**app_environment(f"sqlite:///{work / 'optior.db'}", work / "models", args.port),
               "OPTIOR_AUTO_SEED": "false"}
        signed_in_env = {**env, "OPTIOR_USERS_FILE": str(users), "OPTIOR_PORT": str(args.port + 1)}
        with AppProcess(env, args.port, work / "anonymous.log") as anonymous, \
                AppProcess(signed_in_env, args.port + 1, work / "signed_in.log") as app:
            measured = alternating_timings({"anonymous": (anonymous.base, {}),
                                            "signed_in": (app.base, basic("ana", PASSWORD))}, args.requests)
            result.update({key: summary(values) for key, values in measured.items()})
            anonymous.stop()
            baseline, _ = under_attack(app.base, 0, args.seconds)
            attacked, statuses = under_attack(app.base, args.attackers, args.seconds)
            result["signed_in_alone"] = summary(baseline)
            result[f"signed_in_with_{args.attackers}_guessers"] = summary(attacked)
            result["guesser_answers"] = {str(status): count for status, count in sorted(statuses.items())}
    result["signed_in_minus_anonymous_median_ms"] = round(
        result["signed_in"]["median_ms"] - result["anonymous"]["median_ms"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
