"""Scoring statements with a trained stance model."""

from inference.scorer import Evidence, Scored, Scorer

__all__ = ["Evidence", "Scored", "Scorer"]
