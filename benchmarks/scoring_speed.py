"""Scoring throughput per precision against its bound, idle and with one core busy, on this machine.

Prints, from one run:
- the measured matrix-multiply rate per precision (fp32 and bf16 torch matmul; int8 through a
  dynamically quantised linear layer, as the int8 configuration computes) and the bound it puts on
  documents per second (the rate over the default model's FLOPs per ~300-token document);
- for each configuration, idle and again while another process keeps one core busy: documents/s,
  its share of the bound of its precision, its speed over torch fp32 in the same condition, peak
  memory, the share of documents given the same level as torch fp32, and macro-F1 on the corpus
  test split;
- the Ray engine with 1 and 2 workers (benchmarks/ray_scaling.py).
Each configuration runs in a fresh process so that its peak memory is its own. bf16 runs only where
the machine has bf16 matrix units (elsewhere it is emulated, about 100x slower than fp32).

    .venv/bin/python benchmarks/scoring_speed.py [--docs 300] [--model DIR] [--baseline DIR] [--no-ray]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoConfig, AutoTokenizer

from corpus import load_all, load_corpus
from corpus.scale import NAMES
from inference.models.hardware import fast_bf16
from inference.paths import default_model_dir
from inference.scorer import Scorer
from training.config import TrainConfig
from training.metrics import stance_metrics
from training.train import train

TOKENS_PER_DOC = 300
NLI_MODEL = "MoritzLaurer/mDeBERTa-v3-base-mnli-xnli"
CONFIGURATIONS = {  # name: (description, precision whose bound applies)
    "bf16": ("torch bf16 autocast", "bf16"),
    "onnx": ("ONNX Runtime fp32", "fp32"),
    "fp32": ("torch fp32 (the reference)", "fp32"),
    "int8": ("torch int8 dynamic (per channel)", "int8"),
    "baseline": ("TF-IDF baseline", None),
    "nli": (f"zero-shot NLI ({NLI_MODEL})", None),
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


def matmul_rates(rows: int = 2048, size: int = 1536, seconds: float = 1.0) -> dict[str, float]:
    """GFLOP/s of a (rows x size) by (size x size) product at each precision, on this machine's threads."""
    a, b = torch.randn(rows, size), torch.randn(size, size)
    linear = torch.nn.Linear(size, size, bias=False)
    int8 = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(linear), {torch.nn.Linear})
    products = {
        "fp32": lambda: a @ b,
        "bf16": lambda: a.bfloat16() @ b.bfloat16(),
        "int8": lambda: int8(a),
    }
    rates = {}
    with torch.inference_mode():
        for precision, product in products.items():
            product()
            repeats, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                product()
                repeats += 1
            rates[precision] = 2 * rows * size * size * repeats / (time.perf_counter() - started) / 1e9
    return rates


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
    """Documents per second, peak memory and the level of each document for one configuration."""
    docs = documents(count, AutoTokenizer.from_pretrained(model))
    if kind == "nli":
        from transformers import pipeline

        nli = pipeline("zero-shot-classification", model=NLI_MODEL)
        score = lambda batch: [None] * len(nli(batch, candidate_labels=list(NAMES)))  # noqa: E731
    else:
        scorer = Scorer(
            baseline if kind == "baseline" else model, precision=None if kind == "baseline" else kind
        )
        score = lambda batch: [r.level for r in scorer.score(batch)]  # noqa: E731
    score(docs[:16])  # warm-up (and the ONNX export, once per model)
    levels, started = [], time.perf_counter()
    for start in range(0, len(docs), 64):
        levels += score(docs[start : start + 64])
    return {
        "docs_per_s": len(docs) / (time.perf_counter() - started),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "levels": levels,
    }


def test_macro_f1(model: str, precision: str | None) -> float:
    test = load_corpus()["test"]
    results = Scorer(model, precision=precision).score(test["text"])
    probs = np.array([[r.probs[n] for n in NAMES] for r in results])
    return stance_metrics(np.array(test["label"]), probs, np.array([r.score for r in results]))["macro_f1"]


def run_measure(kind: str, args, busy: bool) -> dict:
    """`measure` in a fresh process; with `busy`, while another process spins on one core."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        command = [sys.executable, __file__, "--measure", kind, "--docs", str(args.docs)]
        command += ["--model", args.model, "--baseline", args.baseline]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        if spinner:
            spinner.kill()
    return json.loads(output.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument(
        "--model", default=str(default_model_dir()), help="transformer model (default: the default model)"
    )
    parser.add_argument("--baseline", help="baseline model folder (default: trained on the fly, 2 s)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray engine's table")
    parser.add_argument("--measure", choices=list(CONFIGURATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.model, args.baseline, args.docs)))
        return
    if not args.baseline:
        args.baseline = tempfile.mkdtemp(prefix="stance-baseline-") + "/model"
        train(TrainConfig(baseline=True), args.baseline)

    rates = matmul_rates()
    gflop = encoder_gflop(AutoConfig.from_pretrained(args.model), TOKENS_PER_DOC)
    has_bf16 = fast_bf16(torch.device("cpu"))
    default = Scorer(args.model).precision
    kinds = [k for k in CONFIGURATIONS if k != "nli" and (k != "bf16" or has_bf16)]
    kinds += ["nli"] if nli_available() else []
    rows = {(kind, busy): run_measure(kind, args, busy) for kind in kinds for busy in (False, True)}
    f1 = {
        kind: test_macro_f1(args.model, kind) if kind != "baseline" else test_macro_f1(args.baseline, None)
        for kind in kinds
        if kind != "nli"
    }

    print(
        f"{args.docs} documents of {TOKENS_PER_DOC} tokens; default model {gflop:.1f} GFLOP per document; "
        f"{torch.get_num_threads()} threads; bf16 matrix units: {'yes' if has_bf16 else 'no'}; "
        f"the scorer's default precision here: {default}\n"
    )
    print("| precision | matmul GFLOP/s | bound (documents/s) |")
    print("|---|---:|---:|")
    for precision, rate in rates.items():
        print(f"| {precision} | {rate:.0f} | {rate / gflop:.1f} |")
    print(
        "\n| configuration | condition | documents/s | share of its bound | vs torch fp32 | peak MiB "
        "| same level as fp32 | test macro-F1 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (kind, busy), figures in rows.items():
        name, precision = CONFIGURATIONS[kind]
        reference = rows[("fp32", busy)]
        cells = [
            name + (" (default)" if kind == default else ""),
            "one core busy" if busy else "idle",
            f"{figures['docs_per_s']:.1f}",
            f"{figures['docs_per_s'] / (rates[precision] / gflop):.0%}" if precision else "-",
            f"{figures['docs_per_s'] / reference['docs_per_s']:.2f}x",
            f"{figures['peak_mib']:.0f}",
            "-" if kind == "nli" else f"{np.mean(np.equal(figures['levels'], reference['levels'])):.1%}",
            f"{f1[kind]:.3f}" if kind in f1 else "-",
        ]
        print("| " + " | ".join(cells) + " |")
    if not has_bf16:
        print(
            f"| {CONFIGURATIONS['bf16'][0]} | - | not run: no bf16 matrix units (AMX) on this CPU | | | | | |"
        )
    if "nli" not in kinds:
        print(
            f"| {CONFIGURATIONS['nli'][0]} | - | not run: no multilingual NLI model installs offline "
            "| | | | | |"
        )
    if not args.no_ray:
        ray_table = Path(__file__).with_name("ray_scaling.py")
        command = [sys.executable, str(ray_table), "--docs", str(min(args.docs, 200)), "--model", args.model]
        print("\nRay engine:\n" + subprocess.run(command, check=True, capture_output=True, text=True).stdout)


if __name__ == "__main__":
    main()
