"""Bad inputs, faults and damaged files: no silent garbage, no lost rows, clear errors."""

import json
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from safetensors.torch import load_file, save_file

from corpus.atomic import staged_folder
from corpus.jsonl import json_lines
from corpus.language import detect_language
from inference import batch
from inference.readers import MAX_UNPACKED_BYTES, document_text
from inference.scorer import Scorer
from inference.writers import read_records
from stancetrace.cli import main
from stancetrace.store import StoreError, TimelineStore
from training.ordinal import fit_temperature

TEXT = "The authority will study stablecoins and run a sandbox pilot for cross-border payments."


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _poisoned(folder, tmp_path, name):
    """A copy of model `folder` with one NaN in its first weight matrix."""
    copy = tmp_path / name
    shutil.copytree(folder, copy)
    weights = load_file(copy / "model.safetensors")
    first = next(k for k, v in weights.items() if v.ndim == 2)
    weights[first][0, 0] = float("nan")
    save_file(weights, copy / "model.safetensors", metadata={"format": "pt"})
    return copy


def test_a_model_with_non_finite_weights_gives_error_rows_not_nan(tiny_stance_model, tmp_path, capsys):
    model = _poisoned(tiny_stance_model[0], tmp_path, "nan-model")
    out = tmp_path / "scores.jsonl"
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}, {"text": TEXT + " Again."}])
    assert main(["score", str(source), "--out", str(out), "--model", str(model)]) == 1
    raw = out.read_text()
    assert "NaN" not in raw
    rows = [json.loads(line) for line in raw.splitlines()]  # strict JSON
    assert all(r["score"] is None and r["label"] is None for r in rows)
    assert all("not finite" in r["error"] for r in rows)


def test_training_that_diverges_writes_nothing_and_exits_1(tiny_model_dir, tmp_path, capsys):
    base = _poisoned(tiny_model_dir, tmp_path, "nan-base")
    out = tmp_path / "model"
    argv = ["train", "--out", str(out), "--base-model", str(base), "--max-steps", "2", "--epochs", "1"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "not finite" in err and str(out) in err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["nan-base"]


def test_temperature_is_finite_even_on_extreme_logits():
    logits = np.array([[1e30, -1e30, 0, 0, 0], [0, 0, 0, 0, 0], [np.inf, 0, 0, 0, 0]])
    assert np.isfinite(fit_temperature(logits, np.array([0, 1, 2])))


@pytest.mark.parametrize("value", ["-1", "0", "x"])
def test_numeric_options_are_checked_when_parsed(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["score", "-", "--out", str(tmp_path / "o.jsonl"), "--batch-size", value])
    assert stopped.value.code == 2
    assert "--batch-size" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_a_row_without_a_result_or_an_error_is_scored_again(tiny_stance_model, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}])
    out = tmp_path / "scores.jsonl"
    empty = {"text": TEXT, "source_file": str(source), "source_row": 1, "label": None, "error": None}
    _jsonl(out, [empty])
    summary = batch.score_files([str(source)], out, model=tiny_stance_model[0])
    assert (summary.scored, summary.reused) == (1, 0)
    assert read_records(out)[0]["label"] is not None


def test_csv_numbers_stay_numbers_through_two_resumes(tiny_stance_model, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT + f" ({i})"} for i in range(6)])
    out = tmp_path / "scores.csv"
    for _ in range(3):
        batch.score_files([str(source)], out, model=tiny_stance_model[0])
    cells = pd.read_csv(out, dtype=str, keep_default_na=False)
    for column in ("level", "score", "prob_ban", "chunks"):
        assert not cells[column].str.startswith("'").any(), column
        pd.to_numeric(cells[column])  # every cell still a number


def test_one_bad_row_of_a_csv_does_not_drop_the_others(tiny_stance_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b'id,text\n1,"' + TEXT.encode() + b'"\n2,"caf\xe9 crypto"\n3,"Bitcoin is banned."\n')
    out = tmp_path / "scores.jsonl"
    summary = batch.score_files([str(source)], out, model=tiny_stance_model[0])
    records = read_records(out)
    assert [r["source_row"] for r in records] == [2, 3, 4]
    assert [r["error"] is None for r in records] == [True, False, True]
    assert records[1]["error"].startswith(f"{source}:3: not UTF-8")
    assert summary.failed == 1


def test_a_damaged_earlier_output_is_recovered_and_kept(tiny_stance_model, tmp_path, capsys):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT + f" ({i})"} for i in range(3)])
    out = tmp_path / "scores.jsonl"
    batch.score_files([str(source)], out, model=tiny_stance_model[0])
    lines = out.read_text().splitlines()
    out.write_text(lines[0] + "\n" + lines[1] + "\n" + lines[2][:40])  # cut off mid-line
    summary = batch.score_files([str(source)], out, model=tiny_stance_model[0])
    notes = " ".join(summary.notes)
    assert f"{out}:3: dropped an unreadable line" in notes
    assert (summary.reused, summary.scored) == (2, 1)
    backups = list(tmp_path.glob("scores.jsonl.damaged*"))
    assert len(backups) == 1 and backups[0].read_text().endswith(lines[2][:40])


def test_a_file_at_out_that_is_not_an_output_is_not_overwritten(tiny_stance_model, tmp_path, capsys):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}])
    out = tmp_path / "notes.jsonl"
    out.write_text("my own notes, not JSON\n")
    assert main(["score", str(source), "--out", str(out), "--model", str(tiny_stance_model[0])]) == 2
    assert "is not an output of `stance score`" in capsys.readouterr().err
    assert out.read_text() == "my own notes, not JSON\n"


def test_the_same_file_as_input_and_output_is_refused(tmp_path, capsys):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}])
    assert main(["score", str(source), "--out", str(source)]) == 2
    assert "is also an input" in capsys.readouterr().err
    assert json.loads(source.read_text()) == {"text": TEXT}


# Bounded cost


def test_evidence_of_a_long_text_comes_from_its_most_decisive_windows(tiny_stance_model):
    scorer = Scorer(tiny_stance_model[0], max_tokens=48, explain_steps=2, explain_windows=2)
    result = scorer.score([" ".join([TEXT] * 12)], explain=True)[0]
    assert result.chunks > 2
    assert result.evidence_note == f"evidence from the 2 most decisive of {result.chunks} windows"
    assert scorer.count_windows(" ".join([TEXT] * 12)) == result.chunks
    assert scorer.score([TEXT], explain=True)[0].evidence_note is None


def test_a_document_over_the_limit_gets_an_error_and_the_others_are_scored(tiny_stance_model, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}, {"text": "x" * 200}])
    out = tmp_path / "scores.jsonl"
    argv = [
        "score",
        str(source),
        "--out",
        str(out),
        "--model",
        str(tiny_stance_model[0]),
        "--max-chars",
        "150",
    ]
    assert main(argv) == 1
    first, second = read_records(out)
    assert first["error"] is None
    assert second["error"] == f"{source}:2: the text has 200 characters, over the limit of 150 " + (
        "(--max-chars); split it, or raise the limit"
    )


def test_the_progress_bar_counts_windows(tiny_stance_model, tmp_path, capsys):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}])
    batch.score_files([str(source)], tmp_path / "o.jsonl", model=tiny_stance_model[0])
    assert "window" in capsys.readouterr().err


def test_a_docx_that_unpacks_too_far_is_refused_before_it_is_read(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * 1_000_000
            for _ in range(MAX_UNPACKED_BYTES // len(block) + 1):
                member.write(block)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(ValueError, match=r"bomb.docx: the .docx unpacks to 201 MB, over the limit of 200 MB"):
        document_text(bomb)


# Clear errors


def test_a_cut_short_weights_file_is_a_clear_error(tiny_stance_model, tmp_path, capsys):
    model = tmp_path / "cut"
    shutil.copytree(tiny_stance_model[0], model)
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}])
    assert main(["score", str(source), "--out", str(tmp_path / "o.jsonl"), "--model", str(model)]) == 2
    assert f"{model}: the transformer model cannot be loaded" in capsys.readouterr().err
    assert main(["eval", "--model", str(model)]) == 2
    assert "may be damaged or cut short" in capsys.readouterr().err


def test_a_malformed_settings_file_is_a_clear_error(tmp_path, capsys):
    settings = tmp_path / "run.yaml"
    settings.write_text("epochs: [3\n")
    assert main(["train", "--config", str(settings), "--print-config"]) == 2
    assert f"{settings}: not a valid YAML or JSON settings file" in capsys.readouterr().err
    settings.write_text('epochs: "ten"\n')
    assert main(["train", "--config", str(settings), "--print-config"]) == 2
    assert "setting epochs must be an integer >= 1, got 'ten'" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["folder", "damaged"])
def test_an_unusable_timeline_database_is_a_clear_error(kind, tiny_stance_model, tmp_path, capsys):
    db = tmp_path / "timeline.sqlite"
    if kind == "folder":
        db.mkdir()
    else:
        db.write_bytes(b"this is no database" * 100)
    with pytest.raises(StoreError, match=str(db)):
        TimelineStore(db)
    assert main(["app", "--model", str(tiny_stance_model[0]), "--db", str(db), "--no-browser"]) == 2
    assert str(db) in capsys.readouterr().err


# Small slips


def test_json_errors_read_once(tmp_path):
    problem = next(json_lines(b'{"text": "open\n')).problem
    assert problem == "invalid JSON: Unterminated string starting at: column 10"


def test_failed_rows_are_not_counted_as_scored(tiny_stance_model, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}, {"text": " "}])
    summary = batch.score_files([str(source)], tmp_path / "o.jsonl", model=tiny_stance_model[0])
    assert (summary.scored, summary.failed) == (1, 1)


def test_a_missing_output_folder_is_named_as_the_user_gave_it(tmp_path, capsys):
    source = _jsonl(tmp_path / "in.jsonl", [{"text": TEXT}])
    out = tmp_path / "no-such-folder" / "scores.jsonl"
    assert main(["score", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: the folder {out.parent} does not exist" in err and ".partial" not in err


def test_a_killed_run_leaves_no_staging_folder_behind(tmp_path):
    abandoned = tmp_path / ".model-new-999999999-abc"  # no process has this id
    abandoned.mkdir()
    with staged_folder(tmp_path / "model") as staging:
        (staging / "x").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_japanese_and_korean_are_not_taken_for_chinese():
    assert detect_language("暗号資産の交換業者は金融庁への登録が必要です。") == "other"
    assert detect_language("가상자산 거래소는 등록해야 합니다.") == "other"
    assert detect_language("央行宣布全面禁止虚拟货币交易。") == "zh"


def test_explanations_in_parallel_threads_match_one_at_a_time(tiny_stance_model):
    scorer = Scorer(tiny_stance_model[0], explain_steps=2)
    texts = [TEXT, "央行宣布全面禁止虚拟货币交易。", TEXT + " It will also license issuers."]
    alone = [scorer.score([t], explain=True)[0].evidence for t in texts]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(lambda t: scorer.score([t], explain=True)[0].evidence, texts * 3))
    assert together == alone * 3


def test_a_text_over_the_evidence_limit_is_scored_without_evidence(tiny_stance_model):
    scorer = Scorer(tiny_stance_model[0], explain_steps=2, explain_max_chars=100)
    result = scorer.score([" ".join([TEXT] * 3)], explain=True)[0]
    assert result.label is not None and result.evidence is None
    assert result.evidence_note == "no evidence: the text has more than 100 characters"
