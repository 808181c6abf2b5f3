"""Scoring throughput against the bound from physics, on this machine.

Prints a table: documents per second and peak memory for the default model (ONNX Runtime, torch fp32,
torch int8), the TF-IDF baseline and, where one is installed, a zero-shot NLI pipeline, on the same
1,000 documents of about 300 tokens; the model's FLOPs per document over the measured fp32
matrix-multiply rate gives the bound. Each configuration runs in a fresh process so that its peak
memory is its own.
Then macro-F1 on the corpus test split for each way of reading.

    .venv/bin/python benchmarks/scoring_speed.py [--docs 1000] [--model DIR] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from transformers import AutoConfig, AutoTokenizer

from corpus import load_all, load_corpus
from corpus.scale import NAMES
from inference.paths import default_model_dir
from inference.scorer import Scorer
from training.config import TrainConfig
from training.metrics import stance_metrics
from training.train import train

TOKENS_PER_DOC = 300
NLI_MODEL = "MoritzLaurer/mDeBERTa-v3-base-mnli-xnli"
CONFIGURATIONS = {
    "onnx": "default model, ONNX Runtime fp32 (the scorer's default)",
    "fp32": "default model, torch fp32",
    "int8": "default model, torch int8 dynamic (per channel)",
    "baseline": "TF-IDF baseline",
    "nli": f"zero-shot NLI pipeline ({NLI_MODEL})",
}


def documents(count: int, tokenizer) -> list[str]:
    """`count` documents of about TOKENS_PER_DOC tokens, each a run of consecutive corpus statements."""
    texts, docs, position = load_all()["text"], [], 0
    while len(docs) < count:
        ids = []
        while len(ids) < TOKENS_PER_DOC - 4:
            ids += tokenizer(texts[position % len(texts)], add_special_tokens=False)["input_ids"]
            position += 1
        docs.append(tokenizer.decode(ids[: TOKENS_PER_DOC - 4]))
    return docs


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Measured fp32 matrix-multiply rate of this machine, in GFLOP/s."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)
    started = time.perf_counter()
    for _ in range(repeats):
        torch.matmul(a, b)
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def encoder_gflop(config, tokens: int) -> float:
    """Forward FLOPs of a BERT encoder on one sequence: projections, feed-forward, attention."""
    h, ff = config.hidden_size, config.intermediate_size
    per_layer = 2 * tokens * (4 * h * h + 2 * h * ff) + 2 * 2 * tokens * tokens * h
    return config.num_hidden_layers * per_layer / 1e9


def nli_available() -> bool:
    """Whether a multilingual NLI model is on this machine (the model hub is not reachable here)."""
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(NLI_MODEL, local_files_only=True)
        return True
    except Exception:
        return False


def measure(kind: str, model: str, baseline: str, count: int) -> dict:
    """Documents per second and peak memory of one configuration, run in this process."""
    docs = documents(count, AutoTokenizer.from_pretrained(model))
    if kind == "nli":
        from transformers import pipeline

        nli = pipeline("zero-shot-classification", model=NLI_MODEL)
        score = lambda batch: nli(batch, candidate_labels=list(NAMES))  # noqa: E731
    else:
        score = Scorer(
            baseline if kind == "baseline" else model, precision=None if kind == "baseline" else kind
        ).score
    score(docs[:16])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(docs), 64):
        score(docs[start : start + 64])
    return {
        "docs_per_s": len(docs) / (time.perf_counter() - started),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def macro_f1(model: str, precision: str) -> float:
    test = load_corpus()["test"]
    results = Scorer(model, precision=precision).score(test["text"])
    probs = np.array([[r.probs[n] for n in NAMES] for r in results])
    return stance_metrics(np.array(test["label"]), probs, np.array([r.score for r in results]))["macro_f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument(
        "--model", default=str(default_model_dir()), help="transformer model (default: the default model)"
    )
    parser.add_argument("--baseline", help="baseline model folder (default: trained on the fly, 2 s)")
    parser.add_argument("--measure", choices=list(CONFIGURATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.model, args.baseline, args.docs)))
        return
    if not args.baseline:
        args.baseline = tempfile.mkdtemp(prefix="stance-baseline-") + "/model"
        train(TrainConfig(baseline=True), args.baseline)

    rate = matmul_gflops()
    gflop = encoder_gflop(AutoConfig.from_pretrained(args.model), TOKENS_PER_DOC)
    bound = rate / gflop
    kinds = ["onnx", "fp32", "int8", "baseline"] + (["nli"] if nli_available() else [])
    rows = {}
    for kind in kinds:
        command = [
            sys.executable,
            __file__,
            "--measure",
            kind,
            "--docs",
            str(args.docs),
            "--model",
            args.model,
            "--baseline",
            args.baseline,
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        rows[kind] = json.loads(output.splitlines()[-1])

    print(
        f"fp32 matmul: {rate:.0f} GFLOP/s on {torch.get_num_threads()} threads; default model: "
        f"{gflop:.1f} GFLOP "
        f"per {TOKENS_PER_DOC}-token document; bound: {bound:.1f} documents/s\n"
    )
    print("| configuration | documents/s | share of the fp32 bound | peak memory (MiB) |")
    print("|---|---:|---:|---:|")
    for kind, figures in rows.items():
        share = f"{figures['docs_per_s'] / bound:.0%}" if kind in ("onnx", "fp32", "int8") else "-"
        print(
            f"| {CONFIGURATIONS[kind]} | {figures['docs_per_s']:.1f} | {share} | {figures['peak_mib']:.0f} |"
        )
    if "nli" not in rows:
        print(f"| {CONFIGURATIONS['nli']} | not run: no multilingual NLI model installs offline | - | - |")
    print(
        "\nmacro-F1 on the test split: "
        + ", ".join(f"{kind} {macro_f1(args.model, kind):.3f}" for kind in ("fp32", "onnx", "int8"))
    )


if __name__ == "__main__":
    main()
