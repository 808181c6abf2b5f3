"""The corpus statistics and the default-model commands, as a user runs them."""

import shutil

from stancetrace.cli import main
from training import train as training_run


def test_corpus_stats_prints_every_table_and_every_bar_met(capsys):
    assert main(["corpus", "stats"]) == 0
    out = capsys.readouterr().out
    for title in (
        "Statements by register and script",
        "Statements by object and level toward it",
        "Statements by label and split (temporal)",
        "Annotator agreement on targets",
        "Coverage",
    ):
        assert title in out, title
    bars = [line for line in out.splitlines() if line.startswith(("[x]", "[ ]"))]
    assert len(bars) > 40 and not [line for line in bars if line.startswith("[ ]")]


def test_corpus_stats_on_a_small_corpus_shows_the_unmet_bars(small_corpus, capsys):
    data, splits, _ = small_corpus
    assert main(["corpus", "stats", "--data-dir", str(data), "--splits", str(splits)]) == 0
    assert "[ ] statements: 10 (at least 2400)" in capsys.readouterr().out


def test_prepare_keeps_a_ready_default_model(baseline_model, capsys):
    from inference.paths import default_model_dir

    folder = default_model_dir()
    shutil.copytree(baseline_model, folder)
    try:
        assert main(["prepare"]) == 0
        assert f"default model ready: {folder}" in capsys.readouterr().out
    finally:
        shutil.rmtree(folder)


def test_prepare_trains_anew_over_a_default_model_of_the_old_format(baseline_model, monkeypatch, capsys):
    from inference.paths import default_model_dir

    folder = default_model_dir()
    shutil.copytree(baseline_model, folder)
    (folder / "model.json").unlink()  # as an earlier StanceTrace left it
    calls, real_train = [], training_run.train

    def quick_train(config, out, overwrite=False):  # the real run takes minutes: train the baseline
        calls.append(overwrite)
        return real_train(config.with_overrides(baseline=True), out, overwrite=overwrite)

    monkeypatch.setattr(training_run, "train", quick_train)
    try:
        assert main(["prepare"]) == 0
        assert calls == [True] and (folder / "model.json").exists()
        captured = capsys.readouterr()
        assert "of an older format; training it anew" in captured.err
        assert f"default model ready: {folder}" in captured.out
    finally:
        shutil.rmtree(folder)
