"""How each kind of model reads a document: windows of tokens, probabilities, word attributions.

The transformer reads a long document in overlapping windows of at most `max_tokens` tokens and
attributes its score to words by integrated gradients over the token embeddings (summed over a
word's tokens). The TF-IDF baseline reads any length at once and attributes by occlusion: how much
the score moves when a word is left out.
"""

from __future__ import annotations

import copy
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from captum.attr import LayerIntegratedGradients

from corpus.schema import LEVELS
from inference.words import Word
from training.baseline import TfidfBaseline
from training.ordinal import expected_level, scores, softmax
from training.paths import cache_dir, model_fingerprint
from training.transformer import TransformerClassifier


@dataclass(frozen=True)
class Window:
    """Token ids of one window (special tokens and prefix included) and the text span of each id."""

    ids: list[int]
    spans: list[tuple[int, int] | None]  # None for special and prefix tokens

    def __len__(self) -> int:
        return len(self.ids)


class TransformerBackend:
    def __init__(
        self,
        classifier: TransformerClassifier,
        max_tokens: int = 512,
        overlap: int = 64,
        batch_size: int = 16,
        explain_steps: int = 16,
        precision: str = "fp32",
    ):
        self.classifier, self.model, self.tokenizer = classifier, classifier.model, classifier.tokenizer
        # How windows are read: ONNX Runtime (default on CPU), torch fp32, or torch int8 (dynamic
        # quantisation of the linear layers); explanations always use the torch fp32 model.
        readers = {
            "onnx": lambda: OnnxReader(self.model),
            "fp32": lambda: self.model,
            "int8": lambda: _quantised(self.model),
        }
        if precision not in readers:
            raise ValueError(f"precision must be one of {', '.join(readers)}, got {precision!r}")
        self.reader = readers[precision]()
        self.max_tokens = min(max_tokens, self.model.config.max_position_embeddings)
        self.overlap, self.batch_size, self.explain_steps = overlap, batch_size, explain_steps
        # The prefix's trailing space is the word boundary the text's first piece already carries
        # (SentencePiece), so prefix and text tokenized apart give the ids of the two together.
        prefix = classifier.input_prefix.rstrip()
        self.prefix_ids = self.tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []

    def windows(self, text: str) -> list[Window]:
        """Overlapping windows covering the whole text."""
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
        width = self.max_tokens - 2 - len(self.prefix_ids)
        overlap = min(self.overlap, width // 2)
        step = width - overlap
        head = [self.tokenizer.cls_token_id] + self.prefix_ids
        windows = []
        for start in range(0, max(len(ids) - overlap, 1), step):
            part = slice(start, start + width)
            windows.append(
                Window(
                    head + ids[part] + [self.tokenizer.sep_token_id],
                    [None] * len(head) + [tuple(o) for o in offsets[part]] + [None],
                )
            )
        return windows

    @torch.inference_mode()
    def probabilities(self, windows: list[Window]) -> np.ndarray:
        """Calibrated probabilities per window, in batches of similar length."""
        order = np.argsort([len(w) for w in windows], kind="stable")
        out = np.zeros((len(windows), 5), dtype=np.float64)
        for start in range(0, len(windows), self.batch_size):
            chunk = order[start : start + self.batch_size]
            batch = self.tokenizer.pad({"input_ids": [windows[i].ids for i in chunk]}, return_tensors="pt")
            logits = self.reader(**{k: v.to(self.model.device) for k, v in batch.items()}).logits
            out[chunk] = softmax(logits.float().cpu().numpy(), self.classifier.temperature)
        return out

    def word_weights(self, text: str, words: list[Word], windows: list[Window]) -> np.ndarray:
        """Each word's share of the score (integrated gradients), averaged over the windows that hold it."""
        word_of_char = np.full(len(text), -1)
        for index, word in enumerate(words):
            word_of_char[word.start : word.end] = index
        totals, seen = np.zeros(len(words)), np.zeros(len(words))
        for window in windows:
            attribution = self._token_attributions(window)
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

    def _token_attributions(self, window: Window) -> np.ndarray:
        model, temperature = self.model, self.classifier.temperature
        device = model.device

        def score(input_ids: torch.Tensor) -> torch.Tensor:
            logits = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).logits
            return expected_level(logits, temperature) / max(LEVELS)

        ids = torch.tensor([window.ids], device=device)
        reference = torch.tensor(
            [[i if s is None else self.tokenizer.pad_token_id for i, s in zip(window.ids, window.spans)]],
            device=device,
        )
        model.eval()
        attribution = LayerIntegratedGradients(score, model.get_input_embeddings()).attribute(
            ids, baselines=reference, n_steps=self.explain_steps, internal_batch_size=self.explain_steps
        )
        return attribution.sum(dim=-1)[0].detach().cpu().numpy()


class OnnxReader:
    """The classifier exported to ONNX (once per model, cached) and run by ONNX Runtime on the CPU."""

    def __init__(self, model: torch.nn.Module):
        import onnxruntime

        path = cache_dir() / "onnx" / f"{model_fingerprint(Path(model.name_or_path))}.onnx"
        if not path.exists():
            _export(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SimpleNamespace:
        feed = {
            "input_ids": input_ids.numpy().astype(np.int64),
            "attention_mask": attention_mask.numpy().astype(np.int64),
        }
        return SimpleNamespace(logits=torch.from_numpy(self.session.run(["logits"], feed)[0]))


def _export(model: torch.nn.Module, path: Path) -> None:
    """Write `model` as ONNX with dynamic batch and length, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    example = torch.ones(1, 16, dtype=torch.long)
    axes = {
        "input_ids": {0: "batch", 1: "tokens"},
        "attention_mask": {0: "batch", 1: "tokens"},
        "logits": {0: "batch"},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(),
            (example, example),
            str(tmp),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, path)


def _quantised(model: torch.nn.Module) -> torch.nn.Module:
    if model.device.type != "cpu":
        raise ValueError("int8 dynamic quantisation runs on the CPU; use precision='fp32' on a GPU")
    return torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(model).eval(), {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}
    )


class BaselineBackend:
    def __init__(self, classifier: TfidfBaseline):
        self.classifier = classifier

    def windows(self, text: str) -> list[str]:
        return [text]

    def probabilities(self, windows: list[str]) -> np.ndarray:
        return self.classifier.predict_proba(windows)

    def word_weights(self, text: str, words: list[Word], windows: list[str]) -> np.ndarray:
        """How much the score drops when each word is left out."""
        variants = [text[: w.start] + " " + text[w.end :] for w in words]
        full, *without = scores(self.classifier.predict_proba([text] + variants))
        return full - np.asarray(without)
