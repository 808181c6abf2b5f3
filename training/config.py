"""Training settings, with defaults that train the default model on 2 CPU cores in minutes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml


@dataclasses.dataclass
class TrainConfig:
    """Hyper-parameters of one training run (a YAML or JSON file may set any of them)."""

    base_model: str | None = None    # None: the packaged multilingual-e5-small
    epochs: int = 8
    batch_size: int = 16
    learning_rate: float = 6e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_length: int = 256            # tokens per statement while training
    freeze_word_embeddings: bool = True
    ordinal_weight: float = 0.5      # weight of the expected-level squared error beside cross-entropy
    seed: int = 2025
    train_lang: str | None = None    # "zh" or "en" to train on one language only
    max_steps: int | None = None     # stop early after this many optimiser steps (smoke tests)
    baseline_c: float = 10.0         # inverse regularisation of the TF-IDF baseline

    @classmethod
    def from_file(cls, path: Path, **overrides) -> "TrainConfig":
        """Settings from a YAML/JSON file, then `overrides` that are not None."""
        settings = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(settings, dict):
            raise ValueError(f"{path}: expected a mapping of settings, got {type(settings).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**settings).with_overrides(**overrides)

    def with_overrides(self, **overrides) -> "TrainConfig":
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
