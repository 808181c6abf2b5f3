"""The model card: what a trained stance model is, how it was trained, how well it does, its limits."""

from __future__ import annotations

from training.evaluate import HEADLINE, format_report


def _headline_row(name: str, metrics: dict) -> str:
    cells = [f"{metrics[k]:d}" if k == "n" else f"{metrics[k]:.3f}" for k in HEADLINE]
    return f"| {name} | " + " | ".join(cells) + " |"


def metrics_table(report: dict) -> str:
    """A Markdown table of the headline metrics, overall and per language."""
    lines = [
        "| | " + " | ".join(HEADLINE) + " |",
        "|---" * (len(HEADLINE) + 1) + "|",
        _headline_row("all", report["overall"]),
    ]
    lines += [_headline_row(lang, m) for lang, m in report["by_language"].items()]
    gap = report["translation"]
    lines.append(
        f"\nTranslation gap (mean |score zh - score en| over {gap['pairs']} pairs): "
        f"{gap['mean_abs_score_gap']:.3f}"
    )
    return "\n".join(lines)


def model_card(metrics: dict) -> str:
    """The README.md written beside a trained model."""
    config = metrics["config"]
    kind = (
        "fine-tuned transformer"
        if metrics["model"] == "transformer"
        else "TF-IDF + logistic regression baseline"
    )
    settings = "\n".join(f"| {k} | {v} |" for k, v in config.items())
    languages = config["train_lang"] or "zh + en"
    return f"""# StanceTrace stance model ({kind})

Places a Chinese or English statement by a regulator or government on crypto, stablecoins and
blockchain finance on a five-level scale: -2 ban, -1 restrict, 0 neutral, +1 explore, +2 embrace.
It gives five calibrated probabilities and a continuous score in [-1, 1] (the probability-weighted
level divided by 2).

- **Base model:** {metrics["base_model"] or "none (jieba words and English words, TF-IDF of 1-2 grams)"}
- **Data:** StanceTrace corpus, {metrics["split"]} split, train set
  ({metrics["train_statements"]} statements, {languages}); the epoch is chosen by macro-F1 on the
  validation split, and a temperature fitted on it calibrates the probabilities
  (T = {metrics["temperature"]:.3f}). The test split was not used for any choice.
{_added_line(metrics)}- **Training time:** {metrics["train_seconds"]} s{_how(metrics)}.
- **Figures:** every figure below is measured through `Scorer`, as `stance score` and the app read
  (windows of up to 512 tokens, {metrics["precision"]} precision).
- **Loss:** cross-entropy plus {config["ordinal_weight"]} x the squared error of the expected level, so
  that errors far along the scale cost more than adjacent ones{_objects(metrics)}.

## Test split ({metrics["split"]})

{metrics_table(metrics["test"])}

```
{format_report(metrics["test"])}
```

{_own_statements(metrics)}## Validation split

{metrics_table(metrics["validation"])}

## Hyper-parameters

| setting | value |
|---|---|
{settings}

## Limits

- Trained on {metrics["train_statements"]} statements, {metrics["train_synthetic"]} of them synthetic style
  exemplars; real documents are longer and more mixed. A text longer than one window is read in
  passages and decided by its operative passages (`decisive`), by the codebook's rules.
- The label is the stance of the text, not of the authority: a law's penalty clauses score low even
  when the law as a whole enables the activity.
- Chinese and English only; other languages are outside what it was trained and tested on.
- Calibrated on {metrics["validation_statements"]} validation statements: probabilities are indicative,
  not exact.

## Loading

```python
from inference import Scorer
scorer = Scorer("THIS_FOLDER")
scorer.score(["上海市国资委召开专题学习会，加强对稳定币的研究。"])[0].label
```
"""


def _how(metrics: dict) -> str:
    """How a transformer was trained: its precision and the layers it changed."""
    if metrics["model"] != "transformer":
        return ""
    layers = metrics["config"]["train_layers"]
    return f" ({metrics['train_precision']}, the top {layers} encoder layers and the head trained)"


def _objects(metrics: dict) -> str:
    """The per-object heads' part of the loss, and where detection comes from."""
    if metrics["model"] != "transformer":
        return ""
    return (
        f"; plus {metrics['config']['target_weight']} x the same loss on the level toward each object "
        "the text addresses (whether it addresses one comes from a character n-gram detector)"
    )


def _added_line(metrics: dict) -> str:
    added = metrics.get("added")
    if not added:
        return ""
    return (
        f"- **Your own statements:** {added['statements']} from {len(added['files'])} file(s); "
        f"{added['statements'] - added['held_out']} trained on, {added['held_out']} held out (see below)"
        + (
            f"; {added['left_out_of_corpus_splits']} corpus validation and test statements that you added "
            "were left out of those splits.\n"
            if added.get("left_out_of_corpus_splits")
            else ".\n"
        )
    )


def _own_statements(metrics: dict) -> str:
    """The researcher's added files (sha256, counts by label) and the figures on their held-out share."""
    added = metrics.get("added")
    if not added:
        return ""
    names = list(added["files"][0]["by_label"])
    lines = [
        "## Your own statements",
        "",
        "| file | sha256 | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    lines += [
        f"| {f['path']} | `{f['sha256']}` | " + " | ".join(str(f["by_label"][n]) for n in names) + " |"
        for f in added["files"]
    ]
    share = metrics.get("own_held_out")
    lines += [
        "",
        f"Held out for evaluation (chosen by a hash of each statement's id or text, the same on every "
        f"run): {added['held_out']} of {added['statements']}.",
        "",
        metrics_table(share) if share else "(none held out: add more statements for a held-out figure)",
        "",
        "",
    ]
    return "\n".join(lines)
