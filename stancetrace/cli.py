"""The `stance` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corpus import splits as corpus_splits
from corpus.records import read_corpus
from corpus.schema import DATA_DIR, SPLITS_FILE
from corpus.stats import frame, report
from corpus.validate import validate
from stancetrace import __version__


def _corpus_validate(args: argparse.Namespace) -> int:
    problems = validate(args.data_dir, args.splits)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    entries, _ = read_corpus(args.data_dir)
    print(f"corpus OK: {len(entries)} statements in {args.data_dir}")
    return 0


def _corpus_stats(args: argparse.Namespace) -> int:
    entries, problems = read_corpus(args.data_dir)
    if problems:
        print(f"{problems[0]}\nthe corpus does not read cleanly; run `stance corpus validate`", file=sys.stderr)
        return 1
    df = frame([e.record for e in entries], corpus_splits.load_splits(args.splits) if args.splits.exists() else {})
    print(report(df))
    return 0


def _corpus_split(args: argparse.Namespace) -> int:
    entries, problems = read_corpus(args.data_dir)
    if problems:
        print(f"{problems[0]}\nthe corpus does not read cleanly; run `stance corpus validate`", file=sys.stderr)
        return 1
    existing = {} if args.reassign or not args.splits.exists() else corpus_splits.load_splits(args.splits)
    records = [e.record for e in entries]
    assignment = corpus_splits.assign_splits(records, existing, seed=args.seed)
    corpus_splits.save_splits(assignment, args.splits, seed=args.seed)
    added = sum(1 for i in assignment if i not in existing)
    print(f"{args.splits}: {added} statement(s) newly assigned, {len(assignment) - added} kept")
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
        ("split", _corpus_split, "give new statements a train/validation/test split (existing ones are kept)"),
    ]:
        sub = corpus_commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder of *.jsonl files (default: the shipped corpus)")
        sub.add_argument("--splits", type=Path, default=SPLITS_FILE, help="split assignment file (default: corpus/splits.json)")
        sub.set_defaults(handler=handler)
        if name == "split":
            sub.add_argument("--seed", type=int, default=corpus_splits.SEED)
            sub.add_argument("--reassign", action="store_true", help="discard the stored splits and deal every statement anew")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
