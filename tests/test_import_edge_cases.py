"""Bad CSV files through the service, the CLI and the API: a clear error or an exact import report, and
the database unchanged or changed exactly as reported."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from optior import cli
from optior.db.schema import cases, import_batches
from optior.errors import InvalidCaseFile
from optior.ingest.generator import generate_cases
from optior.services.importing import import_cases
from optior.services.runtime import Runtime
from tests.test_api_support import TOKEN, api_app, bearer
from tests.test_ingest_parser import PUBLIC_HEADER, PUBLIC_ROWS

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
HEADER = PUBLIC_HEADER.split(",")
BASE = dict(zip(HEADER, next(csv.reader([PUBLIC_ROWS[0]])), strict=True))
TIME_COLUMNS = ("OR Schedule", "Wheels In", "Start Time", "End Time", "Wheels Out")
FUTURE = date.today() + timedelta(days=30)


def row(encounter: str, **changes: str) -> list[str]:
    """The first public row under another Encounter ID, with some fields (by header name) changed."""
    fields = {**BASE, "Encounter ID": encounter, **changes}
    return [fields[name] for name in HEADER]


def moved_to(day: date, *columns: str) -> dict[str, str]:
    """Changes putting the Date (or only the named time columns) on another day, keeping the clock times."""
    text = f"{day:%m/%d/%y}"
    targets = columns or ("Date", *TIME_COLUMNS)
    return {name: text + BASE[name][8:] if name != "Date" else text for name in targets}


def csv_file(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ",", newline: str = "\n",
             bom: bool = False) -> bytes:
    """A CSV file of these rows under the header, in the given dialect (UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


@dataclass
class Outcome:
    """What the user got: an import report, or a refusal with its message (and exit code / HTTP status)."""

    report: dict | None = None
    error: str | None = None
    code: int | None = None


def via_service(runtime: Runtime, data: bytes, _tmp_path: Path) -> Outcome:
    """As the Data page does: the uploaded bytes."""
    try:
        return Outcome(report=import_cases(runtime, source=data, source_name="upload.csv").to_dict())
    except InvalidCaseFile as error:
        return Outcome(error=error.message)


def via_cli(runtime: Runtime, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture) -> Outcome:
    """python -m optior seed --csv FILE --json (in this process, on the test's runtime)."""
    path = tmp_path / "input.csv"
    path.write_bytes(data)
    code = cli.main(["seed", "--csv", str(path), "--json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    if code == cli.EXIT_UNUSABLE:
        assert out.err.startswith("error: ")
        return Outcome(error=out.err.removeprefix("error: ").strip(), code=code)
    report = json.loads(out.out)
    assert code == (cli.EXIT_SOME_REJECTED if report["rejected"] else cli.EXIT_OK)
    return Outcome(report=report, code=code)


def via_api(runtime: Runtime, data: bytes, _tmp_path: Path) -> Outcome:
    """POST /api/seed with the file in the multipart field 'file' and the admin token."""
    client = api_app(runtime, admin_token=TOKEN).test_client()
    response = client.post("/api/seed", data={"file": (io.BytesIO(data), "cases.csv")},
                           content_type="multipart/form-data", headers=bearer())
    body = response.get_json()
    if response.status_code == 200:
        return Outcome(report=body["report"], code=200)
    assert set(body) == {"error", "details"}
    return Outcome(error=body["error"], code=response.status_code)


@pytest.fixture(params=["service", "cli", "api"])
def importer(request, runtime: Runtime, tmp_path: Path, monkeypatch, capsys):
    """Import bytes through one of the three ways in; the CLI runs on the test's runtime."""
    monkeypatch.setattr(cli, "build_runtime", lambda _settings: runtime)
    if request.param == "service":
        return lambda data: via_service(runtime, data, tmp_path)
    if request.param == "cli":
        return lambda data: via_cli(runtime, data, tmp_path, capsys)
    return lambda data: via_api(runtime, data, tmp_path)


def snapshot(runtime: Runtime) -> dict:
    """Every stored case by Encounter ID (without ids), and the import batches."""
    with runtime.db.read() as connection:
        rows = connection.execute(select(cases)).mappings().all()
        batches = connection.execute(select(import_batches).order_by(import_batches.c.id)).mappings().all()
    stored = {r["encounter_id"]: {k: v for k, v in r.items() if k not in ("id", "batch_id")} for r in rows}
    return {"cases": stored, "batches": [dict(b) for b in batches]}


@pytest.fixture
def baseline(runtime: Runtime) -> dict:
    """Two cases already stored before the file under test arrives."""
    import_cases(runtime, source="\n".join([PUBLIC_HEADER, *PUBLIC_ROWS]).encode(), source_name="before.csv")
    return snapshot(runtime)


def assert_refused(runtime: Runtime, before: dict, outcome: Outcome, *needles: str) -> None:
    assert outcome.report is None and outcome.error, outcome
    for needle in needles:
        assert needle in outcome.error
    assert outcome.code in (None, cli.EXIT_UNUSABLE, 400)
    assert snapshot(runtime) == before


def assert_imported(runtime: Runtime, before: dict, outcome: Outcome, new_ids: list[str],
                    rejected: dict[int, str]) -> None:
    """The report counts new_ids as inserted and rejected {line: reason part}; the database holds exactly that."""
    report = outcome.report
    assert report is not None, outcome.error
    assert (report["inserted"], report["updated"], report["rejected"]) == (len(new_ids), 0, len(rejected))
    assert report["rows_read"] == len(new_ids) + len(rejected)
    assert {problem["line"] for problem in report["rejections"]} == set(rejected)
    for problem in report["rejections"]:
        assert rejected[problem["line"]] in problem["reason"]
    after = snapshot(runtime)
    assert sorted(set(after["cases"]) - set(before["cases"])) == sorted(new_ids)
    assert {k: after["cases"][k] for k in before["cases"]} == before["cases"]
    assert after["batches"][:-1] == before["batches"]
    batch = after["batches"][-1]
    assert (batch["rows_read"], batch["inserted"], batch["rejected"]) == (
        report["rows_read"], report["inserted"], report["rejected"])


RENAMED = [name.replace("Wheels In", "In Time").replace("Service", "Dept") for name in HEADER]
UNUSABLE = {  # name: (file, parts of the message)
    "empty file": (b"", ("empty",)),
    "only blank lines": (b"\r\n\r\n  \n", ("empty",)),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ("binary",)),
    "UTF-16 export": (("\ufeff" + PUBLIC_HEADER + "\n" + PUBLIC_ROWS[0]).encode("utf-16-le"), ("UTF-16",)),
    "wrong headers": (csv_file([row("30001")], header=RENAMED), ("missing required columns", "Service", "Wheels In")),
    "duplicated header": (csv_file([[*row("30001"), "x"]], header=[*HEADER, "wheels_in"]),
                          ("Wheels In", "appears twice")),
    "unbalanced quote": (csv_file([row("30001")]) + b'30002,"01/03/22,1\n', ("could not be read as CSV",)),
}


@pytest.mark.parametrize("data,needles", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_file_is_refused_with_a_clear_message_and_nothing_changes(importer, runtime, baseline, data,
                                                                             needles):
    assert_refused(runtime, baseline, importer(data), *needles)


GOOD_ROWS = [row("30001"), row("30002")]
FORMATTED = {
    "byte-order mark": csv_file(GOOD_ROWS, bom=True),
    "Windows line endings": csv_file(GOOD_ROWS, newline="\r\n"),
    "semicolons, BOM and CRLF (Excel, European)": csv_file(GOOD_ROWS, delimiter=";", newline="\r\n", bom=True),
    "tabs": csv_file(GOOD_ROWS, delimiter="\t"),
    "old Mac line endings": csv_file(GOOD_ROWS, newline="\r"),
}


@pytest.mark.parametrize("data", FORMATTED.values(), ids=FORMATTED.keys())
def test_common_csv_dialects_import_every_row(importer, runtime, baseline, data):
    outcome = importer(data)
    assert_imported(runtime, baseline, outcome, ["30001", "30002"], {})
    stored = snapshot(runtime)["cases"]["30001"]
    assert (stored["service"], stored["cpt_description"], stored["in_room_minutes"]) == (
        "Orthopedics", "Arthroplasty, knee, total", 174)


BAD_ROWS = {  # name: (the bad row, part of its rejection reason)
    "date in the future": (row("30002", **moved_to(FUTURE)), "Date is in the future"),
    "times years after the date": (row("30002", **moved_to(date(2031, 1, 3), *TIME_COLUMNS)),
                                   "is not on the case's Date"),
    "wheels out before wheels in": (row("30002", **{"Wheels Out": "01/03/22 06:58 AM"}),
                                    "Wheels Out is not after Wheels In"),
    "in-room time over 24 h": (row("30002", **moved_to(date(2022, 1, 4), "Wheels Out", "End Time")),
                               "in-room time is over 24 hours"),
    "procedure over 24 h": (row("30002", **moved_to(date(2022, 1, 5), "End Time")),
                            "procedure time (Start to End) is over 24 hours"),
    "booked over 24 h": (row("30002", **{"Booked Time (min)": "1500"}), "Booked Time (min) is over 24 hours"),
    "text in booked minutes": (row("30002", **{"Booked Time (min)": "two hours"}),
                               "Booked Time (min) is not a number"),
    "text in a time": (row("30002", **{"Wheels In": "after lunch"}), "Wheels In is not a date and time"),
    "a year out of range": (row("30002", Date="01/03/1899"), "Date is outside the years 1900-2099"),
    "a time-zone offset": (row("30002", **{"Wheels In": "2022-01-03T07:04:00+01:00"}), "time-zone offset"),
    # A cut-short row has no actual times, so it reads as a scheduled case and still lacks its schedule.
    "fewer fields than the header": (row("30002")[:5], "OR Schedule is empty"),
}


@pytest.mark.parametrize("bad,reason", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_rejected_with_its_line_and_the_good_rows_are_imported(importer, runtime, baseline, bad,
                                                                            reason):
    outcome = importer(csv_file([row("30001"), bad, row("30003")]))
    assert_imported(runtime, baseline, outcome, ["30001", "30003"], {3: reason})


def test_rejected_lines_are_file_lines_after_blank_lines_and_quoted_line_breaks(importer, runtime, baseline):
    described = row("30001", **{"CPT Description": "Arthroplasty,\nknee,\ntotal"})  # lines 2-4
    bad = row("30002", **{"Booked Time (min)": "two hours"})
    data = csv_file([described, [], [], bad, row("30003")], newline="\r\n")  # 5-6 blank, 7 bad
    outcome = importer(data)
    assert_imported(runtime, baseline, outcome, ["30001", "30003"], {7: "Booked Time (min) is not a number"})


def test_a_nul_byte_past_the_sniffed_head_rejects_only_its_row(importer, runtime, baseline):
    good = [row(str(40000 + i)) for i in range(700)]  # well over the 64 KB the binary check looks at
    data = csv_file([*good, row("49999", Service="Ortho\x00pedics")])
    assert len(data) > 64 * 1024
    outcome = importer(data)
    assert_imported(runtime, baseline, outcome, [str(40000 + i) for i in range(700)], {702: "contains a NUL byte"})


def test_a_file_over_the_size_limit_is_refused_by_the_cli_after_reading_only_its_size(runtime, baseline, tmp_path,
                                                                                     monkeypatch, capsys):
    io_stats = Path("/proc/self/io")
    if not io_stats.exists():
        pytest.skip("needs Linux /proc/self/io to count the bytes read")
    small = runtime.settings.with_changes(max_upload_mb=1)
    monkeypatch.setattr(cli, "build_runtime", lambda _settings: Runtime(settings=small, db=runtime.db))
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:  # 300 MB, sparse: a header, then a hole
        handle.write(csv_file(GOOD_ROWS))
        handle.truncate(300 * MB)

    def bytes_read() -> int:
        return int(next(line for line in io_stats.read_text().splitlines() if line.startswith("rchar:")).split()[1])

    before = bytes_read()
    code = cli.main(["seed", "--csv", str(big)])
    read = bytes_read() - before
    err = capsys.readouterr().err
    assert code == cli.EXIT_UNUSABLE
    assert "300 MB" in err and "limit is 1 MB" in err and "OPTIOR_MAX_UPLOAD_MB" in err
    assert read < MB, f"the CLI read {read} bytes of a file it refused"
    assert snapshot(runtime) == baseline


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes that exist only when read; counts how many the server reads."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"x" * count
        self.position += count
        self.read_bytes += count
        return count


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=b", "text/csv"])
def test_an_upload_over_the_size_limit_is_refused_by_the_api_before_its_body_is_read(runtime, baseline,
                                                                                    content_type):
    client = api_app(runtime, admin_token=TOKEN, max_upload_mb=1).test_client()
    body = CountingStream(300 * MB)
    response = client.post("/api/seed", input_stream=body, content_type=content_type, headers=bearer())
    assert response.status_code == 413
    assert "size limit" in response.get_json()["error"]
    assert body.read_bytes == 0
    assert snapshot(runtime) == baseline


def test_a_stream_over_the_size_limit_is_refused_by_the_service(runtime, baseline):
    stream = io.BytesIO(csv_file(GOOD_ROWS * 1000))
    with pytest.raises(InvalidCaseFile) as refused:
        import_cases(Runtime(settings=runtime.settings.with_changes(max_upload_mb=0.01), db=runtime.db),
                     source=stream, source_name="stream.csv")
    assert "limit is 10.2 KB" in refused.value.message
    assert snapshot(runtime) == baseline


def test_a_bad_file_without_the_admin_token_is_refused_before_it_is_read(runtime, baseline):
    client = api_app(runtime, admin_token=TOKEN).test_client()
    body = CountingStream(10 * MB)
    response = client.post("/api/seed", input_stream=body, content_type="text/csv")
    assert response.status_code == 401
    assert body.read_bytes == 0
    assert snapshot(runtime) == baseline


# --- 100,000 rows, some bad ----------------------------------------------------------------------------------

BIG_ROWS, BAD_EVERY = 100_000, 1_000
CORRUPTIONS = (  # (column, value or None for "copy the previous row's", reason) applied in turn
    ("Wheels Out", "01/01/20 12:00 AM", "Wheels Out is not after Wheels In"),
    ("Booked Time (min)", "ninety", "Booked Time (min) is not a number"),
    ("Booked Time (min)", "2000", "Booked Time (min) is over 24 hours"),
    ("Date", f"{FUTURE:%m/%d/%y}", "Date is in the future"),
    ("Service", "", "Service is empty"),
    ("Encounter ID", None, "Encounter ID already appears on line"),
    ("Wheels In", "2021-03-01T08:00:00Z", "time-zone offset"),
    ("Wheels Out", "12/31/29 11:00 PM", "in-room time is over 24 hours"),
)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, list[str], dict[int, str]]:
    """100,000 generated cases (2020-2023) with every 1,000th row broken in one of eight ways."""
    frame = generate_cases(BIG_ROWS, seed=11, start=date(2020, 1, 6), rooms=30).astype(str)
    rejected: dict[int, str] = {}
    for number, index in enumerate(range(BAD_EVERY // 2, BIG_ROWS, BAD_EVERY)):
        column, value, reason = CORRUPTIONS[number % len(CORRUPTIONS)]
        frame.loc[index, column] = frame.loc[index - 1, column] if value is None else value
        rejected[index + 2] = reason
    good = frame.drop(index=[line - 2 for line in rejected])["Encounter ID"].tolist()
    path = tmp_path_factory.mktemp("big") / "cases_100k.csv"
    frame.to_csv(path, index=False)
    return path, good, rejected


def cli_subprocess(runtime: Runtime, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPTIOR_DATABASE_URL=runtime.settings.database_url,
               OPTIOR_MODEL_DIR=str(runtime.settings.model_dir))
    return subprocess.run([sys.executable, "-m", "optior", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("way", ["service", "cli", "api"])
def test_100k_rows_with_some_bad_are_imported_exactly_as_reported(way, runtime, baseline, big_file, tmp_path):
    path, good, rejected = big_file
    if way == "cli":  # the real command, in its own process
        result = cli_subprocess(runtime, "seed", "--csv", str(path), "--json")
        assert result.returncode == cli.EXIT_SOME_REJECTED, result.stderr
        outcome = Outcome(report=json.loads(result.stdout), code=result.returncode)
    else:
        outcome = (via_service if way == "service" else via_api)(runtime, path.read_bytes(), tmp_path)
    assert (len(good), len(rejected)) == (99_900, 100)
    assert_imported(runtime, baseline, outcome, good, rejected)
    with runtime.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(cases)).scalar_one() == 99_902
