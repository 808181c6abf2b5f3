"""Bad inputs, faults and damaged files: no silent garbage, no lost rows, clear errors."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from safetensors.torch import load_file, save_file

from inference import batch
from inference.writers import read_records
from stancetrace.cli import main
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
