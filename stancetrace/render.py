"""HTML for scored statements: label, a ban-to-embrace bar, the probabilities, a chip per object
addressed, the passages that decided a long text, and highlighted evidence."""

from __future__ import annotations

import html

from corpus.scale import display_name
from inference.scorer import Scored

PASSAGE_CHARS = 300  # a decisive passage is shown up to this many characters
STYLE = """
<style>
.st-card{border:1px solid #ddd;border-radius:8px;padding:12px;margin:8px 0;font-size:15px;line-height:1.6}
.st-head{display:flex;gap:12px;align-items:center;font-weight:600}
.st-label{padding:2px 10px;border-radius:12px;color:#fff}
.st-ban{background:#b03a2e}.st-restrict{background:#d68910}.st-neutral{background:#7f8c8d}
.st-explore{background:#2e86c1}.st-embrace{background:#1e8449}
.st-chip{display:inline-block;padding:0 8px;margin:2px 6px 2px 0;border-radius:10px;color:#fff;font-size:13px}
.st-decisive ol{margin:4px 0;padding-left:24px}.st-passage{margin:6px 0}.st-offsets{font-size:13px;color:#666}
.st-passage-text{white-space:pre-wrap;border-left:3px solid #ccc;padding-left:8px}
.st-gauge{position:relative;height:14px;border-radius:7px;margin:8px 0;
 background:linear-gradient(90deg,#b03a2e,#d68910,#bdc3c7,#2e86c1,#1e8449)}
.st-needle{position:absolute;top:-4px;width:4px;height:22px;background:#111;border-radius:2px}
.st-probs{font-size:13px;color:#444}
.ev-ban{background:#f5b7b1;border-bottom:2px solid #b03a2e}
.ev-embrace{background:#abebc6;border-bottom:2px solid #1e8449}
.st-error{color:#b03a2e}
</style>
"""


def highlighted(text: str, result: Scored) -> str:
    """`text` with its evidence words marked: toward ban in red, toward embrace in green."""
    marks = [(e.start, e.end, "ev-ban", e.weight) for e in result.evidence["toward_ban"]]
    marks += [(e.start, e.end, "ev-embrace", e.weight) for e in result.evidence["toward_embrace"]]
    out, position = [], 0
    for start, end, css, weight in sorted(marks):
        if start < position:
            continue
        out += [
            html.escape(text[position:start]),
            f'<mark class="{css}" title="{weight:+.3f}">{html.escape(text[start:end])}</mark>',
        ]
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def shortened(text: str, limit: int = PASSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def object_chips(targets: dict[str, dict] | None) -> str:
    """A chip per object addressed, e.g. "stablecoin +1 explore", coloured by its level; a note when
    the text addresses none; nothing for a model without object heads."""
    if targets is None:
        return ""
    if not targets:
        return '<div class="st-objects st-probs">no object addressed</div>'
    chips = "".join(
        f'<span class="st-chip st-object st-{t["label"]}" data-object="{html.escape(name)}" '
        f'title="addressed {t["addressed"]:.2f}, score {t["score"]:+.2f}">'
        f"{html.escape(name)} {display_name(t['level'])}</span>"
        for name, t in targets.items()
    )
    return f'<div class="st-objects">{chips}</div>'


def decisive_passages(text: str, decisive: list[dict] | None) -> str:
    """The passages that decided a text read in several: each one's level, offsets and (shortened) text."""
    if decisive is None:
        return ""
    items = "".join(_passage(text, p) for p in decisive)
    return f'<div class="st-decisive"><strong>Decisive passages</strong><ol>{items}</ol></div>'


def _passage(text: str, passage: dict) -> str:
    start, end = passage["start"], passage["end"]
    return (
        f'<li class="st-passage" data-start="{start}" data-end="{end}">'
        f'<span class="st-chip st-{passage["label"]}" title="score {passage["score"]:+.2f}">'
        f'{display_name(passage["level"])}</span><span class="st-offsets">characters {start}–{end}</span>'
        f'<div class="st-passage-text">{html.escape(shortened(text[start:end]))}</div></li>'
    )


def card(text: str, result: Scored, number: int | None = None) -> str:
    if result.error:
        return f'<div class="st-card st-error">{html.escape(result.error)}</div>'
    probs = " · ".join(f"{name} {p:.2f}" for name, p in result.probs.items())
    body = highlighted(text, result) if result.evidence else html.escape(text)
    left = (result.score + 1) / 2 * 100
    note = f'<div class="st-probs">{html.escape(result.evidence_note)}</div>' if result.evidence_note else ""
    return (
        '<div class="st-card"><div class="st-head">'
        + (f'<span class="st-number">#{number}</span>' if number else "")
        + f'<span class="st-label st-{result.label}">{result.label}</span>'
        f'<span class="st-score">score {result.score:+.2f}</span><span>({result.lang}, {result.chunks} '
        "window(s))</span></div>"
        '<div class="st-gauge" title="-1 ban … +1 embrace"><div class="st-needle" '
        f'style="left:calc({left:.1f}% - 2px)"></div></div>'
        f'<div class="st-probs">{probs}</div>{object_chips(result.targets)}'
        f'{decisive_passages(text, result.decisive)}<div class="st-text">{body}</div>{note}</div>'
    )


def cards(texts: list[str], results: list[Scored]) -> str:
    """The cards of the results, those scored numbered #1, #2, ... (as their "correct" controls are)."""
    numbers = iter(range(1, len(results) + 1))
    return STYLE + "".join(card(t, r, None if r.error else next(numbers)) for t, r in zip(texts, results))
