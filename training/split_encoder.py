"""A sequence classifier cut in two for fast training: a frozen bottom read once per text, and a
trained top (the upper encoder layers and the head) read every epoch from the bottom's output.

Works for BERT-style classifiers (BERT, e5, MiniLM: pooler, dropout, classifier) and RoBERTa-style
ones (XLM-R: a classifier that reads the first token itself).
"""

from __future__ import annotations

import torch


class SplitEncoder:
    """`network` with its embeddings and all but the top `train_layers` encoder layers frozen."""

    def __init__(self, network: torch.nn.Module, train_layers: int):
        self.network = network
        encoder = getattr(network, "base_model", None)
        if not (hasattr(encoder, "embeddings") and hasattr(getattr(encoder, "encoder", None), "layer")):
            raise ValueError(
                f"{type(network).__name__}: training reads a BERT- or RoBERTa-style encoder "
                "(embeddings, then encoder layers); this base model has another structure"
            )
        layers = encoder.encoder.layer
        self.cut = max(len(layers) - train_layers, 0)
        self.bottom_layers, self.top_layers = layers[: self.cut], layers[self.cut :]
        self.body = [p for layer in self.top_layers for p in layer.parameters()]
        self.head = [
            p for n, p in network.named_parameters() if n.startswith("classifier") or ".pooler." in n
        ]
        network.requires_grad_(False)
        for parameter in self.body + self.head:
            parameter.requires_grad_(True)

    @torch.inference_mode()
    def bottom(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Hidden states after the frozen layers (the embeddings where every layer is trained)."""
        self.network.eval()
        hidden = self.network.base_model.embeddings(input_ids=input_ids)
        return _run(self.bottom_layers, hidden, attention_mask)

    def top(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits from the frozen layers' hidden states, through the trained layers and the head."""
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
