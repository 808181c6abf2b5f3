"""The figures that generalise: a model's settings trained again on the held-out splits.

`temporal` trains on statements dated before 2025 and tests on those from 2025 on; `register`
leaves one register out, training without news reports and testing on them. Each model is kept
under the user's data folder, keyed by the settings and the corpus, so a second `stance eval
--held-out` of the same settings and corpus trains nothing; its test is read again each time,
through the scorer as it reads now.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from corpus import load_corpus
from corpus.schema import DATA_DIR, SPLITS_FILE
from corpus.splits import scheme_file
from inference import Scorer
from inference.paths import data_dir
from training.config import TrainConfig
from training.evaluate import evaluate
from training.train import train

SCHEMES = {
    "temporal": "temporal: trained before 2025, tested on 2025 on",
    "register": "leave one register out: trained without news, tested on news",
}


def held_out(
    config: TrainConfig, corpus_dir: Path = DATA_DIR, splits_file: Path = SPLITS_FILE, progress=print
) -> dict:
    """For each held-out scheme, the test metrics of `config` trained on that scheme's train split."""
    key = _key(config, corpus_dir, splits_file)
    out = {}
    for scheme in SCHEMES:
        folder = data_dir() / "models" / "held-out" / f"{key}-{scheme}"
        if not (folder / "metrics.json").exists():
            progress(f"training the model's settings on the {scheme} split into {folder}")
            train(config, folder, overwrite=True, data_dir=corpus_dir, splits_file=splits_file, split=scheme)
        test = load_corpus(corpus_dir, scheme_file(splits_file, scheme))["test"]
        out[scheme] = {"model": str(folder), **evaluate(Scorer(folder), test)}
    return out


def _key(config: TrainConfig, corpus_dir: Path, splits_file: Path) -> str:
    """A short hash of the settings, the corpus files and the split files."""
    digest = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode())
    files = sorted(Path(corpus_dir).glob("*.jsonl")) + [scheme_file(splits_file, s) for s in SCHEMES]
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]
