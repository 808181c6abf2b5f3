"""The corpus record: its fields and their allowed values (the label scale is corpus.scale)."""

from __future__ import annotations

from pathlib import Path

import datasets

CORPUS_DIR = Path(__file__).resolve().parent
DATA_DIR = CORPUS_DIR / "data"
SPLITS_FILE = CORPUS_DIR / "splits.json"
EVENTS_FILE = CORPUS_DIR / "events.jsonl"  # policy milestones drawn on the trajectory

LANGS = ("zh", "en")
SCRIPTS = {"zh": ("hans", "hant"), "en": ("latin",)}  # Simplified and Traditional Chinese; English
REGISTERS = ("official", "news", "speech", "qa", "law")
OBJECTS = ("crypto", "stablecoin", "cbdc", "blockchain", "tokenization")
KINDS = ("document", "synthetic")
SPLITS = ("train", "validation", "test")

JURISDICTIONS = {
    "CN": "mainland China (national)",
    "CN-SH": "Shanghai",
    "HK": "Hong Kong",
    "TW": "Taiwan",
    "MO": "Macao",
    "US": "United States",
    "CA": "Canada",
    "EU": "European Union",
    "GB": "United Kingdom",
    "CH": "Switzerland",
    "SG": "Singapore",
    "JP": "Japan",
    "KR": "South Korea",
    "IN": "India",
    "AU": "Australia",
    "AE": "United Arab Emirates",
}
# The same jurisdictions' names in Chinese, for plots and tables read in Chinese.
JURISDICTIONS_ZH = {
    "CN": "中国（全国）",
    "CN-SH": "上海",
    "HK": "香港",
    "TW": "台湾",
    "MO": "澳门",
    "US": "美国",
    "CA": "加拿大",
    "EU": "欧盟",
    "GB": "英国",
    "CH": "瑞士",
    "SG": "新加坡",
    "JP": "日本",
    "KR": "韩国",
    "IN": "印度",
    "AU": "澳大利亚",
    "AE": "阿联酋",
}

# Fields every record carries, in file order; None marks "may be null".
TARGETS = {
    name: datasets.Value("int8") for name in OBJECTS
}  # {object: level}; an object not addressed is null
FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "pair_id": datasets.Value("string"),
        "doc_id": datasets.Value("string"),
        "lang": datasets.Value("string"),
        "script": datasets.Value("string"),
        "register": datasets.Value("string"),
        "text": datasets.Value("string"),
        "label": datasets.Value("int8"),
        "label_a": datasets.Value("int8"),
        "label_b": datasets.Value("int8"),
        "targets": TARGETS,
        "targets_a": TARGETS,
        "targets_b": TARGETS,
        "adjudication": datasets.Value("string"),
        "jurisdiction": datasets.Value("string"),
        "issuer": datasets.Value("string"),
        "date": datasets.Value("string"),
        "kind": datasets.Value("string"),
        "source": datasets.Value("string"),
        "title": datasets.Value("string"),
        "rationale": datasets.Value("string"),
    }
)
FIELDS = tuple(FEATURES)
NULLABLE = {
    "pair_id",
    "doc_id",
    "adjudication",
    "issuer",
    "date",
    "source",
    "title",
    "rationale",
}
# Fields both renderings of one statement must share.
PAIR_SHARED = (
    "label",
    "targets",
    "doc_id",
    "register",
    "jurisdiction",
    "issuer",
    "date",
    "kind",
    "source",
    "title",
)
# Fields every statement of one real document must share.
DOCUMENT_SHARED = ("jurisdiction", "issuer", "date", "title")


def group_key(record: dict) -> str:
    """The unit that must stay inside one split: a real document, or else a statement pair."""
    if record.get("doc_id"):
        return "doc:" + record["doc_id"]
    return "pair:" + (record.get("pair_id") or record["id"])
