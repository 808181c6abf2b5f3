"""Fine-tuning and evaluating the stance classifier on the corpus."""
