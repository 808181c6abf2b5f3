"""Speed-up of the ray engine with its number of workers, on this machine or the cluster in RAY_ADDRESS.

Scores the same documents of about 300 tokens (built as in scoring_speed.py) with 1 and 2 workers
(or those given) and prints a table: documents per second over the whole run (start-up included:
Ray and the workers starting, each loading the model), the speed-up over the fewest workers, and
when the first batch was scored; one process of the local engine scoring the same documents (after
a warm-up) is the reference. The model's ONNX export is made beforehand.

    .venv/bin/python benchmarks/ray_scaling.py [--docs 200] [--model DIR] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import os
import time

import ray
from scoring_speed import documents
from transformers import AutoTokenizer

from inference.paths import default_model_dir
from inference.ray_engine import score_rows
from inference.readers import Row
from inference.scorer import Scorer
from stancetrace.cli import whole_number

BATCH_SIZE = 16


def local_rate(model: str, docs: list[str]) -> float:
    """Documents per second of the local engine: one process, all of this machine's cores."""
    scorer = Scorer(model, batch_size=BATCH_SIZE)
    scorer.score(docs[:BATCH_SIZE])  # warm-up, and the ONNX export the workers then find
    started = time.perf_counter()
    for start in range(0, len(docs), BATCH_SIZE):
        scorer.score(docs[start : start + BATCH_SIZE])
    return len(docs) / (time.perf_counter() - started)


def ray_run(model: str, docs: list[str], workers: int) -> tuple[float, float]:
    """Documents per second of a whole run with `workers` workers, and the seconds until its first
    batch was scored (Ray and the workers starting, each loading the model)."""
    rows = [Row("benchmark", i, text=text) for i, text in enumerate(docs)]
    started, first = time.perf_counter(), None
    for _, results in score_rows(rows, model, BATCH_SIZE, False, 500_000, workers):
        if any(r.error for r in results):
            raise RuntimeError(next(r.error for r in results if r.error))
        first = first or time.perf_counter()
    return len(docs) / (time.perf_counter() - started), first - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=whole_number(1), default=200)
    parser.add_argument(
        "--model", default=str(default_model_dir()), help="transformer model (default: the default model)"
    )
    parser.add_argument(
        "--workers", type=whole_number(1), nargs="+", default=[1, 2], help="worker counts to compare"
    )
    args = parser.parse_args()
    docs = documents(args.docs, AutoTokenizer.from_pretrained(args.model))
    local = local_rate(args.model, docs)
    ray.init(address=os.environ.get("RAY_ADDRESS") or "local")
    cpus, nodes = ray.cluster_resources().get("CPU", 0), len(ray.nodes())
    runs = {workers: ray_run(args.model, docs, workers) for workers in args.workers}
    print(f"{args.docs} documents; Ray: {cpus:g} CPUs on {nodes} node(s); here: {os.cpu_count()} cores\n")
    print("| workers | documents/s | speed-up | first batch after (s) |")
    print("|---|---:|---:|---:|")
    print(f"| local engine (one process, {os.cpu_count()} threads) | {local:.1f} | - | - |")
    for workers, (rate, first) in runs.items():
        print(f"| {workers} | {rate:.1f} | {rate / runs[min(runs)][0]:.2f}x | {first:.1f} |")
    print(
        f"\nEach worker holds one CPU and reads with one thread. On one machine the workers share its "
        f"{os.cpu_count()} cores, which the local engine already uses in one process; a cluster adds "
        "the cores (or GPUs) of its other machines: with RAY_ADDRESS set, up to one worker per CPU it has."
    )


if __name__ == "__main__":
    main()
