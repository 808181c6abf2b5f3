"""Fine-tune the transformer kind: train its top layers, keep the epoch best on validation, calibrate."""

from __future__ import annotations

import copy

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from corpus.scale import N_LEVELS, class_of, scores
from inference.models import join_windows, read_logits
from inference.models.detector import ObjectDetector
from inference.models.hardware import fast_bf16
from inference.models.split_encoder import SplitEncoder
from inference.models.transformer import TransformerModel
from training.base_model import INPUT_PREFIX, default_base_model
from training.config import TrainConfig
from training.metrics import stance_metrics
from training.ordinal import fit_temperature, stance_loss


def base_transformer(base_model: str | None) -> TransformerModel:
    """A fresh five-level head on `base_model` (a hub name or folder; None: the packaged e5-small).
    e5 models read their inputs with the "query: " prefix they were trained with."""
    name = str(base_model or default_base_model())
    prefix = INPUT_PREFIX if base_model is None or "e5" in name.lower() else ""
    return TransformerModel.from_base(name, input_prefix=prefix)


def fit_transformer(
    stance_model: TransformerModel, train: dict, validation: dict, config: TrainConfig
) -> list[dict]:
    """Fine-tune the top `train_layers` layers on `train` (texts, labels, targets), keep the epoch best
    on validation, calibrate on it. The frozen layers below are read once per text; validation is read
    as the scorer reads, in windows whose probabilities are joined per text."""
    objects = _object_classes(train, stance_model.objects)
    if stance_model.objects:
        readable = [stance_model.readable(t) for t in train["text"]]
        stance_model.detector = ObjectDetector.fit(readable, objects >= 0)
    split = SplitEncoder(stance_model.network, config.train_layers)
    split.freeze_bottom()
    device = stance_model.network.device
    bf16 = train_precision(config, device) == "bf16"
    train_ids = [stance_model.encode([t], config.max_length)["input_ids"][0] for t in train["text"]]
    windows = [stance_model.windows(t) for t in validation["text"]]
    flat = [w for text_windows in windows for w in text_windows]
    validation_ids = [torch.tensor(w.ids) for w in flat]
    with _autocast(device, bf16):
        train_hidden, validation_hidden = (
            _bottoms(split, ids, config.batch_size, f"reading {part} through the frozen layers")
            for part, ids in (("train", train_ids), ("validation", validation_ids))
        )
    counts = [len(w) for w in windows]
    window_classes = np.repeat([class_of(v) for v in validation["label"]], counts)
    window_objects = np.repeat(_object_classes(validation, stance_model.objects), counts, axis=0)

    optimiser = torch.optim.AdamW(
        [
            {"params": split.body, "lr": config.learning_rate},
            {"params": split.head, "lr": config.head_learning_rate},
        ],
        weight_decay=config.weight_decay,
    )
    steps_per_epoch = -(-len(train_ids) // config.batch_size)
    total = steps_per_epoch * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)
    schedule = get_linear_schedule_with_warmup(optimiser, int(config.warmup_ratio * total), total)
    classes = torch.tensor([class_of(v) for v in train["label"]], device=device)
    object_classes = torch.tensor(objects, device=device)
    generator = torch.Generator().manual_seed(config.seed)
    lengths = [len(ids) for ids in train_ids]

    history, best, step = [], None, 0
    progress = tqdm(total=total, desc="training", unit="step", dynamic_ncols=True)
    for epoch in range(1, config.epochs + 1):
        stance_model.network.train()
        for batch in _length_buckets(lengths, config.batch_size, generator):
            if step == total:
                break
            hidden, mask = _padded([train_hidden[i] for i in batch.tolist()])
            with _autocast(device, bf16):
                logits = split.top(hidden, mask)
            loss = stance_loss(
                logits.float(),
                classes[batch],
                object_classes[batch],
                config.ordinal_weight,
                config.target_weight,
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(split.body + split.head, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            progress.update(1)
            progress.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}")
        val_logits = _top_logits(split, validation_hidden, config.batch_size, bf16)
        reading = read_logits(stance_model, stance_model.with_detection(val_logits, flat))
        probs = join_windows(reading, windows).probs
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
            best = (record, copy.deepcopy(stance_model.network.state_dict()), val_logits)
        if step == total:
            break
    progress.close()
    stance_model.network.load_state_dict(best[1])
    stance_model.network.eval()
    stance_model.temperature = fit_temperature(best[2][:, :N_LEVELS], window_classes)
    stance_model.target_temperature = _target_temperature(best[2], window_objects)
    stance_model.frozen_layers = split.cut
    return history


def _object_classes(rows: dict, objects: tuple[str, ...]) -> np.ndarray:
    """Rows x objects: the class of each object's level in the row's targets, -1 where not addressed."""
    out = np.full((len(rows["label"]), len(objects)), -1, dtype=np.int64)
    for i, targets in enumerate(rows.get("targets") or [None] * len(out)):
        for k, obj in enumerate(objects):
            if (targets or {}).get(obj) is not None:
                out[i, k] = class_of(targets[obj])
    return out


def _target_temperature(logits: np.ndarray, object_classes: np.ndarray) -> float:
    """The temperature of the objects' levels, fitted on the (window, object) pairs addressed."""
    k = object_classes.shape[1]
    addressed = object_classes >= 0
    if not k or not addressed.any():
        return 1.0
    toward = logits[:, N_LEVELS:].reshape(len(logits), k, N_LEVELS)
    return fit_temperature(toward[addressed], object_classes[addressed])


def train_precision(config: TrainConfig, device: torch.device) -> str:
    """The precision a run computes in: the configured one, or under "auto" bf16 mixed precision
    where the machine has bf16 matrix units, else fp32."""
    if config.precision != "auto":
        return config.precision
    return "bf16" if fast_bf16(device) else "fp32"


def _autocast(device: torch.device, bf16: bool):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)


def _padded(sequences: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences (token ids, or hidden states) as one zero-padded batch, and its attention mask."""
    batch = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)
    mask = torch.zeros(batch.shape[:2], dtype=torch.long, device=batch.device)
    for row, sequence in enumerate(sequences):
        mask[row, : len(sequence)] = 1
    return batch, mask


def _by_length(sequences: list, batch_size: int):
    """Indices of `sequences` in batches of similar length (shortest first), for little padding."""
    order = np.argsort([len(s) for s in sequences], kind="stable")
    return (order[start : start + batch_size] for start in range(0, len(order), batch_size))


def _bottoms(
    split: SplitEncoder, ids: list[torch.Tensor], batch_size: int, description: str
) -> list[torch.Tensor]:
    """The frozen layers' hidden states of each sequence of token ids (unpadded, fp32)."""
    device = split.network.eval().device
    out = [None] * len(ids)
    batches = list(_by_length(ids, batch_size))
    for chunk in tqdm(batches, desc=description, unit="batch", dynamic_ncols=True, leave=False):
        batch, mask = _padded([ids[i].to(device) for i in chunk])
        hidden = split.bottom(batch, mask).float()
        for row, i in enumerate(chunk):
            out[i] = hidden[row, : len(ids[i])].clone()
    return out


@torch.inference_mode()
def _top_logits(split: SplitEncoder, hidden: list[torch.Tensor], batch_size: int, bf16: bool) -> np.ndarray:
    """Logits of each sequence from its frozen-layer hidden states, the network in evaluation mode."""
    device = split.network.eval().device
    out = np.zeros((len(hidden), split.network.config.num_labels))
    for chunk in _by_length(hidden, batch_size):
        with _autocast(device, bf16):
            logits = split.top(*_padded([hidden[i] for i in chunk]))
        out[chunk] = logits.float().cpu().numpy()
    return out


def _length_buckets(
    lengths: list[int], batch_size: int, generator: torch.Generator, window: int = 8
) -> list[torch.Tensor]:
    """Shuffled batches of similar-length sequences: a random order, sorted by length within windows
    of `window` batches, cut into batches, the batches shuffled. Less padding, still random."""
    order = torch.randperm(len(lengths), generator=generator)
    lengths = torch.tensor(lengths)
    batches = []
    for group in order.split(batch_size * window):
        batches += group[torch.argsort(lengths[group], stable=True)].split(batch_size)
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
