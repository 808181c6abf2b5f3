"""The scoring library and `stance score`: every input format, bad input, resume, long documents."""

import io
import json
import sys

import pandas as pd
import pytest
import torch
from docx import Document

from corpus.language import detect_language
from corpus.schema import OBJECTS
from inference import batch
from inference.scorer import Scorer
from inference.writers import read_records
from stancetrace.cli import main

ZH_BAN = "中国人民银行宣布，虚拟货币相关业务活动属于非法金融活动，一律严禁，坚决依法取缔。"
EN_EXPLORE = "The authority will study stablecoins and run a sandbox pilot for cross-border payments."


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` in Helvetica (ASCII only)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << "
        b"/F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def tiny_scorer(tiny_stance_model):
    return Scorer(tiny_stance_model[0], explain_steps=4)


def test_language_detection():
    assert detect_language(ZH_BAN) == "zh"
    assert detect_language(EN_EXPLORE) == "en"
    assert (
        detect_language("香港金管局 HKMA 发布 stablecoin licensing regime 的 consultation conclusions")
        == "mixed"
    )


def test_scores_are_complete_and_consistent(tiny_scorer):
    results = tiny_scorer.score([ZH_BAN, EN_EXPLORE, "  \n "])
    for result in results[:2]:
        assert result.error is None and result.chunks == 1
        assert sum(result.probs.values()) == pytest.approx(1, abs=1e-4)
        assert result.label == max(result.probs, key=result.probs.get)
        assert result.level == ["ban", "restrict", "neutral", "explore", "embrace"].index(result.label) - 2
        assert -1 <= result.score <= 1
    assert [r.lang for r in results[:2]] == ["zh", "en"]
    assert results[2].error == "empty text: nothing to score" and results[2].label is None


def test_long_documents_are_read_in_overlapping_windows(tiny_stance_model):
    scorer = Scorer(tiny_stance_model[0], max_tokens=48)
    text = " ".join([EN_EXPLORE] * 12)
    windows = scorer.stance_model.windows(text, scorer.max_tokens)
    assert len(windows) > 3 and all(len(w.ids) <= 48 for w in windows)
    covered = {s for w in windows for s in w.spans if s}
    every_token = scorer.stance_model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)[
        "offset_mapping"
    ]
    assert covered == {tuple(o) for o in every_token}  # no token left unread
    assert scorer.score([text])[0].chunks == len(windows)


def test_evidence_spans_point_into_the_text(tiny_scorer, baseline_model):
    for scorer in (tiny_scorer, Scorer(baseline_model)):
        evidence = scorer.score([ZH_BAN], explain=True)[0].evidence
        assert evidence["toward_ban"] or evidence["toward_embrace"]
        for item in evidence["toward_ban"] + evidence["toward_embrace"]:
            assert ZH_BAN[item.start : item.end] == item.text
        assert all(e.weight < 0 for e in evidence["toward_ban"]) and all(
            e.weight > 0 for e in evidence["toward_embrace"]
        )
    baseline_ban_words = {
        e.text for e in Scorer(baseline_model).score([ZH_BAN], explain=True)[0].evidence["toward_ban"]
    }
    assert baseline_ban_words & {"非法", "严禁", "取缔", "一律", "非法金融"}


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        json.dumps({"id": "j1", "text": ZH_BAN}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "j2", "text": EN_EXPLORE, "label": "mine"})
        + "\n",
        encoding="utf-8",
    )
    (folder / "b.csv").write_text(
        f'id,text\nc1,"{EN_EXPLORE}"\nc2,=HYPERLINK("http://x")\n', encoding="utf-8"
    )
    (folder / "c.txt").write_text(ZH_BAN, encoding="utf-8")
    (folder / "d.pdf").write_bytes(minimal_pdf("Crypto trading is prohibited and platforms must close."))
    document = Document()
    document.add_paragraph(EN_EXPLORE)
    document.save(folder / "e.docx")
    return folder


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_input_format_into_every_output_format(tiny_stance_model, inputs, tmp_path, suffix):
    out = tmp_path / f"scores{suffix}"
    assert main(["score", str(inputs), "--out", str(out), "--model", str(tiny_stance_model[0])]) == 0
    records = read_records(out)
    by_source = {(r["source_file"].rsplit("/", 1)[-1], r["source_row"]): r for r in records}
    assert sorted(by_source) == [
        ("a.jsonl", 1),
        ("a.jsonl", 2),
        ("b.csv", 2),
        ("b.csv", 3),
        ("c.txt", 1),
        ("d.pdf", 1),
        ("e.docx", 1),
    ]
    assert all(r["error"] is None for r in records)
    assert by_source[("a.jsonl", 2)]["input_label"] == "mine"  # the input's own 'label' is kept
    assert by_source[("a.jsonl", 1)]["id"] == "j1"
    first = by_source[("a.jsonl", 1)]
    if suffix == ".jsonl":
        assert isinstance(first["targets"], dict)
    else:  # one level and one score column per object, filled for the objects addressed
        for obj in OBJECTS:
            assert f"target_{obj}_level" in first and f"target_{obj}_score" in first
    expected = Scorer(tiny_stance_model[0]).score([ZH_BAN])[0].targets
    for obj in OBJECTS:
        got = (
            first["targets"].get(obj, {}).get("level") if suffix == ".jsonl" else first[f"target_{obj}_level"]
        )
        want = expected[obj]["level"] if obj in expected else None
        assert (None if got is None or got != got else int(got)) == want  # NaN: not addressed (Parquet)


def test_csv_output_is_safe_against_formula_injection(tiny_stance_model, inputs, tmp_path):
    out = tmp_path / "scores.csv"
    main(["score", str(inputs / "b.csv"), "--out", str(out), "--model", str(tiny_stance_model[0])])
    cells = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert cells.loc[cells["id"] == "c2", "text"].item() == '\'=HYPERLINK("http://x")'
    assert not any(v.startswith(("=", "+", "@")) for v in cells.to_numpy().ravel())


def test_malformed_rows_are_reported_and_the_run_goes_on(tiny_stance_model, tmp_path, capsys):
    source = tmp_path / "bad.jsonl"
    source.write_bytes(
        b'{"text": "Crypto mining is banned."}\n{"text": broken\n{"body": "x"}\n'
        b'{"text": "caf\xe9"}\n{"text": "   "}\n'
    )
    out = tmp_path / "scores.jsonl"
    assert main(["score", str(source), "--out", str(out), "--model", str(tiny_stance_model[0])]) == 1
    errors = [r["error"] for r in read_records(out)]
    assert errors[0] is None
    assert errors[1].startswith(f"{source}:2: invalid JSON")
    assert errors[2] == f"{source}:3: no 'text' field (fields: body); use --text-field"
    assert errors[3].startswith(f"{source}:4: not UTF-8")
    assert errors[4] == f"{source}:5: empty text: nothing to score"
    assert "5 rows: 1 scored now, 0 kept from the earlier output, 4 failed" in capsys.readouterr().err


def test_interrupted_run_resumes_without_duplicates(tiny_stance_model, tmp_path, monkeypatch):
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({"n": i, "text": f"{EN_EXPLORE} ({i})"}) + "\n" for i in range(10)))
    out = tmp_path / "scores.jsonl"
    real_score, calls = Scorer.score, []

    def interrupted(self, texts, explain=False):
        calls.append(len(texts))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_score(self, texts, explain)

    monkeypatch.setattr(Scorer, "score", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.score_files([str(source)], out, model=tiny_stance_model[0], batch_size=4)
    assert not out.exists() and len(read_records(batch.partial_path(out))) == 4
    monkeypatch.setattr(Scorer, "score", real_score)
    summary = batch.score_files([str(source)], out, model=tiny_stance_model[0], batch_size=4)
    assert (summary.scored, summary.reused, summary.failed) == (6, 4, 0)
    assert [r["n"] for r in read_records(out)] == list(range(10))
    assert not batch.partial_path(out).exists()
    again = batch.score_files([str(source)], out, model=tiny_stance_model[0], batch_size=4)
    assert (again.scored, again.reused) == (0, 10)


def test_standard_input_and_explanations(tiny_stance_model, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{ZH_BAN}\n\n{EN_EXPLORE}\n".encode())))
    out = tmp_path / "scores.jsonl"
    assert main(["score", "-", "--out", str(out), "--model", str(tiny_stance_model[0]), "--explain"]) == 0
    records = read_records(out)
    assert [(r["source_file"], r["source_row"]) for r in records] == [("-", 1), ("-", 3)]
    assert set(records[0]["evidence"]) == {"toward_ban", "toward_embrace"}


def test_unsupported_output_is_refused_before_any_work(tiny_stance_model, inputs, tmp_path, capsys):
    assert main(["score", str(inputs), "--out", str(tmp_path / "scores.xlsx")]) == 2
    assert "output must end in .jsonl, .csv, .parquet" in capsys.readouterr().err


def test_workers_are_checked_and_need_the_ray_engine(inputs, tmp_path, capsys):
    out = tmp_path / "scores.jsonl"
    assert main(["score", str(inputs), "--out", str(out), "--workers", "2"]) == 2
    assert "--workers 2 and --gpus-per-worker 0 need --engine ray" in capsys.readouterr().err
    for option, value, problem in [
        ("--workers", "0", "must be a whole number >= 1, got '0'"),
        ("--gpus-per-worker", "-0.5", "must be a finite number >= 0, got '-0.5'"),
        ("--gpus-per-worker", "nan", "must be a finite number >= 0, got 'nan'"),
    ]:
        with pytest.raises(SystemExit) as stopped:  # a flag is checked as it is parsed
            main(["score", str(inputs), "--out", str(out), "--engine", "ray", option, value])
        assert stopped.value.code == 2
        assert f"argument {option}: {problem}" in capsys.readouterr().err
    assert not out.exists()


def test_ray_engine_gives_the_local_results(tiny_stance_model, inputs, tmp_path):
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    model = tiny_stance_model[0]
    batch.score_files([str(inputs / "a.jsonl"), str(inputs / "b.csv")], local, model=model, batch_size=2)
    summary = batch.score_files(
        [str(inputs / "a.jsonl"), str(inputs / "b.csv")], distributed, model=model, batch_size=2, engine="ray"
    )
    assert summary.scored == 4 and summary.failed == 0
    fields = ("source_file", "source_row", "label", "chunks")
    ray_records = read_records(distributed)
    local_records = read_records(local)
    assert [[r[f] for f in fields] for r in ray_records] == [[r[f] for f in fields] for r in local_records]
    assert [r["score"] for r in ray_records] == pytest.approx([r["score"] for r in local_records], abs=1e-5)


def test_ray_engine_refuses_workers_that_cannot_start(inputs, tmp_path, monkeypatch):
    """A Ray started for the run can gain no GPU: asking for one is an error, not a wait for ever."""
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(
        ValueError, match=r"0 GPUs: 0 of the 2 workers fit at once .* lower --gpus-per-worker"
    ):
        batch.score_files([str(inputs)], tmp_path / "s.jsonl", engine="ray", workers=2, gpus_per_worker=0.5)


def test_onnx_runtime_reads_like_torch(tiny_stance_model):
    texts = [ZH_BAN, EN_EXPLORE, " ".join([EN_EXPLORE] * 40)]
    onnx = Scorer(tiny_stance_model[0]).score(texts)
    torch_fp32 = Scorer(tiny_stance_model[0], precision="fp32").score(texts)
    assert [r.score for r in onnx] == pytest.approx([r.score for r in torch_fp32], abs=1e-4)
    assert [r.chunks for r in onnx] == [r.chunks for r in torch_fp32]
