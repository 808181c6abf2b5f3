"""The `stance` command line."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from corpus import splits as corpus_splits
from corpus.events import check_events
from corpus.records import read_corpus
from corpus.schema import DATA_DIR, EVENTS_FILE, SPLITS_FILE
from corpus.stats import frame, report
from corpus.validate import validate
from stancetrace import __version__


def whole_number(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number in minimum..maximum, else an error naming the range."""

    def parse(text: str) -> int:
        wanted = (
            f"a whole number >= {minimum}" if maximum is None else f"a whole number in {minimum}..{maximum}"
        )
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    return parse


def number_at_least(minimum: float):
    """An argparse type: a finite number (decimals allowed) >= minimum, else an error naming the bound."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not minimum <= value < math.inf:
            raise argparse.ArgumentTypeError(f"must be a finite number >= {minimum:g}, got {text!r}")
        return value

    return parse


def _corpus_validate(args: argparse.Namespace) -> int:
    problems = validate(args.data_dir, args.splits) + check_events(args.events)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    entries, _ = read_corpus(args.data_dir)
    print(f"corpus OK: {len(entries)} statements in {args.data_dir}; events OK: {args.events}")
    return 0


def _corpus_stats(args: argparse.Namespace) -> int:
    entries, problems = read_corpus(args.data_dir)
    if problems:
        print(
            f"{problems[0]}\nthe corpus does not read cleanly; run `stance corpus validate`", file=sys.stderr
        )
        return 1
    df = frame([e.record for e in entries], corpus_splits.load_all_splits(args.splits))
    print(report(df))
    return 0


def _corpus_split(args: argparse.Namespace) -> int:
    entries, problems = read_corpus(args.data_dir)
    if problems:
        print(
            f"{problems[0]}\nthe corpus does not read cleanly; run `stance corpus validate`", file=sys.stderr
        )
        return 1
    existing = {} if args.reassign or not args.splits.exists() else corpus_splits.load_splits(args.splits)
    records = [e.record for e in entries]
    assignment = corpus_splits.assign_splits(records, existing, seed=args.seed)
    corpus_splits.save_all_splits(records, assignment, args.splits, seed=args.seed)
    added = sum(1 for i in assignment if i not in existing)
    print(
        f"{args.splits}: {added} statement(s) newly assigned, {len(assignment) - added} kept; "
        f"held-out splits ({', '.join(corpus_splits.SCHEMES[1:])}) derived beside it"
    )
    return 0


def _base(args: argparse.Namespace) -> int:
    from training.base_model import default_base_model, prepare_base_model

    folder = prepare_base_model(args.out) if args.out else default_base_model()
    print(folder)
    return 0


def _prepare(args: argparse.Namespace) -> int:
    from inference.models import MANIFEST
    from inference.paths import built_in_model_dir, default_model_dir
    from training.config import TrainConfig
    from training.train import train

    folder = default_model_dir()
    if (folder / MANIFEST).exists():
        print(f"default model ready: {folder}")
        return 0
    if folder != built_in_model_dir():
        raise ValueError(
            f"{folder}: the default model chosen with `stance models use` is missing; choose another "
            f"with `stance models use DIR` (the built-in one is {built_in_model_dir()})"
        )
    if folder.exists():  # made by an earlier StanceTrace, whose folders lack the manifest
        print(f"the default model at {folder} is of an older format; training it anew", file=sys.stderr)
    else:
        print(
            f"training the default model into {folder}, once (the progress bar shows the time left)",
            file=sys.stderr,
        )
    metrics = train(TrainConfig(), folder, overwrite=folder.exists())
    print(f"default model ready: {folder} (test macro-F1 {metrics['test']['overall']['macro_f1']:.3f})")
    return 0


def _train(args: argparse.Namespace) -> int:
    from stancetrace.models import remember
    from training.config import TrainConfig
    from training.evaluate import format_report
    from training.own_labels import read_own_labels
    from training.train import TrainingFailed, train

    overrides = {
        "base_model": args.base_model,
        "epochs": args.epochs,
        "seed": args.seed,
        "train_lang": args.train_lang,
        "max_steps": args.max_steps,
        "baseline": args.baseline or None,
    }
    config = TrainConfig.from_file(args.config) if args.config else TrainConfig()
    config = config.with_overrides(**overrides).with_assignments(args.set)
    if args.print_config:
        print(config.to_yaml(), end="")
        return 0
    if args.out is None:
        raise ValueError("--out is required: the model folder to write")
    added = read_own_labels(args.add) if args.add else None  # every bad row is named before training
    try:
        metrics = train(
            config,
            args.out,
            overwrite=args.overwrite,
            data_dir=args.data_dir,
            splits_file=args.splits,
            split=args.split,
            added=added,
        )
    except TrainingFailed as err:
        print(f"stance: training failed: {err}", file=sys.stderr)
        return 1
    remember(args.out)
    parts = [f"model saved to {args.out} ({metrics['train_seconds']} s of training)"]
    parts.append(f"Test split\n{format_report(metrics['test'])}")
    if metrics.get("own_held_out"):
        held = metrics["added"]["held_out"]
        parts.append(f"Your held-out statements ({held})\n{format_report(metrics['own_held_out'])}")
    print("\n\n".join(parts))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from corpus import load_corpus
    from inference import Scorer
    from inference.paths import default_model_dir
    from training.evaluate import evaluated, format_faithfulness, format_held_out, format_report
    from training.metrics import report_json
    from training.own_labels import read_own_labels

    model = args.model or default_model_dir()
    if args.explain_max < 1:
        raise ValueError("--explain-max must be at least 1")
    models = (model, args.compare) if args.compare else (model,)
    if args.data:
        rows, name = read_own_labels([args.data]).evaluation_rows(), Path(args.data).stem
    else:
        rows = load_corpus(args.data_dir, corpus_splits.scheme_file(args.splits, args.split))["test"]
        name = "test" if args.split == "stratified" else f"test-{args.split}"
        for folder in models:
            _warn_if_seen(Path(folder), rows["id"], args.split, args.splits)
    for folder in models:
        _warn_if_added(Path(folder), list(rows["text"]))
    scorer = Scorer(model)
    report, probs = evaluated(scorer, rows)
    if args.compare:
        return _compare(args, rows, name, (Path(model), report, probs))
    parts = [format_report(report)]
    if args.held_out:
        from training.held_out import held_out

        report["held_out"] = held_out(_model_config(Path(model)), args.data_dir, args.splits)
        parts.insert(0, format_held_out(report["held_out"], report, name))
    if args.explain:
        from training.faithfulness import faithfulness

        texts = list(rows["text"])
        every = -(-len(texts) // args.explain_max)
        report["faithfulness"] = faithfulness(scorer, texts[::every])
        parts.append(format_faithfulness(report["faithfulness"]))
    out = args.out or Path(model) / f"eval-{name}.json"
    Path(out).write_text(report_json(report), encoding="utf-8")
    print("\n\n".join(parts) + f"\n\nwritten to {out}")
    return 0


def _compare(args: argparse.Namespace, rows, name: str, new: tuple) -> int:
    """`stance eval --compare OLD`: both models on the same statements, side by side."""
    from corpus.scale import level_of
    from inference import Scorer
    from training.evaluate import evaluated, format_comparison
    from training.metrics import paired_bootstrap, report_json

    if args.held_out or args.explain:
        raise ValueError("--compare prints the two models' metrics only; run --held-out or --explain alone")
    (new_model, new_report, new_probs), old_model = new, Path(args.compare)
    old_report, old_probs = evaluated(Scorer(old_model), rows)
    names = (new_model.name or "new", old_model.name or "old")
    if names[0] == names[1]:
        names = (str(new_model), str(old_model))
    bootstrap = paired_bootstrap(list(rows["label"]), level_of(new_probs), level_of(old_probs))
    comparison = {
        "data": name,
        "new": {"model": str(new_model), **new_report},
        "old": {"model": str(old_model), **old_report},
        "macro_f1_difference": bootstrap,
    }
    out = args.out or new_model / f"compare-{name}.json"
    Path(out).write_text(report_json(comparison), encoding="utf-8")
    print(f"{format_comparison(new_report, old_report, names, bootstrap)}\n\nwritten to {out}")
    return 0


def _model_config(model: Path):
    """The settings a model folder was trained with (its metrics.json)."""
    import json

    from training.config import TrainConfig

    metrics = model / "metrics.json"
    if not metrics.exists():
        raise ValueError(f"{metrics}: missing; --held-out retrains the model's own settings, read from there")
    return TrainConfig(**json.loads(metrics.read_text(encoding="utf-8"))["config"])


def _warn_if_added(model: Path, texts: list[str]) -> None:
    """Say so when the model was trained on some of these statements, added with `--add`."""
    import json

    from training.own_labels import text_key

    metrics = model / "metrics.json"
    added = json.loads(metrics.read_text(encoding="utf-8")).get("added") if metrics.exists() else None
    trained = set((added or {}).get("trained", []))
    seen = sum(text_key(t) in trained for t in texts)
    if seen:
        print(
            f"note: {model} was trained on {seen} of these {len(texts)} statements (added with --add); "
            "its figures here are not held out. Its held-out share is in its model card",
            file=sys.stderr,
        )


def _warn_if_seen(model: Path, test_ids: list[str], split: str, splits_file: Path) -> None:
    """Say so when the model was trained on another split whose train or validation set holds test
    statements."""
    import json

    metrics = model / "metrics.json"
    trained_on = (
        json.loads(metrics.read_text(encoding="utf-8")).get("split", "stratified")
        if metrics.exists()
        else None
    )
    if trained_on is None or trained_on == split:
        return
    seen = corpus_splits.load_splits(corpus_splits.scheme_file(splits_file, trained_on))
    overlap = sum(1 for i in test_ids if seen.get(i) in ("train", "validation"))
    if overlap:
        print(
            f"note: {model} was trained on the {trained_on} split, whose train and validation sets hold "
            f"{overlap} of "
            f"these {len(test_ids)} test statements; for a held-out figure train with `stance train "
            f"--split {split}`",
            file=sys.stderr,
        )


def _score(args: argparse.Namespace) -> int:
    from inference.batch import score_files

    summary = score_files(
        args.inputs,
        args.out,
        model=args.model,
        text_field=args.text_field,
        batch_size=args.batch_size,
        explain=args.explain,
        engine=args.engine,
        max_chars=args.max_chars,
        workers=args.workers,
        gpus_per_worker=args.gpus_per_worker,
    )
    for note in summary.notes:
        print(f"stance: note: {note}", file=sys.stderr)
    print(f"{args.out}: {summary}", file=sys.stderr)
    return 1 if summary.failed else 0


def _timeline_import(args: argparse.Namespace) -> int:
    from stancetrace.importer import Fields, import_files
    from stancetrace.store import TimelineStore, default_store_path

    fields = Fields(
        args.date_field, args.jurisdiction_field, args.issuer_field, args.title_field, args.text_field
    )
    store = TimelineStore(args.db or default_store_path())
    report = import_files(store, args.files, fields)
    for problem in report.problems:
        print(f"stance: {problem}", file=sys.stderr)
    print(
        f"{store.path}: {report.added} statement(s) imported, {report.already} already there, "
        f"{len(report.problems)} row(s) not imported (of {report.rows})"
    )
    return 1 if report.problems else 0


def _timeline_write(args: argparse.Namespace) -> int:
    from inference import Scorer
    from inference.paths import default_model_dir
    from stancetrace import timeline
    from stancetrace.store import TimelineStore, default_store_path
    from stancetrace.trajectory import EVENT_DAYS, Selection

    model = Path(args.model or default_model_dir())
    store = TimelineStore(args.db or default_store_path())
    shown = timeline.Timeline(lambda texts: Scorer(model).score(texts), model, store)  # loaded if uncached
    selection = Selection(
        jurisdictions=tuple(args.jurisdiction or shown.jurisdictions()),
        targets=(args.target,),
        since=args.since,
        until=args.until,
        issuer=args.issuer or "",
        basis=args.basis,
    )
    result = shown.trajectory(selection, args.bandwidth)
    write = {
        "export": timeline.points_table,
        "changes": timeline.changes_table,
        "quarterly": timeline.quarterly_table,
    }
    write[args.timeline_command](args.out, result)
    near, changes = result.near_events()
    print(
        f"{args.out}: {len(result.points)} point(s), {changes} change point(s), {near} of them within "
        f"{EVENT_DAYS} days of an event"
    )
    return 0


def _suggest(args: argparse.Namespace) -> int:
    from corpus.jsonl import write_json_lines
    from stancetrace.labels import LabelStore
    from stancetrace.store import default_store_path
    from stancetrace.suggest import candidates, suggest

    items, problems = candidates(args.files, args.text_field)
    for problem in problems:
        print(f"stance: {problem} (left out)", file=sys.stderr)
    labelled = LabelStore(args.db or default_store_path()).labelled_texts()
    queue = suggest(items, args.n, args.by, skip=labelled)
    write_json_lines(args.out, queue, "the queue", overwrite=args.overwrite)
    print(
        f"{args.out}: {len(queue)} statement(s) to label, the least sure first ({args.by}), of "
        f"{len(items)} scored; {sum(i['text'].strip() in labelled for i in items)} already labelled and "
        f"{len(problems)} unscored row(s) left out. Open it in the app's Label tab."
    )
    return 0


def _labels_export(args: argparse.Namespace) -> int:
    from stancetrace.labels import LabelStore
    from stancetrace.store import default_store_path

    store = LabelStore(args.db or default_store_path())
    count = store.export(args.out, overwrite=args.overwrite)
    print(f"{args.out}: {count} labelled statement(s) from {store.path}; train on them with --add {args.out}")
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from stancetrace.models import models_table

    table = models_table()
    if table.empty:
        print(
            "no trained models yet: `stance prepare` trains the default one, `stance train --out DIR` others"
        )
        return 0
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
    print("\n* the default for `stance score` and the app; change it with `stance models use DIR`")
    return 0


def _models_use(args: argparse.Namespace) -> int:
    from stancetrace.models import use

    print(f"default model: {use(args.folder)} (for `stance score`, `stance eval` and the app)")
    return 0


def _app(args: argparse.Namespace) -> int:
    import app

    app.main(args.app_args)  # its own options: python app.py --help
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description=__doc__.strip() if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"stancetrace {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    corpus = commands.add_parser("corpus", help="check, split and count the labelled corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, metavar="COMMAND")
    for name, handler, summary in [
        ("validate", _corpus_validate, "check every corpus rule; exit 1 naming file, line and problem"),
        ("stats", _corpus_stats, "print counts by label, language, jurisdiction, year and split"),
        (
            "split",
            _corpus_split,
            "give new statements a train/validation/test split (existing ones are kept)",
        ),
    ]:
        sub = corpus_commands.add_parser(name, help=summary, description=summary)
        sub.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help="folder of *.jsonl files (default: the shipped corpus)",
        )
        sub.add_argument(
            "--splits",
            type=Path,
            default=SPLITS_FILE,
            help="split assignment file (default: corpus/splits.json)",
        )
        sub.set_defaults(handler=handler)
        if name == "validate":
            sub.add_argument(
                "--events",
                type=Path,
                default=EVENTS_FILE,
                help="policy milestones to check (default: corpus/events.jsonl)",
            )
        if name == "split":
            sub.add_argument("--seed", type=whole_number(0), default=corpus_splits.SEED)
            sub.add_argument(
                "--reassign",
                action="store_true",
                help="discard the stored splits and deal every statement anew",
            )

    base = commands.add_parser(
        "base", help="prepare the packaged base model (multilingual-e5-small) and print its folder"
    )
    base.add_argument("--out", type=Path, help="folder to write (default: the user's cache folder)")
    base.set_defaults(handler=_base)

    prepare = commands.add_parser(
        "prepare", help="train the default model into the user's data folder if it is missing"
    )
    prepare.set_defaults(handler=_prepare)

    train = commands.add_parser(
        "train", help="fine-tune a stance model on the corpus (or the TF-IDF baseline)"
    )
    train.add_argument(
        "--out", type=Path, help="model folder to write (atomically); required unless --print-config"
    )
    train.add_argument(
        "--config", type=Path, help="YAML/JSON file of training settings (see training/config.py)"
    )
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set one training setting, after --config and the options below (repeatable), "
        "e.g. --set learning_rate=3e-5 --set train_lang=null",
    )
    train.add_argument(
        "--print-config",
        action="store_true",
        help="print the full settings this run would use, as a settings file, and exit",
    )
    train.add_argument(
        "--base-model", help="hub name or local folder (default: the packaged multilingual-e5-small)"
    )
    train.add_argument("--epochs", type=whole_number(1))
    train.add_argument("--seed", type=whole_number(0))
    train.add_argument(
        "--train-lang", choices=["zh", "en"], help="train on one language only (cross-lingual transfer)"
    )
    train.add_argument(
        "--max-steps", type=whole_number(1), help="stop after this many optimiser steps (smoke runs)"
    )
    train.add_argument(
        "--baseline",
        action="store_true",
        help="train the TF-IDF + logistic regression baseline instead (the setting baseline=true)",
    )
    train.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="FILE",
        help="your own labelled statements (CSV, JSONL or Parquet: text, label; optional targets, lang, "
        "date, jurisdiction, id), trained on beside the corpus; a hashed 20%% are held out (repeatable)",
    )
    train.add_argument("--overwrite", action="store_true", help="replace an existing model folder at --out")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("eval", help="evaluate a model on the test split or a labelled JSONL file")
    evaluate.add_argument(
        "--model", type=Path, help="model folder written by `stance train` (default: the default model)"
    )
    evaluate.add_argument(
        "--compare",
        type=Path,
        metavar="OLD",
        help="a second model folder: both models' metrics side by side, their difference, and a paired "
        "bootstrap 95%% interval for the macro-F1 difference",
    )
    evaluate.add_argument(
        "--data",
        type=Path,
        help="labelled statements, in the `stance train --add` format (default: the corpus test split)",
    )
    evaluate.add_argument(
        "--out", type=Path, help="where to write the metrics JSON (default: MODEL/eval-NAME.json)"
    )
    evaluate.add_argument(
        "--held-out",
        action="store_true",
        help="also train the model's settings on the temporal split (test: 2025 on) and without news "
        "(test: news), once per settings and corpus, and report those figures first",
    )
    evaluate.add_argument(
        "--explain",
        action="store_true",
        help="also measure the evidence's faithfulness (ERASER comprehensiveness and sufficiency, against "
        "random phrases) on up to --explain-max of the statements",
    )
    evaluate.add_argument("--explain-max", type=int, default=100, metavar="N", help="(default: 100)")
    evaluate.set_defaults(handler=_eval)

    score = commands.add_parser(
        "score",
        help="score documents from files into a JSONL, CSV or Parquet file (resumable)",
        description="Score documents. INPUT: .jsonl, .csv (one document per row), .txt, .pdf, .docx "
        "(one per file), a folder of them, or - for standard input (JSON Lines if it starts with '{', "
        "else one document per line). Re-running with the same --out scores only the rows still missing.",
    )
    score.add_argument("inputs", nargs="+", metavar="INPUT")
    score.add_argument("--out", type=Path, required=True, help="output file: .jsonl, .csv or .parquet")
    score.add_argument("--model", type=Path, help="model folder (default: the default model)")
    score.add_argument(
        "--text-field", default="text", help="field or column holding the text (default: text)"
    )
    score.add_argument(
        "--batch-size", type=whole_number(1), default=16, help="documents per batch (default: 16)"
    )
    score.add_argument(
        "--max-chars",
        type=whole_number(1),
        default=500_000,
        help="a document longer than this gets an error instead of the time and memory it would take "
        "(default: 500000)",
    )
    score.add_argument(
        "--explain",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="add the evidence words (costs time; off by default)",
    )
    score.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="ray: run the scorer through Ray Data (pip install 'stancetrace[ray]'), on this machine or "
        "the cluster in RAY_ADDRESS",
    )
    score.add_argument(
        "--workers",
        type=whole_number(1),
        default=1,
        help="scorer processes (Ray actors), each loading the model once; needs --engine ray (default: 1)",
    )
    score.add_argument(
        "--gpus-per-worker",
        type=number_at_least(0),
        default=0.0,
        metavar="F",
        help="GPUs each worker holds, a fraction to share one (e.g. 0.5); needs --engine ray (default: 0)",
    )
    score.set_defaults(handler=_score)

    _timeline_parser(commands)
    _loop_parsers(commands)

    web = commands.add_parser(
        "app", help="start the web app on 127.0.0.1 (options: python app.py --help)", add_help=False
    )
    web.set_defaults(handler=_app)

    for sub in (train, evaluate):
        sub.add_argument(
            "--split",
            choices=corpus_splits.SCHEMES,
            default="stratified",
            help="which stored split to train or test on: stratified (default), temporal "
            "(test: 2025 on) or register (test: news reports)",
        )
        sub.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help="folder of labelled *.jsonl files in the corpus format (default: the shipped corpus)",
        )
        sub.add_argument(
            "--splits",
            type=Path,
            default=SPLITS_FILE,
            help="stratified split file; the temporal and register splits are read beside it as "
            "splits-temporal.json and splits-register.json (default: corpus/splits.json)",
        )
    return parser


def _timeline_parser(commands) -> None:
    from stancetrace.trajectory import BASES, TARGETS
    from stancetrace.trend import BANDWIDTH_DAYS

    timeline = commands.add_parser(
        "timeline", help="import scored files into the timeline; export its points and change points"
    )
    verbs = timeline.add_subparsers(dest="timeline_command", required=True, metavar="COMMAND")
    load = verbs.add_parser(
        "import",
        help="load the output of `stance score` (JSONL, CSV or Parquet) into the timeline store",
        description="Load scored files into the timeline store. Rows already imported are skipped; a row "
        "without a valid date, jurisdiction or score is reported (file, row, problem) and the rest are "
        "imported; the exit code is 1 if any row failed.",
    )
    load.add_argument("files", nargs="+", metavar="FILE")
    for name in ("date", "jurisdiction", "issuer", "title", "text"):
        load.add_argument(
            f"--{name}-field", default=name, help=f"column holding the {name} (default: {name})"
        )
    load.set_defaults(handler=_timeline_import)
    subs = [load]
    for verb, summary in [
        (
            "export",
            "write one row per point: date, jurisdiction, issuer, title, target, score, trend, band, source",
        ),
        ("changes", "write one row per change point: date, interval, confidence, means before and after"),
        ("quarterly", "write the quarterly index: mean score, count and 90%% band per quarter"),
    ]:
        sub = verbs.add_parser(verb, help=summary, description=summary[0].upper() + summary[1:] + ".")
        sub.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
        sub.add_argument("--jurisdiction", nargs="+", metavar="J", help="jurisdiction codes (default: all)")
        sub.add_argument(
            "--target", choices=TARGETS, default="overall", help="overall (default) or an object"
        )
        sub.add_argument("--since", type=_date, help="first date, YYYY-MM-DD")
        sub.add_argument("--until", type=_date, help="last date, YYYY-MM-DD")
        sub.add_argument("--issuer", help="keep the documents whose issuer contains this text")
        sub.add_argument(
            "--basis",
            choices=BASES,
            default="model",
            help="the corpus documents' scores: the model's (default) or the annotators' labels",
        )
        sub.add_argument(
            "--bandwidth",
            type=number_at_least(1),
            default=BANDWIDTH_DAYS,
            metavar="DAYS",
            help=f"trend smoothing, in days (default: {BANDWIDTH_DAYS})",
        )
        sub.add_argument(
            "--model", type=Path, help="model folder scoring the corpus (default: the default model)"
        )
        sub.set_defaults(handler=_timeline_write)
        subs.append(sub)
    for sub in subs:
        sub.add_argument(
            "--db", type=Path, help="timeline database (default: $STANCETRACE_DB or the user's data folder)"
        )


def _loop_parsers(commands) -> None:
    """The researcher's loop: which statements to label, the labels given, the models trained."""
    from stancetrace.suggest import MEASURES

    db_help = "the app's database (default: $STANCETRACE_DB or the user's data folder)"
    suggest = commands.add_parser(
        "suggest",
        help="rank scored statements by how unsure the model is, for the app's Label tab",
        description="Pick the statements to label next from the output of `stance score`: the least sure "
        "first (margin or entropy of the calibrated probabilities), varied, without near-duplicates or "
        "statements labelled already.",
    )
    suggest.add_argument("files", nargs="+", metavar="SCORED")
    suggest.add_argument("--out", type=Path, required=True, metavar="QUEUE.jsonl")
    suggest.add_argument(
        "-n", type=whole_number(1), default=100, help="statements in the queue (default: 100)"
    )
    suggest.add_argument(
        "--by", choices=MEASURES, default="margin", help="uncertainty measure (default: margin)"
    )
    suggest.add_argument("--text-field", default="text", help="column holding the text (default: text)")
    suggest.add_argument("--db", type=Path, help=db_help + "; its labelled texts are left out")
    suggest.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    suggest.set_defaults(handler=_suggest)

    labels = commands.add_parser("labels", help="the corrections and labels given in the app")
    export = labels.add_subparsers(dest="labels_command", required=True, metavar="COMMAND").add_parser(
        "export",
        help="write the corrections and labels in the `stance train --add` format",
        description="Write the latest label of each statement corrected or labelled in the app, as JSON "
        "Lines in the `stance train --add` format.",
    )
    export.add_argument("--out", type=Path, required=True, metavar="FILE.jsonl")
    export.add_argument("--db", type=Path, help=db_help)
    export.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    export.set_defaults(handler=_labels_export)

    models = commands.add_parser("models", help="list the trained models; choose the default one")
    verbs = models.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    verbs.add_parser("list", help="the trained models with date, data and key metrics").set_defaults(
        handler=_models_list
    )
    use = verbs.add_parser("use", help="make a trained model the default for `stance score` and the app")
    use.add_argument("folder", type=Path, metavar="DIR")
    use.set_defaults(handler=_models_use)


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "app":
        args.app_args = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.handler(args)
    except (ValueError, OSError) as err:  # bad input or files: a clear message, not a traceback
        print(f"stance: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
