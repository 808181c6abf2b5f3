"""Training settings, with defaults that train the default model on 2 CPU cores in minutes.

Every setting is checked when a `TrainConfig` is made, whether from defaults, a settings file or
`--set key=value`: a bad value fails with the setting's name and the values it allows.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import yaml

# A model on the Hugging Face hub: "owner/name" (loaded, or fetched once, by `from_pretrained`).
_HUB_NAME = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclasses.dataclass
class TrainConfig:
    """Hyper-parameters of one training run (a YAML or JSON file may set any of them)."""

    baseline: bool = False  # train the TF-IDF + logistic regression baseline instead
    base_model: str | None = None  # None: the packaged multilingual-e5-small
    epochs: int = 5
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_length: int = 256  # tokens per statement while training
    train_layers: int = 4  # top encoder layers trained; those below are frozen and read once per text
    precision: str = "auto"  # bf16 mixed precision, fp32, or auto: bf16 where the machine has bf16 units
    ordinal_weight: float = 0.5  # weight of the expected-level squared error beside cross-entropy
    target_weight: float = 0.3  # weight of the per-object level loss beside the text's
    seed: int = 2025
    train_lang: str | None = None  # "zh" or "en" to train on one language only
    max_steps: int | None = None  # stop early after this many optimiser steps (smoke tests)
    baseline_c: float = 10.0  # inverse regularisation of the TF-IDF baseline

    def __post_init__(self):
        for field in dataclasses.fields(self):
            setattr(self, field.name, _checked(field.name, getattr(self, field.name)))

    @classmethod
    def from_file(cls, path: Path, **overrides) -> TrainConfig:
        """Settings from a YAML/JSON file, then `overrides` that are not None."""
        try:
            settings = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not a valid YAML or JSON settings file: {err}") from None
        if not isinstance(settings, dict):
            raise ValueError(f"{path}: expected a mapping of settings, got {type(settings).__name__}")
        try:
            return cls(**_known(settings)).with_overrides(**overrides)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None

    def with_overrides(self, **overrides) -> TrainConfig:
        """A copy with `overrides` that are not None."""
        return dataclasses.replace(self, **{k: v for k, v in _known(overrides).items() if v is not None})

    def with_assignments(self, assignments: list[str]) -> TrainConfig:
        """A copy with `key=value` assignments applied; a value is read as YAML ("null", "true", "3e-5")."""
        settings = {}
        for assignment in assignments:
            key, sep, value = assignment.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"--set {assignment!r}: expected key=value")
            settings[key.strip()] = yaml.safe_load(value) if value.strip() else None
        return dataclasses.replace(self, **_known(settings))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


_POSITIVE_INT = (int, lambda v: v >= 1, "an integer >= 1")
_POSITIVE = (float, lambda v: v > 0, "a number > 0")
_NON_NEGATIVE = (float, lambda v: v >= 0, "a number >= 0")
_RULES = {
    "baseline": (bool, lambda v: True, "true or false"),
    "epochs": _POSITIVE_INT,
    "batch_size": _POSITIVE_INT,
    "learning_rate": _POSITIVE,
    "head_learning_rate": _POSITIVE,
    "weight_decay": _NON_NEGATIVE,
    "warmup_ratio": (float, lambda v: 0 <= v < 1, "a number in [0, 1)"),
    "max_length": (int, lambda v: 8 <= v <= 8192, "an integer in 8..8192"),
    "train_layers": _POSITIVE_INT,
    "precision": (str, lambda v: v in ("auto", "bf16", "fp32"), "auto, bf16 or fp32"),
    "ordinal_weight": _NON_NEGATIVE,
    "target_weight": _NON_NEGATIVE,
    "seed": (int, lambda v: v >= 0, "an integer >= 0"),
    "train_lang": (str, lambda v: v in ("zh", "en"), "zh, en or null (both)"),
    "max_steps": _POSITIVE_INT,
    "baseline_c": _POSITIVE,
}
_NULLABLE = {"base_model", "train_lang", "max_steps"}


def _known(settings: dict) -> dict:
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return settings


def _checked(name: str, value):
    """`value` as setting `name` takes it (an int is a float where a float is wanted), or a ValueError."""
    if value is None and name in _NULLABLE:
        return None
    if name == "base_model":
        return _checked_base_model(value)
    kind, allowed, wanted = _RULES[name]
    if kind is float and isinstance(value, str):
        try:
            value = float(value)  # YAML reads "6e-5" (no dot) as a string
        except ValueError:
            pass
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (
        not isinstance(value, kind)
        or (kind is not bool and isinstance(value, bool))
        or (kind is float and not math.isfinite(value))
        or not allowed(value)
    ):
        raise ValueError(f"setting {name} must be {wanted}, got {value!r}")
    return value


def _checked_base_model(value) -> str:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise ValueError(
            f"setting base_model must be a model folder or a hub name (owner/name), got {value!r}"
        )
    value = str(value)
    if Path(value).expanduser().is_dir() or _HUB_NAME.match(value):
        return value
    raise ValueError(
        f"setting base_model: {value!r} is neither an existing folder nor a hub name (owner/name)"
    )
