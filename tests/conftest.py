"""Builders for small, valid corpora that tests then break one rule at a time."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from corpus.splits import assign_splits, save_all_splits

PAIRS = [
    # (label, zh text, en text)
    (
        -2,
        "任何组织和个人不得从事代币发行融资活动，相关平台一律停止业务。",
        "No organisation or person may raise funds through token offerings; every such platform must "
        "cease operating.",
    ),
    (
        -1,
        "提醒公众警惕以虚拟货币名义开展的非法集资，切勿盲目投资。",
        "The public is warned to be alert to illegal fundraising dressed up as virtual currency and not "
        "to invest blindly.",
    ),
    (
        0,
        "本报告统计了境外主要市场稳定币的发行规模和储备构成。",
        "This report tallies the issuance volume and reserve composition of stablecoins in major "
        "overseas markets.",
    ),
    (
        1,
        "加强对数字货币的研究，探索区块链在供应链金融中的应用。",
        "We will strengthen research on digital currencies and explore blockchain applications in "
        "supply-chain finance.",
    ),
    (
        2,
        "大力发展区块链产业，打造具有全球影响力的数字金融高地。",
        "We will vigorously grow the blockchain industry and build a digital-finance hub of global "
        "influence.",
    ),
]


def make_record(pair: int, lang: str, **overrides) -> dict:
    """A valid document record for pair `pair` (0-4) in `lang`."""
    label, zh, en = PAIRS[pair]
    targets = {"crypto": label} if label != 0 else {"stablecoin": 0}
    record = {
        "id": f"cn-sh-2025-doc{pair}-{lang}",
        "pair_id": f"cn-sh-2025-doc{pair}",
        "doc_id": f"cn-sh-2025-doc{pair}",
        "lang": lang,
        "script": "hans" if lang == "zh" else "latin",
        "register": "official",
        "text": zh if lang == "zh" else en,
        "label": label,
        "label_a": label,
        "label_b": label,
        "targets": targets,
        "targets_a": targets,
        "targets_b": targets,
        "adjudication": None,
        "jurisdiction": "CN-SH",
        "issuer": "Shanghai Municipal People's Government",
        "date": f"2025-07-1{pair}",
        "kind": "document",
        "source": f"https://example.gov.cn/doc{pair}.html",
        "title": f"文件{pair}",
        "rationale": "test fixture",
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def small_corpus(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    """A valid five-pair corpus in tmp_path/data with its splits file; returns (data dir, splits file,
    records)."""
    data = tmp_path / "data"
    data.mkdir()
    records = [make_record(p, lang) for p in range(len(PAIRS)) for lang in ("zh", "en")]
    write_jsonl(data / "shanghai.jsonl", records)
    splits = tmp_path / "splits.json"
    save_all_splits(records, assign_splits(records), splits)
    return data, splits, records


@pytest.fixture(autouse=True, scope="session")
def private_folders(tmp_path_factory):
    """Keep caches, models and the timeline database of the tests out of the user's folders."""
    import os

    root = tmp_path_factory.mktemp("home")
    for name in ("STANCETRACE_CACHE", "STANCETRACE_HOME"):
        os.environ[name] = str(root / name.lower())
    os.environ.pop("STANCETRACE_DB", None)


@pytest.fixture(scope="session")
def base_model_dir(tmp_path_factory) -> Path:
    """The packaged base model, converted once per test session by `stance base --out`; the folder it
    printed is kept beside it in `printed.txt` for the command's test."""
    from stancetrace.cli import main

    folder = tmp_path_factory.mktemp("cache") / "e5"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["base", "--out", str(folder)]) == 0
    (folder.parent / "printed.txt").write_text(printed.getvalue())
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(base_model_dir: Path, tmp_path_factory) -> Path:
    """A two-layer BERT with random weights and the real trimmed tokenizer: fast to train in tests."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    tokenizer = AutoTokenizer.from_pretrained(base_model_dir)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
    )
    folder = tmp_path_factory.mktemp("tiny")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


TINY_CONFIG = dict(epochs=1, max_steps=3, batch_size=8, seed=7)


@pytest.fixture(scope="session")
def tiny_stance_model(tiny_model_dir, tmp_path_factory):
    """A stance model trained for three steps on the tiny BERT: (folder, metrics)."""
    from training.config import TrainConfig
    from training.train import train

    out = tmp_path_factory.mktemp("models") / "tiny"
    return out, train(TrainConfig(base_model=str(tiny_model_dir), **TINY_CONFIG), out)


@pytest.fixture(scope="session")
def baseline_model(tmp_path_factory):
    """The TF-IDF baseline trained on the corpus: its folder."""
    from training.config import TrainConfig
    from training.train import train

    out = tmp_path_factory.mktemp("models") / "baseline"
    train(TrainConfig(baseline=True), out)
    return out
