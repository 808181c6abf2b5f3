"""The bilingual stance corpus: schema, loading, splits, validation and statistics."""

from corpus.loader import load_all, load_corpus
from corpus.scale import LABEL_NAMES, LEVELS

__all__ = ["LABEL_NAMES", "LEVELS", "load_all", "load_corpus"]
