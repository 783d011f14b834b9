"""Model commands: train (and print the card), run a web-started retrain job, predict one case, evaluate a CSV."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from optior.config import settings_from_env
from optior.services.runtime import Runtime

# The services below load scikit-learn (seconds): each handler imports what it needs, so that building the
# command line for the other commands stays quick.

EXIT_OK, EXIT_ERROR = 0, 2
_COLUMNS = (  # key, header, format
    ("mae", "MAE", "{:.1f}"),
    ("median_ae", "Median AE", "{:.1f}"),
    ("bias", "Bias", "{:+.1f}"),
    ("within_10pct", "Within ±10%", "{:.1%}"),
    ("within_15min", "Within ±15 min", "{:.1%}"),
    ("interval_coverage", "80% range coverage", "{:.1%}"),
    ("interval_width", "Range width", "{:.1f}"),
)


def format_metrics(summary: dict) -> str:
    """The holdout metrics of the model and both baselines as a Markdown table (minutes, shares in %)."""
    from optior.services.training import metrics_rows

    rows = metrics_rows(summary)
    header = "| Predictor | " + " | ".join(title for _, title, _ in _COLUMNS) + " |"
    lines = [header, "|---" + "|---:" * len(_COLUMNS) + "|"]
    for row in rows:
        cells = ["–" if row[key] is None else fmt.format(row[key]) for key, _, fmt in _COLUMNS]
        lines.append(f"| {row['predictor']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_distribution(summary: dict) -> str:
    """Quantile calibration, the central ranges and accuracy by combination frequency as Markdown tables."""
    model = summary["model"]
    if "quantile_calibration" not in model:
        return "This evaluation has no quantile figures (saved before they were measured)."
    calibration = model["quantile_calibration"]
    lines = [
        "| Predicted quantile | " + " | ".join(f"P{float(q) * 100:g}" for q in calibration) + " | Pinball loss |",
        "|---" + "|---:" * (len(calibration) + 1) + "|",
        "| Holdout cases at or below | " + " | ".join(f"{share:.1%}" for share in calibration.values())
        + f" | {model['pinball_loss']:.2f} min |",
        "",
        "| Central range | Coverage | Mean width |",
        "|---|---:|---:|",
    ]
    for level, suffix in (("50%", "_50"), ("80%", ""), ("90%", "_90")):
        lines.append(f"| {level} | {model['interval_coverage' + suffix]:.1%} | "
                     f"{model['interval_width' + suffix]:.1f} min |")
    lines += ["", "| Surgeon + CPT seen in training | Holdout cases | MAE | Bias | Procedure median MAE |",
              "|---|---:|---:|---:|---:|"]
    for band in model["by_frequency"]:
        cells = ["–" if band[key] is None else fmt.format(band[key])
                 for key, fmt in (("mae", "{:.1f}"), ("bias", "{:+.1f}"), ("procedure_median_mae", "{:.1f}"))]
        lines.append(f"| {band['band']} times | {band['n']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_by_site(summary: dict) -> str:
    """Holdout accuracy per site against both baselines as a Markdown table ('' with one site)."""
    sites = summary.get("by_site")
    if not sites:
        return ""
    lines = ["| Site | Holdout cases | Model MAE | Bias | Booked time MAE | Procedure median MAE |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in sites:
        lines.append(f"| {row['site']} | {row['cases']:,} | {row['mae']:.1f} | {row['bias']:+.1f} | "
                     f"{row['booked_mae']:.1f} | {row['procedure_median_mae']:.1f} |")
    return "\n".join(lines)


def _split_line(summary: dict) -> str:
    train, test = summary["train_dates"], summary["test_dates"]
    chosen = summary.get("training_rows")  # cards saved before the choice was recorded have none
    return (
        (f"Cases read: {chosen['rule']}\n" if chosen else "")
        + f"Trained on {summary['n_train']:,} cases ({train['first']} to {train['last']}); "
        f"evaluated on the {summary['n_test']:,} cases of the latest dates ({test['first']} to {test['last']})."
    )


def _print_card(card: dict) -> None:
    print(f"Model version {card['version']} ({card['candidates'][card['estimator']['name']]['label']})")
    print(f"Target: {card['target']}.")
    print(_split_line(card))
    print("Features: " + ", ".join(card["features"]) + ".")
    print("Holdout candidates (MAE): " + ", ".join(
        f"{c['label']} {c['mae']:.1f}" for c in card["candidates"].values()) + ".")
    print()
    print(format_metrics(card))
    by_site = format_by_site(card)
    if by_site:
        print()
        print(by_site)
    print()
    print(f"File: {card['file_name']} (SHA-256 {card['sha256']})")


def _train(runtime: Runtime, args: argparse.Namespace) -> int:
    from optior.services.training import retrain

    result = retrain(runtime, force=args.force)
    print(result["message"])
    if result["card"]:
        print()
        _print_card(result["card"])
    return EXIT_ERROR if result["status"] == "error" else EXIT_OK


def _retrain_job(runtime: Runtime, args: argparse.Namespace) -> int:
    from optior.services.jobs import run_retrain_job

    return EXIT_OK if run_retrain_job(runtime, args.job_id, force=args.force) == "done" else EXIT_ERROR


def _predict(runtime: Runtime, args: argparse.Namespace) -> int:
    from optior.services.prediction import predict_duration

    result = predict_duration(
        runtime, service=args.service, cpt_code=args.cpt, or_suite=args.room, case_date=args.date,
        scheduled_start=args.start, booked_minutes=args.booked, surgeon=args.surgeon,
    )
    print(result.model_dump_json(indent=2))
    return EXIT_OK


def _evaluate(_runtime: None, args: argparse.Namespace) -> int:
    from optior.services.training import evaluate_case_file

    summary = evaluate_case_file(settings_from_env(), source=Path(args.csv))
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    print(f"{summary['source']}: {summary['rows_read']:,} rows read, {summary['rejected']:,} rejected.")
    print(f"Target: {summary['target']}.")
    print(_split_line(summary))
    if not summary["holdout_measurable"]:
        print("The holdout has fewer than 30 cases: its figures are too noisy to judge the model by.")
    print()
    print(format_metrics(summary))
    by_site = format_by_site(summary)
    if by_site:
        print()
        print(by_site)
    print()
    print(format_distribution(summary))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train", help="train and evaluate a model on the stored cases; activate it unless it is worse"
    )
    train.add_argument("--force", action="store_true", help="activate the new version even if it is worse")
    train.set_defaults(handler=_train)

    job = subparsers.add_parser(
        "retrain-job", help="run a retrain job the web app recorded (the app starts this itself)"
    )
    job.add_argument("job_id", type=int, help="the job's id")
    job.add_argument("--force", action="store_true", help="activate the new version even if it is worse")
    job.set_defaults(handler=_retrain_job)

    predict = subparsers.add_parser("predict", help="predict one case's in-room minutes (prints JSON)")
    predict.add_argument("--service", required=True)
    predict.add_argument("--cpt", required=True, help="CPT code")
    predict.add_argument("--room", required=True, help="OR suite")
    predict.add_argument("--date", required=True, help="case date, YYYY-MM-DD")
    predict.add_argument("--start", help="scheduled start, HH:MM (24-hour clock)")
    predict.add_argument("--booked", help="booked minutes")
    predict.add_argument("--surgeon")
    predict.set_defaults(handler=_predict)

    evaluate = subparsers.add_parser(
        "evaluate", help="evaluate the model on a case CSV, imported into a temporary database"
    )
    evaluate.add_argument("--csv", required=True, help="the case file (same format as imports)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(handler=_evaluate, needs_runtime=False)
