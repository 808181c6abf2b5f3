"""Effect of trimming the base model's vocabulary to Chinese + English: size, load time, tokens.

Builds the packaged base model twice, with the full 250k-piece vocabulary and with the trimmed one,
and prints a table: vocabulary size, parameters, folder size, median load time, and whether every
corpus statement tokenizes identically.

    .venv/bin/python benchmarks/vocabulary_trim.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

from transformers import AutoModel, AutoTokenizer

from corpus import load_all
from training import base_model


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


def load_seconds(folder: Path, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        AutoTokenizer.from_pretrained(folder)
        AutoModel.from_pretrained(folder)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    texts = [base_model.INPUT_PREFIX + t for t in load_all()["text"]]
    with tempfile.TemporaryDirectory() as tmp:
        trimmed = base_model.prepare_base_model(Path(tmp) / "trimmed")
        with mock.patch.object(base_model, "kept_piece", lambda piece: True):
            full = base_model.prepare_base_model(Path(tmp) / "full")
        full_tokenizer, trimmed_tokenizer = (
            AutoTokenizer.from_pretrained(full),
            AutoTokenizer.from_pretrained(trimmed),
        )
        identical = sum(full_tokenizer.tokenize(t) == trimmed_tokenizer.tokenize(t) for t in texts)
        print("| vocabulary | pieces | parameters | folder MB | load s (median of 5) |")
        print("|---|---:|---:|---:|---:|")
        for name, folder in (("full", full), ("trimmed zh+en", trimmed)):
            model = AutoModel.from_pretrained(folder)
            print(
                f"| {name} | {model.config.vocab_size:,} | "
                f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M "
                f"| {folder_size(folder) / 2**20:.0f} | {load_seconds(folder):.2f} |"
            )
        print(f"\ncorpus statements tokenized identically: {identical} of {len(texts)}")


if __name__ == "__main__":
    main()
