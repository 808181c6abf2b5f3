"""A sequence classifier cut in two: a bottom (the embeddings and the lower encoder layers) and a
top (the upper layers and the head) that reads the bottom's hidden states.

Training freezes the bottom and reads it once per text; explanations attribute the score to the
bottom's output, so their gradients run through the top only. Works for BERT-style classifiers
(BERT, e5, MiniLM: pooler, dropout, classifier) and RoBERTa-style ones (XLM-R: a classifier that
reads the first token itself).
"""

from __future__ import annotations

import torch


class SplitEncoder:
    """`network` cut below its top `top_layers` encoder layers (at the embeddings if it has fewer)."""

    def __init__(self, network: torch.nn.Module, top_layers: int):
        self.network = network
        encoder = getattr(network, "base_model", None)
        if not (hasattr(encoder, "embeddings") and hasattr(getattr(encoder, "encoder", None), "layer")):
            raise ValueError(
                f"{type(network).__name__}: training reads a BERT- or RoBERTa-style encoder "
                "(embeddings, then encoder layers); this base model has another structure"
            )
        layers = encoder.encoder.layer
        self.cut = max(len(layers) - top_layers, 0)
        self.bottom_layers, self.top_layers = layers[: self.cut], layers[self.cut :]
        self.body = [p for layer in self.top_layers for p in layer.parameters()]
        self.head = [
            p for n, p in network.named_parameters() if n.startswith("classifier") or ".pooler." in n
        ]

    @classmethod
    def at(cls, network: torch.nn.Module, cut: int) -> SplitEncoder:
        """`network` cut after its first `cut` encoder layers."""
        return cls(network, len(network.base_model.encoder.layer) - cut)

    def freeze_bottom(self) -> None:
        """Let training change the top layers and the head only."""
        self.network.requires_grad_(False)
        for parameter in self.body + self.head:
            parameter.requires_grad_(True)

    @torch.no_grad()
    def bottom(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Hidden states after the bottom layers (the embeddings' output where the cut is at 0)."""
        hidden = self.network.base_model.embeddings(input_ids=input_ids)
        return _run(self.bottom_layers, hidden, attention_mask)

    def top(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits from the bottom's hidden states, through the top layers and the head."""
        hidden = _run(self.top_layers, hidden, attention_mask)
        network = self.network
        if hasattr(network, "bert"):
            return network.classifier(network.dropout(network.bert.pooler(hidden)))
        return network.classifier(hidden)


def _run(layers, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """`hidden` through `layers`, padding masked out as the encoder masks it."""
    blocked = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    for layer in layers:
        hidden = layer(hidden, attention_mask=blocked)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    return hidden
