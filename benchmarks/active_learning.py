"""Whether labelling the statements the uncertainty queue picks teaches a model more than random ones.

The learner is the frozen packaged e5-small (mean-pooled, L2-normalised embeddings) under a logistic
regression. Per seed, it starts from a stratified random share of the corpus train split; the rest is
the pool. Each round adds a batch of pool statements with their true labels, either those the queue
picks (`stancetrace.suggest.uncertainty` + `pick` on the model's probabilities, as `stance suggest`
ranks) or random ones, refits, and scores macro-F1 on the corpus test split. Prints a Markdown table
(mean over seeds, queue minus random, per-seed values) and plots both curves with their min-max band.
Embeddings are cached, so a rerun skips the encoder (about a minute instead of several).

    .venv/bin/python benchmarks/active_learning.py [--seeds 0 1 2] [--start-share 0.3] [--rounds 5]
        [--batch 20] [--measure margin] [--plot docs/active-learning.png] [--out-json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from transformers import AutoModel, AutoTokenizer

from corpus import load_corpus
from inference.paths import cache_dir
from stancetrace.suggest import MEASURES, pick, uncertainty
from training.base_model import INPUT_PREFIX, default_base_model

MAX_LENGTH = 256
ENCODE_BATCH = 32
STRATEGIES = ("queue", "random")


def embed(texts: list[str], folder: Path) -> np.ndarray:
    """L2-normalised mean-pooled embeddings of `texts` from the frozen encoder in `folder`."""
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(texts), ENCODE_BATCH):
            batch = tokenizer(
                [INPUT_PREFIX + t for t in texts[start : start + ENCODE_BATCH]],
                padding=True,
                truncation=True,
                max_length=MAX_LENGTH,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(chunks)


def cached_embeddings(train: list[str], test: list[str], folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the train and test texts, read from or written to a cache keyed by their hash."""
    key = hashlib.sha256(
        json.dumps([folder.name, MAX_LENGTH, train, test], ensure_ascii=False).encode()
    ).hexdigest()[:16]
    path = cache_dir() / "benchmarks" / f"active-learning-{key}.npz"
    if path.exists():
        with np.load(path) as cached:
            return cached["train"], cached["test"]
    x_train, x_test = embed(train, folder), embed(test, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, train=x_train, test=x_test)
    return x_train, x_test


def fit(x: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced").fit(x, y)


def curve(strategy: str, seed: int, data: dict, args: argparse.Namespace) -> list[float]:
    """Test macro-F1 after each round (from +0) of adding `args.batch` pool statements by `strategy`."""
    y = data["y_train"]
    labelled, pool = train_test_split(
        np.arange(len(y)), train_size=args.start_share, stratify=y, random_state=seed
    )
    labelled, pool = list(labelled), list(pool)
    rng = np.random.default_rng(seed)
    scores = []
    for round_ in range(args.rounds + 1):
        model = fit(data["x_train"][labelled], y[labelled])
        scores.append(f1_score(data["y_test"], model.predict(data["x_test"]), average="macro"))
        if round_ == args.rounds:
            break
        if strategy == "queue":
            unsure = uncertainty(model.predict_proba(data["x_train"][pool]), args.measure)
            chosen = pick([data["texts"][i] for i in pool], unsure, args.batch)
        else:
            chosen = rng.choice(len(pool), size=min(args.batch, len(pool)), replace=False).tolist()
        chosen = set(chosen)
        labelled += [i for k, i in enumerate(pool) if k in chosen]
        pool = [i for k, i in enumerate(pool) if k not in chosen]
    return scores


def table(results: dict, args: argparse.Namespace) -> str:
    """The Markdown table of mean, difference and per-seed macro-F1 per number of statements added."""
    lines = [
        "| added | queue mean | random mean | queue - random | queue per seed | random per seed |",
        "|---:|---:|---:|---:|---|---|",
    ]
    queue, random = np.array(results["queue"]), np.array(results["random"])
    for r in range(args.rounds + 1):
        lines.append(
            f"| +{r * args.batch} | {queue[:, r].mean():.3f} | {random[:, r].mean():.3f} "
            f"| {queue[:, r].mean() - random[:, r].mean():+.3f} "
            f"| {' / '.join(f'{v:.3f}' for v in queue[:, r])} "
            f"| {' / '.join(f'{v:.3f}' for v in random[:, r])} |"
        )
    gain = queue[:, -1] - random[:, -1]
    lines.append(
        f"\nAt +{args.rounds * args.batch}: mean gain of the queue over random {gain.mean():+.3f} macro-F1; "
        f"the queue wins on {int((gain > 0).sum())} of {len(gain)} seeds."
    )
    return "\n".join(lines)


def plot(results: dict, args: argparse.Namespace) -> None:
    added = np.arange(args.rounds + 1) * args.batch
    fig = Figure(figsize=(6.4, 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for strategy, color in zip(STRATEGIES, ("tab:blue", "tab:gray")):
        scores = np.array(results[strategy])
        label = f"uncertainty queue ({args.measure})" if strategy == "queue" else "random"
        ax.plot(added, scores.mean(0), marker="o", color=color, label=label)
        ax.fill_between(added, scores.min(0), scores.max(0), color=color, alpha=0.2)
    ax.set(
        title="Labelling the queue's picks vs random statements",
        xlabel="statements added to the labelled start set",
        ylabel="macro-F1 on the test split",
        xticks=added,
    )
    ax.grid(alpha=0.3)
    ax.legend(title=f"mean (band: min-max) of {len(args.seeds)} seeds", fontsize=9, title_fontsize=9)
    fig.tight_layout()
    Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.plot, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--start-share", type=float, default=0.3, help="share of the train split labelled")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20, help="statements added per round")
    parser.add_argument("--measure", choices=MEASURES, default="margin", help="the queue's uncertainty")
    parser.add_argument("--plot", default="docs/active-learning.png")
    parser.add_argument("--out-json", help="also write the raw macro-F1 values here")
    args = parser.parse_args()

    started = time.perf_counter()
    corpus = load_corpus()
    train, test = corpus["train"], corpus["test"]
    texts = list(train["text"])
    x_train, x_test = cached_embeddings(texts, list(test["text"]), default_base_model())
    data = {
        "texts": texts,
        "x_train": x_train,
        "y_train": np.array(train["label"]),
        "x_test": x_test,
        "y_test": np.array(test["label"]),
    }
    results = {s: [curve(s, seed, data, args) for seed in args.seeds] for s in STRATEGIES}

    print(
        f"train {len(train)} statements (start {args.start_share:.0%} stratified, the rest the pool), "
        f"test {len(test)}; seeds {' '.join(map(str, args.seeds))}; queue measure {args.measure}\n"
    )
    print(table(results, args))
    plot(results, args)
    if args.out_json:
        Path(args.out_json).write_text(
            json.dumps({"settings": vars(args), "macro_f1": results}, indent=1), "utf-8"
        )
    print(f"\nplot: {args.plot}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
