"""Training settings: every value checked, set from a file, flags or --set, printed in full."""

import pytest
import yaml

from stancetrace.cli import main
from training.config import TrainConfig


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("epochs", 0, "setting epochs must be an integer >= 1, got 0"),
        ("epochs", 2.5, "setting epochs must be an integer >= 1, got 2.5"),
        ("batch_size", -1, "setting batch_size must be an integer >= 1"),
        ("learning_rate", 0, "setting learning_rate must be a number > 0"),
        ("head_learning_rate", "fast", "setting head_learning_rate must be a number > 0, got 'fast'"),
        ("ordinal_weight", -0.5, "setting ordinal_weight must be a number >= 0"),
        ("weight_decay", float("nan"), "setting weight_decay must be a number >= 0"),
        ("warmup_ratio", 1, "setting warmup_ratio must be a number in [0, 1)"),
        ("train_lang", "fr", "setting train_lang must be zh, en or null"),
        ("max_steps", 0, "setting max_steps must be an integer >= 1"),
        ("train_layers", 0, "setting train_layers must be an integer >= 1"),
        ("precision", "fp16", "setting precision must be auto, bf16 or fp32, got 'fp16'"),
        ("baseline", "yes please", "setting baseline must be true or false"),
        ("base_model", "no-such-folder", "'no-such-folder' is neither an existing folder nor a hub name"),
    ],
)
def test_each_bad_value_names_the_setting_and_what_it_allows(setting, value, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        TrainConfig(**{setting: value})


def test_good_values_are_taken_and_numbers_read_as_written():
    config = TrainConfig().with_assignments(
        ["learning_rate=3e-5", "train_lang=zh", "max_steps=null", "baseline=true"]
    )
    assert (config.learning_rate, config.train_lang, config.max_steps, config.baseline) == (
        3e-5,
        "zh",
        None,
        True,
    )
    assert (
        TrainConfig(base_model="intfloat/multilingual-e5-base").base_model == "intfloat/multilingual-e5-base"
    )


def test_a_settings_file_with_a_bad_value_names_the_file(tmp_path):
    settings = tmp_path / "run.yaml"
    settings.write_text("epochs: 3\nlearning_rate: -1\n")
    with pytest.raises(ValueError, match=r"run.yaml: setting learning_rate must be a number > 0, got -1"):
        TrainConfig.from_file(settings)


def test_cli_rejects_a_bad_setting_with_exit_2_and_writes_nothing(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:  # a flag is checked as it is parsed
        main(["train", "--out", str(tmp_path / "m"), "--epochs", "0"])
    assert stopped.value.code == 2
    assert "argument --epochs: must be a whole number >= 1, got '0'" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "m"), "--set", "epochs=0"]) == 2
    assert "setting epochs must be an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "m"), "--set", "dropout=0.2"]) == 2
    assert "unknown setting(s) dropout" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "m"), "--set", "epochs"]) == 2
    assert "--set 'epochs': expected key=value" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_print_config_shows_the_whole_run_in_order_file_then_flags_then_set(tmp_path, capsys):
    settings = tmp_path / "run.yaml"
    settings.write_text("epochs: 3\nseed: 1\n")
    argv = [
        "train",
        "--config",
        str(settings),
        "--seed",
        "5",
        "--baseline",
        "--set",
        "seed=9",
        "--print-config",
    ]
    assert main(argv) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == {**TrainConfig().to_dict(), "epochs": 3, "seed": 9, "baseline": True}
    assert TrainConfig(**printed) == TrainConfig.from_file(settings).with_assignments(
        ["seed=9", "baseline=true"]
    )


def test_an_undefined_figure_is_written_as_null_not_nan():
    import json

    from training.metrics import report_json

    text = report_json({"overall": {"spearman": float("nan"), "n": 3}, "per": [float("inf"), 0.5]})
    assert json.loads(text) == {"overall": {"spearman": None, "n": 3}, "per": [None, 0.5]}
