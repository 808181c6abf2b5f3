"""StanceTrace: where a regulator stands on crypto and stablecoins, from ban to embrace."""

__version__ = "0.1.0"
