"""Scoring statements with a trained stance model."""
