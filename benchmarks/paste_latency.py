"""Paste-to-score latency of the app's scorer: a 500-character statement, with and without evidence,
and how faithful that evidence is.

Prints the median and 90th percentile over 20 runs for a Chinese and an English statement, as the
app scores them (one statement, default model and precision, integrated gradients in the app's
number of steps). Then ERASER's comprehensiveness and sufficiency of the evidence on every tenth
statement of the test split, at the default precision and at torch fp32, beside random phrases of
the same lengths.

    .venv/bin/python benchmarks/paste_latency.py [--model DIR] [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from app import EXPLAIN_STEPS
from corpus import load_all, load_corpus
from inference.paths import default_model_dir
from inference.scorer import Scorer
from training.faithfulness import faithfulness

CHARS = 500


def statement(lang: str) -> str:
    """About CHARS characters of consecutive corpus statements in one language."""
    texts = [r["text"] for r in load_all() if r["lang"] == lang]
    joined = ("" if lang == "zh" else " ").join(texts[:40])
    return joined[:CHARS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(default_model_dir()))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    scorer = Scorer(args.model, explain_steps=EXPLAIN_STEPS)
    print(f"precision: {scorer.precision}; integrated-gradient steps: {EXPLAIN_STEPS}\n")
    print("| statement | evidence | median ms | p90 ms |")
    print("|---|---|---:|---:|")
    for lang in ("zh", "en"):
        text = statement(lang)
        for explain in (False, True):
            scorer.score([text], explain=explain)  # warm-up
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                scorer.score([text], explain=explain)
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"| {lang}, {len(text)} chars | {'yes' if explain else 'no'} | "
                f"{statistics.median(times):.0f} "
                f"| {np.percentile(times, 90):.0f} |"
            )
    texts = load_corpus()["test"]["text"][::10]
    print(
        f"\nFaithfulness on {len(texts)} test statements "
        "(comprehensiveness: higher is better; sufficiency: lower is better)\n"
    )
    print("| evidence | comprehensiveness | sufficiency |")
    print("|---|---:|---:|")
    for precision in dict.fromkeys([scorer.precision, "fp32"]):
        found = faithfulness(Scorer(args.model, explain_steps=EXPLAIN_STEPS, precision=precision), texts)
        print(
            f"| integrated gradients, {precision} "
            f"| {found['comprehensiveness']:.3f} | {found['sufficiency']:.3f} |"
        )
    print(f"| random phrases | {found['random_comprehensiveness']:.3f} | {found['random_sufficiency']:.3f} |")


if __name__ == "__main__":
    main()
