"""Render a benchmark result (the JSON-ready dict) as Markdown tables: figures with targets, naive ratios, machine."""

from __future__ import annotations

VERDICTS = {True: "ok", False: "MISSED", None: "–"}


def _number(value: float, unit: str) -> str:
    if unit == "ms" and value < 10:
        return f"{value:.1f} ms"
    return f"{value:,.1f} {unit}" if unit == "s" else f"{value:,.0f} {unit}"


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if index in right else "---" for index in range(len(header))) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def measurements_table(measurements: list[dict]) -> list[str]:
    rows = [
        [f"{m['group']}: {m['label']}", _number(m["value"], m["unit"]),
         f"≤ {_number(m['target'], m['unit'])}" if m["target"] is not None else "–", VERDICTS[m["met"]],
         str(len(m["runs"])), m["detail"]]
        for m in measurements
    ]
    return _table(["figure", "median", "target", "verdict", "runs", "detail"], rows, {1, 2, 4})


def comparisons_table(comparisons: list[dict]) -> list[str]:
    rows = [
        [c["label"], _number(c["optior_ms"], "ms"), _number(c["naive_ms"], "ms"), f"{c['ratio']:,.0f}×",
         "yes" if c["agree"] else "NO"]
        for c in comparisons
    ]
    return _table(["figure", "OptiOR (SQL)", "naive (read all rows into pandas)", "naive / OptiOR", "same answer"],
                  rows, {1, 2, 3})


def machine_line(result: dict) -> str:
    machine, bench = result["machine"], result["benchmark"]
    load = ", ".join(f"{value:.1f}" for value in machine["load_average"])
    return (
        f"{bench['cases']:,} generated cases ({bench['rooms']} rooms, {bench['sites']} site(s), seed {bench['seed']}), "
        f"median of {bench['runs']} run(s), on {machine['cpus']} × {machine['cpu']}, {machine['memory_gb']} GB RAM, "
        f"{machine['os']}, "
        f"Python {machine['python']}, {machine['database']}; load average at the end {load}; "
        f"benchmark took {bench['duration_s'] / 60:.1f} min ({bench['started_at']})."
    )


def render(result: dict) -> str:
    """The whole report as Markdown text."""
    missed = [m["label"] for m in result["measurements"] if m["met"] is False]
    verdict = "Every target met." if not missed else f"Targets missed: {', '.join(missed)}."
    lines = [machine_line(result), "", *measurements_table(result["measurements"]), "",
             "Naive approach in the same run (every row read into pandas on each request, then aggregated):", "",
             *comparisons_table(result["comparisons"]), "", verdict]
    return "\n".join(lines)
