"""Load a trained stance classifier of either kind from its folder."""

from __future__ import annotations

from pathlib import Path

from training.baseline import SETTINGS_FILE, TfidfBaseline
from training.transformer import TransformerClassifier


def load_classifier(folder: Path) -> TfidfBaseline | TransformerClassifier:
    """The classifier saved in `folder`: the TF-IDF baseline or a fine-tuned transformer."""
    folder = Path(folder)
    if (folder / SETTINGS_FILE).exists():
        return TfidfBaseline.load(folder)
    if (folder / "config.json").exists():
        return TransformerClassifier.load(folder)
    raise FileNotFoundError(
        f"{folder}: no stance model here (expected config.json or {SETTINGS_FILE}); run `stance train`"
    )
