"""The transformer kind: a sequence classifier over the five levels, read in windows of tokens.

A text is read in overlapping windows of at most `max_tokens` tokens. Windows are read at one of
these precisions, the first that fits the machine being the default:
- "bf16": torch under bf16 autocast, the default where bf16 matrix units make it fast (a CPU with
  AMX, detected at run time, or a GPU);
- "onnx": ONNX Runtime fp32, the default on other CPUs (its threads do not spin, so a busy core
  shared with the app or a batch costs it little);
- "fp32": torch fp32, the reference every other precision is measured against;
- "int8": torch dynamic quantisation of the linear layers.
Words are weighed by integrated gradients over each token's hidden state where the trained layers
begin (summed over a word's tokens), under bf16 autocast when reading at bf16.

The head gives the five levels of the text, then each object's five levels (crypto, stablecoin,
...); whether a window addresses each object comes from the model's `ObjectDetector`, and `logits`
gives all three in the layout `inference.models.read_logits` reads. Chinese
is read in Simplified characters: Traditional text is converted character for character (OpenCC)
before it is tokenized, so both scripts meet the same pieces and offsets stay those of the input.
"""

from __future__ import annotations

import copy
import math
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from corpus.atomic import atomic_file
from corpus.scale import LEVELS, N_LEVELS, NAMES
from corpus.schema import OBJECTS
from corpus.script import simplified
from inference.models.detector import ObjectDetector
from inference.models.hardware import fast_bf16
from inference.models.split_encoder import SplitEncoder
from inference.paths import cache_dir, model_fingerprint

LEVEL_VALUES = torch.tensor(LEVELS, dtype=torch.float32)  # class index -> level, as a tensor


def expected_level(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """The probability-weighted level (-2..2) of each row of logits, differentiably."""
    return F.softmax(logits / temperature, dim=-1) @ LEVEL_VALUES.to(logits.device)


@dataclass(frozen=True)
class Window:
    """Token ids of one window (special tokens and prefix included) and the text span of each id."""

    ids: list[int]
    spans: list[tuple[int, int] | None]  # None for special and prefix tokens
    text: str = ""  # the stretch of text the window covers, as the model reads it

    def __len__(self) -> int:
        return len(self.ids)


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TransformerModel:
    """A fine-tuned encoder with a head over the five levels and per object, and calibration temperatures."""

    kind = "transformer"

    def __init__(
        self,
        network,
        tokenizer,
        input_prefix: str = "",
        temperature: float = 1.0,
        frozen_layers: int = 0,
        objects: tuple[str, ...] = (),
        target_temperature: float = 1.0,
        simplify: bool = False,
        detector: ObjectDetector | None = None,
    ):
        self.network, self.tokenizer = network.to(_device()), tokenizer
        self.input_prefix, self.temperature = input_prefix, temperature
        self.objects, self.target_temperature = tuple(objects), target_temperature
        self.simplify = simplify  # read Traditional Chinese in Simplified characters
        self.detector = detector  # which objects a window addresses; set by training when objects exist
        self.frozen_layers = frozen_layers  # encoder layers kept as pre-trained: explained from above them
        self.precisions = _precisions(self.network.device)
        self._readers: dict = {}
        self._explaining = threading.Lock()
        # The prefix's trailing space is the word boundary the text's first piece already carries
        # (SentencePiece), so prefix and text tokenized apart give the ids of the two together.
        prefix = input_prefix.rstrip()
        self._prefix_ids = tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []

    @classmethod
    def from_base(
        cls, base_model: str | Path, input_prefix: str = "", objects: tuple[str, ...] = OBJECTS
    ) -> TransformerModel:
        """A fresh head over the five levels and per object on `base_model` (a hub name or a folder)."""
        name = str(base_model)
        outputs = [
            *NAMES,
            *(f"{o}:{n}" for o in objects for n in NAMES),
        ]
        network = AutoModelForSequenceClassification.from_pretrained(
            name,
            num_labels=len(outputs),
            id2label=dict(enumerate(outputs)),
            label2id={n: i for i, n in enumerate(outputs)},
        )
        return cls(network, AutoTokenizer.from_pretrained(name), input_prefix, objects=objects, simplify=True)

    @classmethod
    def load(cls, folder: Path, settings: dict) -> TransformerModel:
        network = AutoModelForSequenceClassification.from_pretrained(folder)
        objects = tuple(settings.get("objects", ()))
        return cls(
            network.eval(),
            AutoTokenizer.from_pretrained(folder),
            settings["input_prefix"],
            settings["temperature"],
            settings.get("frozen_layers", 0),
            objects,
            settings.get("target_temperature", 1.0),
            settings.get("simplify", False),
            ObjectDetector.load(folder) if objects else None,
        )

    def settings(self) -> dict:
        return {
            "input_prefix": self.input_prefix,
            "temperature": self.temperature,
            "frozen_layers": self.frozen_layers,
            "objects": list(self.objects),
            "target_temperature": self.target_temperature,
            "simplify": self.simplify,
        }

    def finite(self) -> bool:
        """Whether every weight and the temperature are finite numbers."""
        return (
            math.isfinite(self.temperature)
            and math.isfinite(self.target_temperature)
            and (self.detector is None or self.detector.finite())
            and all(bool(torch.isfinite(p).all()) for p in self.network.parameters())
        )

    def save_files(self, folder: Path) -> None:
        self.network.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        if self.detector is not None:
            self.detector.save(folder)

    def encode(self, texts: list[str], max_length: int) -> dict:
        """A padded batch of `texts` (prefixed, truncated to `max_length` tokens) on the model's device."""
        batch = self.tokenizer(
            [self.input_prefix + self.readable(t) for t in texts],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        return {k: v.to(self.network.device) for k, v in batch.items()}

    def readable(self, text: str) -> str:
        """The text as the model reads it: in Simplified characters if it was trained so."""
        return simplified(text) if self.simplify else text

    def count_tokens(self, text: str) -> int:
        """Tokens of `text`, without the special and prefix tokens."""
        return len(self.tokenizer(self.readable(text), add_special_tokens=False)["input_ids"])

    def windows(self, text: str, max_tokens: int = 512, overlap: int = 64, offset: int = 0) -> list[Window]:
        """Overlapping windows of at most `max_tokens` tokens covering the whole text; spans are
        character offsets in the text plus `offset` (where the text begins in a longer one)."""
        max_tokens = min(max_tokens, self.network.config.max_position_embeddings)
        readable = self.readable(text)
        encoded = self.tokenizer(readable, add_special_tokens=False, return_offsets_mapping=True)
        ids, own = encoded["input_ids"], encoded["offset_mapping"]
        offsets = [(a + offset, b + offset) for a, b in own]
        width = max_tokens - 2 - len(self._prefix_ids)
        overlap = min(overlap, width // 2)
        step = width - overlap
        head = [self.tokenizer.cls_token_id] + self._prefix_ids
        windows = []
        for start in range(0, max(len(ids) - overlap, 1), step):
            part = slice(start, start + width)
            windows.append(
                Window(
                    head + ids[part] + [self.tokenizer.sep_token_id],
                    [None] * len(head) + offsets[part] + [None],
                    readable[own[part][0][0] : own[part][-1][1]] if own[part] else "",
                )
            )
        return windows

    def logits(self, windows: list[Window], precision: str, batch_size: int = 16) -> np.ndarray:
        """Raw outputs per window, read at `precision` in batches of similar length: the five levels,
        then per object the detector's logit that the window addresses it, then its five levels."""
        return self.with_detection(self.network_logits(windows, precision, batch_size), windows)

    def with_detection(self, network_logits: np.ndarray, windows: list[Window]) -> np.ndarray:
        """The network's outputs with the detector's logits put between the text's and the objects' levels."""
        if self.detector is None:
            return network_logits
        detection = self.detector.logits([w.text for w in windows])
        return np.hstack([network_logits[:, :N_LEVELS], detection, network_logits[:, N_LEVELS:]])

    @torch.inference_mode()
    def network_logits(self, windows: list[Window], precision: str, batch_size: int = 16) -> np.ndarray:
        """The network's logits per window: the five levels, then each object's five levels."""
        reader = self._reader(precision)
        order = np.argsort([len(w) for w in windows], kind="stable")
        out = np.zeros((len(windows), self.network.config.num_labels), dtype=np.float64)
        for start in range(0, len(windows), batch_size):
            chunk = order[start : start + batch_size]
            batch = self.tokenizer.pad({"input_ids": [windows[i].ids for i in chunk]}, return_tensors="pt")
            logits = reader(**{k: v.to(self.network.device) for k, v in batch.items()}).logits
            out[chunk] = logits.float().cpu().numpy()
        return out

    def _reader(self, precision: str):
        if precision not in self.precisions:
            raise ValueError(f"precision must be one of {', '.join(self.precisions)}, got {precision!r}")
        if precision == "fp32":
            return self.network.eval()
        if precision not in self._readers:
            make = {"bf16": Bf16Reader, "onnx": OnnxReader, "int8": _quantised}[precision]
            self._readers[precision] = make(self.network)
        return self._readers[precision]

    def word_weights(
        self, text: str, words: list, windows: list[Window], steps: int = 16, precision: str | None = None
    ) -> np.ndarray:
        """Each word's share of the score (integrated gradients), averaged over the windows that hold it;
        the gradients are taken under bf16 autocast when reading at bf16."""
        word_of_char = np.full(len(text), -1)
        for index, word in enumerate(words):
            word_of_char[word.start : word.end] = index
        totals, seen = np.zeros(len(words)), np.zeros(len(words))
        for window in windows:
            with self._explaining:  # explanations take turns, a window at a time, sharing the cores
                attribution = self._token_attributions(window, steps, precision == "bf16")
            in_window = set()
            for value, span in zip(attribution, window.spans):
                if span is None or span[0] == span[1]:
                    continue
                hits = {w for w in word_of_char[span[0] : span[1]].tolist() if w >= 0}
                for w in hits:
                    totals[w] += value / len(hits)
                in_window |= hits
            for w in in_window:
                seen[w] += 1
        return np.divide(totals, seen, out=np.zeros_like(totals), where=seen > 0)

    def _token_attributions(self, window: Window, steps: int, bf16: bool) -> np.ndarray:
        """Integrated gradients of the score over each token's hidden state where the trained layers
        begin (the embeddings for a model trained whole), from a reference window whose text tokens
        are padding: the layers below were not trained, so gradients need not run through them."""
        from captum.attr import IntegratedGradients

        network, temperature = self.network.eval(), self.temperature
        split = SplitEncoder.at(network, self.frozen_layers)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor(
            [window.ids, [i if s is None else pad for i, s in zip(window.ids, window.spans)]],
            device=network.device,
        )
        mask = torch.ones_like(ids[:1])

        def score(hidden: torch.Tensor) -> torch.Tensor:
            logits = split.top(hidden, mask.expand(len(hidden), -1))[:, :N_LEVELS].float()
            return expected_level(logits, temperature) / max(LEVELS)

        with torch.autocast(network.device.type, dtype=torch.bfloat16, enabled=bf16):
            text, reference = split.bottom(ids, torch.ones_like(ids)).float().split(1)
            attribution = IntegratedGradients(score).attribute(
                text, baselines=reference, n_steps=steps, internal_batch_size=steps
            )
        return attribution.float().sum(dim=-1)[0].detach().cpu().numpy()


def _precisions(device: torch.device) -> tuple[str, ...]:
    """The precisions a model on `device` reads at, the default first."""
    if device.type == "cuda":
        return ("bf16", "fp32") if fast_bf16(device) else ("fp32", "bf16")
    return ("bf16", "onnx", "fp32", "int8") if fast_bf16(device) else ("onnx", "fp32", "int8", "bf16")


class Bf16Reader:
    """The network under bf16 autocast: matrix products in bf16, normalisation and softmax in fp32."""

    def __init__(self, network: torch.nn.Module):
        self.network = network

    def __call__(self, **inputs) -> SimpleNamespace:
        with torch.autocast(self.network.device.type, dtype=torch.bfloat16):
            return SimpleNamespace(logits=self.network.eval()(**inputs).logits.float())


class OnnxReader:
    """The network exported to ONNX (once per model, cached) and run by ONNX Runtime on the CPU."""

    def __init__(self, network: torch.nn.Module):
        import onnxruntime

        path = cache_dir() / "onnx" / f"{model_fingerprint(Path(network.name_or_path))}.onnx"
        if not path.exists():
            _export(network, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        # Spinning threads wait for work at full speed: faster on an idle machine, much slower when
        # another process (the app, a batch) holds a core.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SimpleNamespace:
        feed = {
            "input_ids": input_ids.numpy().astype(np.int64),
            "attention_mask": attention_mask.numpy().astype(np.int64),
        }
        return SimpleNamespace(logits=torch.from_numpy(self.session.run(["logits"], feed)[0]))


def _export(network: torch.nn.Module, path: Path) -> None:
    """Write `network` as ONNX with dynamic batch and length, atomically."""
    example = torch.ones(1, 16, dtype=torch.long)
    axes = {
        "input_ids": {0: "batch", 1: "tokens"},
        "attention_mask": {0: "batch", 1: "tokens"},
        "logits": {0: "batch"},
    }
    with warnings.catch_warnings(), atomic_file(path) as tmp:
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network.eval(),
            (example, example),
            str(tmp),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantised(network: torch.nn.Module) -> torch.nn.Module:
    return torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(network).eval(), {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}
    )
