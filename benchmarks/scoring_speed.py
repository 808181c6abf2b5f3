"""Scoring throughput against the bound from physics, on this machine.

Prints a table: documents per second and peak memory for the default model (fp32 and int8), the
TF-IDF baseline and, where one is installed, a zero-shot NLI pipeline, on the same 1,000 documents
of about 300 tokens; the model's FLOPs per document over the measured fp32 matrix-multiply rate
gives the bound. Each configuration runs in a fresh process so that its peak memory is its own.
Also: macro-F1 on the corpus test split in fp32 and int8.

    .venv/bin/python benchmarks/scoring_speed.py [--docs 1000] [--model DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time

TOKENS_PER_DOC = 300


def documents(count: int, tokenizer) -> list[str]:
    """`count` documents of about TOKENS_PER_DOC tokens, each a run of corpus statements."""
    from corpus import load_all

    texts = load_all()["text"]
    docs, position = [], 0
    while len(docs) < count:
        parts = []
        while len(tokenizer(" ".join(parts), add_special_tokens=False)["input_ids"]) < TOKENS_PER_DOC - 20:
            parts.append(texts[position % len(texts)])
            position += 1
        ids = tokenizer(" ".join(parts), add_special_tokens=False)["input_ids"][:TOKENS_PER_DOC - 4]
        docs.append(tokenizer.decode(ids))
    return docs


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Measured fp32 matrix-multiply rate of this machine, in GFLOP/s."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)
    started = time.perf_counter()
    for _ in range(repeats):
        torch.matmul(a, b)
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def encoder_gflop(config, tokens: int) -> float:
    """Forward FLOPs of a BERT encoder on one sequence: projections, feed-forward, attention."""
    h, ff, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    per_layer = 2 * tokens * (4 * h * h + 2 * h * ff) + 2 * 2 * tokens * tokens * h
    return layers * per_layer / 1e9


def run_one(kind: str, model: str, count: int) -> dict:
    """Score the documents with one configuration (in this process) and report its figures."""
    from transformers import AutoTokenizer

    from inference.scorer import Scorer

    docs = documents(count, AutoTokenizer.from_pretrained(model))
    if kind == "nli":
        from transformers import pipeline

        classifier = pipeline("zero-shot-classification", model=NLI_MODEL)
        score = lambda batch: classifier(batch, ["ban", "restrict", "neutral", "explore", "embrace"])  # noqa: E731
    else:
        scorer = Scorer(args.baseline if kind == "baseline" else model, precision="int8" if kind == "int8" else "fp32")
        score = scorer.score
    score(docs[:16])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(docs), 64):
        score(docs[start:start + 64])
    seconds = time.perf_counter() - started
    return {"docs_per_s": len(docs) / seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def macro_f1(model: str, precision: str) -> float:
    from corpus import load_corpus
    from inference.scorer import Scorer
    from training.metrics import stance_metrics

    test = load_corpus()["test"]
    results = Scorer(model, precision=precision).score(test["text"])
    import numpy as np

    probs = np.array([[r.probs[n] for n in ("ban", "restrict", "neutral", "explore", "embrace")] for r in results])
    return stance_metrics(np.array(test["label"]), probs, np.array([r.score for r in results]))["macro_f1"]


NLI_MODEL = "MoritzLaurer/mDeBERTa-v3-base-mnli-xnli"


def nli_available() -> bool:
    """Whether a multilingual NLI model is on this machine (the hub is not reachable offline)."""
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(NLI_MODEL, local_files_only=True)
        return True
    except Exception:
        return False


def main() -> None:
    from transformers import AutoConfig

    from training.paths import default_model_dir

    model = args.model or str(default_model_dir())
    if args.child:
        print(json.dumps(run_one(args.child, model, args.docs)))
        return
    rate = matmul_gflops()
    gflop = encoder_gflop(AutoConfig.from_pretrained(model), TOKENS_PER_DOC + 4)
    bound = rate / gflop
    rows = []
    kinds = ["fp32", "int8", "baseline"] + (["nli"] if nli_available() else [])
    for kind in kinds:
        command = [sys.executable, __file__, "--child", kind, "--docs", str(args.docs), "--model", model,
                   "--baseline", args.baseline]
        figures = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        rows.append((kind, figures))
    print(f"fp32 matmul: {rate:.0f} GFLOP/s; default model: {gflop:.1f} GFLOP per {TOKENS_PER_DOC}-token document; "
          f"bound: {bound:.1f} documents/s\n")
    print("| configuration | documents/s | share of the fp32 bound | peak memory (MiB) |")
    print("|---|---:|---:|---:|")
    names = {"fp32": "default model, fp32", "int8": "default model, int8 dynamic", "baseline": "TF-IDF baseline",
             "nli": f"zero-shot NLI ({NLI_MODEL})"}
    for kind, figures in rows:
        share = f"{figures['docs_per_s'] / bound:.0%}" if kind in ("fp32", "int8") else "-"
        print(f"| {names[kind]} | {figures['docs_per_s']:.2f} | {share} | {figures['peak_mib']:.0f} |")
    if "nli" not in kinds:
        print(f"| zero-shot NLI | not run: no multilingual NLI model is installable offline ({NLI_MODEL} is on the hub only) | | |")
    print(f"\nmacro-F1 on the test split: fp32 {macro_f1(model, 'fp32'):.3f}, int8 {macro_f1(model, 'int8'):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--model", help="transformer model folder (default: the default model)")
    parser.add_argument("--baseline", default="", help="baseline model folder (default: trained on the fly)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.baseline and not args.child:
        import tempfile

        from training.config import TrainConfig
        from training.train import train

        args.baseline = tempfile.mkdtemp(prefix="stance-baseline-")
        train(TrainConfig(), args.baseline + "/model", baseline=True)
        args.baseline += "/model"
    main()
