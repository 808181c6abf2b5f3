"""The validator finds each kind of fault and names file, line and problem."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from corpus.splits import load_splits, save_all_splits
from corpus.validate import validate
from tests.conftest import make_record, write_jsonl


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def reported(problems: list[str], start: str) -> bool:
    """Whether one of `problems` begins with `start` (the file, line and the message's head)."""
    return any(p.startswith(start) for p in problems)


def rewrite(small_corpus, index: int, **overrides) -> list[str]:
    """Replace record `index` of the fixture with an altered copy and validate."""
    data, splits, records = small_corpus
    records = [dict(r) for r in records]
    records[index].update(overrides)
    write_jsonl(data / "shanghai.jsonl", records)
    return messages(validate(data, splits))


def test_valid_corpus_has_no_problems(small_corpus):
    data, splits, _ = small_corpus
    assert validate(data, splits) == []


def test_broken_json_names_file_and_line(small_corpus):
    data, splits, _ = small_corpus
    lines = (data / "shanghai.jsonl").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:-5]
    (data / "shanghai.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = messages(validate(data, splits))
    assert problems[0].startswith(f"{data / 'shanghai.jsonl'}:3: invalid JSON"), problems


def test_wrong_encoding_names_line(small_corpus):
    data, splits, records = small_corpus
    extra = json.dumps(
        make_record(0, "zh", id="extra-zh", pair_id=None, text="严禁任何机构为虚拟货币交易提供清算服务。"),
        ensure_ascii=False,
    )
    with open(data / "shanghai.jsonl", "ab") as f:
        f.write(extra.encode("gb18030") + b"\n")
    problems = messages(validate(data, splits))
    assert reported(problems, f"{data / 'shanghai.jsonl'}:11: not UTF-8"), problems


def test_blank_line_is_reported(small_corpus):
    data, splits, _ = small_corpus
    path = data / "shanghai.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:4] + [""] + lines[4:]) + "\n", encoding="utf-8")
    assert messages(validate(data, splits)) == [f"{path}:5: blank line"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"label": 3}, "'label' must be an integer in -2..2, got 3"),
        ({"label_a": "2"}, "'label_a' must be an integer in -2..2, got '2'"),
        ({"label_b": True}, "'label_b' must be an integer in -2..2, got True"),
        ({"label_b": None}, "'label_b' is missing: every statement is annotated twice"),
        ({"targets_b": None}, "'targets_b' is missing: every statement is annotated twice"),
        ({"date": "2021-02-30"}, "'date' '2021-02-30' is not a calendar date"),
        ({"date": "2021/02/03"}, "'date' must be ISO YYYY-MM-DD, got '2021/02/03'"),
        ({"date": "2999-01-01"}, "'date' 2999-01-01 lies outside"),
        ({"source": None}, "a document needs 'source'"),
        ({"lang": "fr"}, "'lang' must be one of"),
        ({"jurisdiction": "Mars"}, "unknown jurisdiction 'Mars'"),
        ({"kind": "rumour"}, "'kind' must be one of"),
        ({"text": "   "}, "'text' must be a non-empty string"),
        ({"id": "Has Spaces"}, "is not a lowercase slug"),
        (
            {"text": "Stablecoins are now licensed in the city and issuers may apply."},
            "'lang' is zh but the text is mostly not Chinese",
        ),
        ({"label_a": 1}, "the two annotators disagree but 'adjudication' gives no note"),
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"register": "tweet"}, "'register' must be one of"),
        ({"script": "latin"}, "'script' must be one of ('hans', 'hant') for lang zh, got 'latin'"),
        ({"script": "hant"}, "'script' is hant but the characters are hans"),
        ({"targets": {"bitcoin": -2}}, "'targets' names unknown object 'bitcoin'"),
        ({"targets_b": {"crypto": "-2"}}, "'targets_b.crypto' must be an integer in -2..2, got '-2'"),
        ({"targets": ["crypto"]}, "'targets' must be an object {object: level}"),
        ({"targets": {"crypto": -1, "cbdc": 1}}, "'label' -2 is none of the levels in 'targets'"),
        ({"targets_a": {}}, "'targets_a' is empty (no object addressed), so 'label_a' must be 0, got -2"),
        (
            {"targets_a": {"crypto": -2, "cbdc": 1}},
            "the two annotators disagree but 'adjudication' gives no note",
        ),
        ({"doc_id": None}, "a document needs 'doc_id'"),
        (
            {"kind": "synthetic", "source": None},
            "a synthetic statement renders no real document: 'doc_id' must be null",
        ),
    ],
)
def test_record_faults(small_corpus, overrides, expected):
    problems = rewrite(small_corpus, 0, **overrides)
    data = small_corpus[0]
    assert any(p.startswith(f"{data / 'shanghai.jsonl'}:1: ") and expected in p for p in problems), problems


def test_traditional_chinese_is_recognised(small_corpus):
    data, splits, records = small_corpus
    assert (
        rewrite(
            small_corpus,
            0,
            script="hant",
            text="任何組織和個人不得從事代幣發行融資活動，相關平台一律停止業務。",
        )
        == []
    )


def test_passages_of_one_document_agree_on_its_facts(small_corpus):
    problems = rewrite(small_corpus, 2, doc_id="cn-sh-2025-doc0", pair_id="cn-sh-2025-doc0-p2")
    data = small_corpus[0]
    start = f"{data / 'shanghai.jsonl'}:3: document 'cn-sh-2025-doc0': 'date' is '2025-07-11' here"
    assert reported(problems, start), problems


def test_held_out_splits_follow_their_rules(small_corpus):
    data, splits, records = small_corpus
    temporal = splits.with_name("splits-temporal.json")
    assert set(load_splits(temporal).values()) == {"test"}  # every fixture statement is dated 2025
    register = load_splits(splits.with_name("splits-register.json"))
    assert "test" not in register.values()  # no news report among them
    news = [dict(r, register="news") if r["pair_id"] == "cn-sh-2025-doc1" else r for r in records]
    write_jsonl(data / "shanghai.jsonl", news)
    problems = messages(validate(data, splits))
    assert problems == [
        f"{splits.with_name('splits-register.json')}: 2 statement(s) not where the register rule puts "
        f"them (e.g. 'cn-sh-2025-doc1-en': {register['cn-sh-2025-doc1-en']} instead of test); "
        "run `stance corpus split`"
    ], problems
    temporal.unlink()
    assert f"{temporal}: split file not found; run `stance corpus split`" in messages(validate(data, splits))


def test_missing_field(small_corpus):
    data, splits, records = small_corpus
    broken = [dict(r) for r in records]
    del broken[4]["issuer"]
    write_jsonl(data / "shanghai.jsonl", broken)
    assert messages(validate(data, splits)) == [f"{data / 'shanghai.jsonl'}:5: missing field 'issuer'"]


def test_duplicate_id_across_files(small_corpus):
    data, splits, records = small_corpus
    write_jsonl(
        data / "more.jsonl",
        [make_record(1, "zh", pair_id=None, text="另一条不同的陈述，内容完全不一样，用于测试编号重复。")],
    )
    problems = messages(validate(data, splits))
    assert (
        f"{data / 'shanghai.jsonl'}:3: duplicate id 'cn-sh-2025-doc1-zh' (first at {data / 'more.jsonl'}:1)"
        in problems
    )


def test_pair_with_different_labels(small_corpus):
    targets = {"crypto": 1}
    problems = rewrite(
        small_corpus, 1, label=1, label_a=1, label_b=1, targets=targets, targets_a=targets, targets_b=targets
    )
    data = small_corpus[0]
    start = f"{data / 'shanghai.jsonl'}:2: pair 'cn-sh-2025-doc0': 'label' is 1 here but -2"
    assert reported(problems, start), problems


def test_pair_with_two_renderings_in_one_language(small_corpus):
    problems = rewrite(
        small_corpus,
        1,
        lang="zh",
        script="hans",
        text="第二条中文陈述：禁止一切虚拟货币相关业务，违者依法处理。",
    )
    assert any("must hold at most one zh and one en statement" in p for p in problems), problems


def test_exact_duplicate_text(small_corpus):
    data, splits, records = small_corpus
    problems = rewrite(small_corpus, 2, text=records[0]["text"] + "  ")
    assert any("duplicate text of 'cn-sh-2025-doc0-zh'" in p for p in problems), problems


def test_near_duplicate_across_splits(small_corpus):
    data, splits, records = small_corpus
    twin = make_record(
        0,
        "en",
        id="twin-en",
        pair_id=None,
        doc_id="cn-sh-2025-other",
        source="https://example.gov.cn/other.html",
        text=records[1]["text"].replace("must cease", "must all cease"),
    )
    write_jsonl(data / "more.jsonl", [twin])
    assignment = load_splits(splits)
    assignment["twin-en"] = "test" if assignment[records[1]["id"]] != "test" else "train"
    save_all_splits([*records, twin], assignment, splits)
    problems = messages(validate(data, splits))
    assert len(problems) == 1 and "near-duplicate" in problems[0] and "across splits" in problems[0], problems


def test_split_membership(small_corpus):
    data, splits, records = small_corpus
    assignment = load_splits(splits)
    del assignment[records[0]["id"]]
    assignment["ghost-en"] = "train"
    partner = records[1]["id"]
    assignment[partner] = "test" if assignment[partner] != "test" else "train"
    save_all_splits(records, assignment, splits)
    problems = messages(validate(data, splits))
    assert (
        f"{data / 'shanghai.jsonl'}:1: id 'cn-sh-2025-doc0-zh' has no split; run `stance corpus split`"
        in problems
    )
    assert f"{splits}: split lists id 'ghost-en', which no corpus file holds" in problems
    assert len(problems) == 2


def test_document_halves_in_different_splits(small_corpus):
    data, splits, records = small_corpus
    assignment = load_splits(splits)
    first, partner = records[2]["id"], records[3]["id"]
    assignment[partner] = "test" if assignment[first] != "test" else "train"
    save_all_splits(records, assignment, splits)
    [problem] = messages(validate(data, splits))
    assert "of the same document is in" in problem


def test_cli_exit_codes(small_corpus):
    data, splits, records = small_corpus
    command = [
        sys.executable,
        "-m",
        "stancetrace.cli",
        "corpus",
        "validate",
        "--data-dir",
        str(data),
        "--splits",
        str(splits),
    ]
    ok = subprocess.run(command, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "corpus OK: 10 statements" in ok.stdout
    write_jsonl(data / "shanghai.jsonl", [*records[:3], {**records[3], "label": 9}, *records[4:]])
    broken = subprocess.run(command, capture_output=True, text=True)
    assert broken.returncode == 1
    assert f"{data / 'shanghai.jsonl'}:4: 'label' must be an integer in -2..2, got 9" in broken.stderr
