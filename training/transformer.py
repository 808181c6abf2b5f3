"""The fine-tuned transformer stance classifier: fit, logits, save and load."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from training.base_model import INPUT_PREFIX, default_base_model
from training.config import TrainConfig
from training.metrics import stance_metrics
from training.ordinal import N_LEVELS, NAMES, fit_temperature, level_to_class, ordinal_loss, scores, softmax

PREDICT_MAX_LENGTH = 512


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TransformerClassifier:
    """A sequence classifier over the five stance levels, with a calibration temperature."""

    kind = "transformer"

    def __init__(self, model, tokenizer, input_prefix: str = "", temperature: float = 1.0):
        self.model, self.tokenizer = model.to(_device()), tokenizer
        self.input_prefix, self.temperature = input_prefix, temperature

    @classmethod
    def from_base(cls, base_model: str | None) -> TransformerClassifier:
        """A fresh five-level head on `base_model` (a hub name or folder; None: the packaged e5-small)."""
        name = str(base_model or default_base_model())
        model = AutoModelForSequenceClassification.from_pretrained(
            name,
            num_labels=N_LEVELS,
            id2label=dict(enumerate(NAMES)),
            label2id={n: i for i, n in enumerate(NAMES)},
        )
        prefix = INPUT_PREFIX if base_model is None or "e5" in name.lower() else ""
        return cls(model, AutoTokenizer.from_pretrained(name), input_prefix=prefix)

    @classmethod
    def load(cls, folder: Path) -> TransformerClassifier:
        """A trained classifier saved by `save`."""
        model = AutoModelForSequenceClassification.from_pretrained(folder)
        settings = getattr(model.config, "stance", None) or {}
        return cls(
            model.eval(),
            AutoTokenizer.from_pretrained(folder),
            settings.get("input_prefix", ""),
            settings.get("temperature", 1.0),
        )

    def save(self, folder: Path) -> None:
        self.model.config.stance = {"input_prefix": self.input_prefix, "temperature": self.temperature}
        self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)

    def _encode(self, texts: list[str], max_length: int) -> dict:
        batch = self.tokenizer(
            [self.input_prefix + t for t in texts],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        return {k: v.to(self.model.device) for k, v in batch.items()}

    @torch.inference_mode()
    def logits(
        self, texts: list[str], batch_size: int = 32, max_length: int = PREDICT_MAX_LENGTH
    ) -> np.ndarray:
        """Raw logits, computed in batches of similar length (less padding)."""
        self.model.eval()
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), N_LEVELS), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = (
                self.model(**self._encode([texts[i] for i in chunk], max_length)).logits.float().cpu().numpy()
            )
        return out

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return softmax(self.logits(texts), self.temperature)

    def fit(self, train: dict, validation: dict, config: TrainConfig) -> list[dict]:
        """Fine-tune on `train` (texts, labels), keep the epoch best on validation, calibrate on it."""
        model = self.model
        if config.freeze_word_embeddings:
            model.get_input_embeddings().weight.requires_grad_(False)
        head = [
            p for n, p in model.named_parameters() if p.requires_grad and ("classifier" in n or "pooler" in n)
        ]
        body = [
            p
            for n, p in model.named_parameters()
            if p.requires_grad and not ("classifier" in n or "pooler" in n)
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
        classes = torch.tensor([level_to_class(v) for v in train["label"]])
        generator = torch.Generator().manual_seed(config.seed)

        history, best, step = [], None, 0
        progress = tqdm(total=total, desc="training", unit="step", dynamic_ncols=True)
        for epoch in range(1, config.epochs + 1):
            model.train()
            for batch in _length_buckets(train["text"], config.batch_size, generator):
                if step == total:
                    break
                inputs = self._encode([train["text"][i] for i in batch.tolist()], config.max_length)
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
            val_logits = self.logits(validation["text"])
            probs = softmax(val_logits)
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
        self.temperature = fit_temperature(
            best[2], np.array([level_to_class(v) for v in validation["label"]])
        )
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
