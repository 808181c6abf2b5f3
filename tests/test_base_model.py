"""The packaged base model: checked inputs, a faithful conversion, a lossless vocabulary trim."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast

from training import base_model

REFERENCE = json.loads((Path(__file__).parent / "data" / "e5_reference.json").read_text(encoding="utf-8"))
SAMPLES = [
    "上海市国资委党委中心组召开学习会，加强对稳定币等数字货币的研究。",
    "The Stablecoins Ordinance took effect on 1 August 2025; HKMA-licensed issuers must hold 100% reserves.",
    "中国人民银行等十部门发布《关于进一步防范和处置虚拟货币交易炒作风险的通知》（银发〔2021〕237号）。",
]


def test_checksum_guards_the_package_files():
    with pytest.raises(ValueError, match="SHA-256"):
        base_model.package_file(base_model.IMAGE_PACKAGE, base_model.IMAGE_FILE, "0" * 64)


def test_conversion_matches_the_packages_own_encoder(base_model_dir):
    tokenizer, model = (
        AutoTokenizer.from_pretrained(base_model_dir),
        AutoModel.from_pretrained(base_model_dir).eval(),
    )
    for text, reference in REFERENCE["embeddings"].items():
        inputs = tokenizer(base_model.INPUT_PREFIX + text, return_tensors="pt")
        with torch.no_grad():
            pooled = model(**inputs).last_hidden_state[0].mean(0)
        cosine = float(torch.nn.functional.cosine_similarity(pooled, torch.tensor(reference), dim=0))
        assert cosine > 0.999, text


def test_trimmed_vocabulary_tokenizes_chinese_and_english_exactly(base_model_dir):
    full = PreTrainedTokenizerFast(
        tokenizer_file=str(
            base_model.package_file(
                base_model.TOKENIZER_PACKAGE, base_model.TOKENIZER_FILE, base_model.TOKENIZER_SHA256
            )
        )
    )
    trimmed = AutoTokenizer.from_pretrained(base_model_dir)
    assert len(trimmed) < 0.55 * len(full)
    for text in SAMPLES:
        assert trimmed.tokenize(text) == full.tokenize(text)
    assert trimmed.unk_token not in trimmed.tokenize("Привет, мир")  # other scripts still tokenize


def test_dequantise_reads_nibbles_in_order():
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))  # low: 0..15, high: 15..0
    values = base_model._dequantise(scale + nibbles, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_base_command_prints_the_folder_it_built(base_model_dir):
    assert (base_model_dir.parent / "printed.txt").read_text().strip() == str(base_model_dir)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "SOURCE.json"):
        assert (base_model_dir / name).exists(), name
