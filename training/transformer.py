"""Fine-tune the transformer kind: pick the epoch best on validation, then calibrate on it."""

from __future__ import annotations

import copy

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from corpus.scale import class_of, scores, softmax
from inference.models import join_windows
from inference.models.transformer import TransformerModel
from training.base_model import INPUT_PREFIX, default_base_model
from training.config import TrainConfig
from training.metrics import stance_metrics
from training.ordinal import fit_temperature, ordinal_loss


def base_transformer(base_model: str | None) -> TransformerModel:
    """A fresh five-level head on `base_model` (a hub name or folder; None: the packaged e5-small).
    e5 models read their inputs with the "query: " prefix they were trained with."""
    name = str(base_model or default_base_model())
    prefix = INPUT_PREFIX if base_model is None or "e5" in name.lower() else ""
    return TransformerModel.from_base(name, input_prefix=prefix)


def fit_transformer(
    stance_model: TransformerModel, train: dict, validation: dict, config: TrainConfig
) -> list[dict]:
    """Fine-tune on `train` (texts, labels), keep the epoch best on validation, calibrate on it.
    Validation is read as the scorer reads: in windows, their probabilities joined per text."""
    model = stance_model.network
    windows = [stance_model.windows(t) for t in validation["text"]]
    flat = [w for text_windows in windows for w in text_windows]
    window_classes = np.repeat([class_of(v) for v in validation["label"]], [len(w) for w in windows])
    if config.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    head = [
        p for n, p in model.named_parameters() if p.requires_grad and ("classifier" in n or "pooler" in n)
    ]
    body = [
        p for n, p in model.named_parameters() if p.requires_grad and not ("classifier" in n or "pooler" in n)
    ]
    optimiser = torch.optim.AdamW(
        [
            {"params": body, "lr": config.learning_rate},
            {"params": head, "lr": config.head_learning_rate},
        ],
        weight_decay=config.weight_decay,
    )
    steps_per_epoch = -(-len(train["text"]) // config.batch_size)
    total = steps_per_epoch * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)
    schedule = get_linear_schedule_with_warmup(optimiser, int(config.warmup_ratio * total), total)
    classes = torch.tensor([class_of(v) for v in train["label"]])
    generator = torch.Generator().manual_seed(config.seed)

    history, best, step = [], None, 0
    progress = tqdm(total=total, desc="training", unit="step", dynamic_ncols=True)
    for epoch in range(1, config.epochs + 1):
        model.train()
        for batch in _length_buckets(train["text"], config.batch_size, generator):
            if step == total:
                break
            inputs = stance_model.encode([train["text"][i] for i in batch.tolist()], config.max_length)
            loss = ordinal_loss(
                model(**inputs).logits, classes[batch].to(model.device), config.ordinal_weight
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            progress.update(1)
            progress.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}")
        val_logits = stance_model.logits(flat, "fp32")
        probs = join_windows(softmax(val_logits), windows)
        record = {
            "epoch": epoch,
            "step": step,
            **stance_metrics(np.array(validation["label"]), probs, scores(probs)),
        }
        history.append(record)
        progress.write(
            f"epoch {epoch}: validation macro-F1 {record['macro_f1']:.3f}, "
            f"adjacent accuracy {record['adjacent_accuracy']:.3f}, Spearman {record['spearman']:.3f}"
        )
        if best is None or record["macro_f1"] > best[0]["macro_f1"]:
            best = (record, copy.deepcopy(model.state_dict()), val_logits)
        if step == total:
            break
    progress.close()
    model.load_state_dict(best[1])
    stance_model.temperature = fit_temperature(best[2], window_classes)
    return history


def _length_buckets(
    texts: list[str], batch_size: int, generator: torch.Generator, window: int = 8
) -> list[torch.Tensor]:
    """Shuffled batches of similar-length texts: a random order, sorted by length within windows of
    `window` batches, cut into batches, the batches shuffled. Less padding, still random."""
    order = torch.randperm(len(texts), generator=generator)
    lengths = torch.tensor([len(t) for t in texts])
    batches = []
    for group in order.split(batch_size * window):
        batches += group[torch.argsort(lengths[group], stable=True)].split(batch_size)
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
