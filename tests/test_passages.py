"""Long documents: passages follow the paragraphs, and the document is decided by the codebook's
rules (operative parts count, most weight wins, nearer 0 on a tie), not by averaging."""

import numpy as np
import pytest

from corpus.scale import LEVELS
from corpus.script import simplified
from inference.models import Reading
from inference.passages import decide, passages
from inference.scorer import Scorer

BACKGROUND = "近年来，金融科技快速发展，各类新业态不断涌现，社会公众对数字金融的关注持续上升。" * 3
OPERATIVE = "自即日起，本市任何机构和个人不得开展虚拟货币交易业务，已开展的应立即停止并有序清退。"
CLOSING = "本通知自发布之日起施行。联系人：张某某，联系电话：12345678。特此通知。"


def _reading(levels_probs: list[list[float]]) -> Reading:
    probs = np.array(levels_probs, dtype=float)
    return Reading(probs, np.zeros((len(probs), 0)), np.zeros((len(probs), 0, 5)))


def _certain(level: int, sure: float = 0.9) -> list[float]:
    row = [(1 - sure) / 4] * 5
    row[LEVELS.index(level)] = sure
    return row


def test_the_operative_passage_decides_not_the_boilerplate():
    reading = _reading([_certain(0), _certain(-2), _certain(0), _certain(0)])
    document, decisive = decide(reading, [400, 100, 400, 300])
    assert decisive == [1]
    assert LEVELS[int(document.probs[0].argmax())] == -2  # an average would have said neutral


def test_the_heavier_operative_level_wins_and_a_tie_goes_nearer_zero():
    reading = _reading([_certain(-2), _certain(1), _certain(1)])
    assert decide(reading, [100, 300, 300])[1] == [1, 2]
    document, decisive = decide(_reading([_certain(-2), _certain(1)]), [200, 200])
    assert decisive == [1] and LEVELS[int(document.probs[0].argmax())] == 1


def test_a_document_without_operative_passages_is_neutral():
    unsure = [0.3, 0.1, 0.35, 0.15, 0.1]  # leans toward ban, but neutral is likelier than not
    document, decisive = decide(_reading([_certain(0), unsure]), [100, 100])
    assert decisive == [0, 1] and LEVELS[int(document.probs[0].argmax())] == 0
    weak = [0.05, 0.45, 0.42, 0.05, 0.03]  # leans restrict, but not surely other than neutral
    document, decisive = decide(_reading([_certain(0), weak]), [100, 100])
    assert decisive == [0] and LEVELS[int(document.probs[0].argmax())] == 0


def test_passages_follow_paragraphs_and_point_into_the_text(tiny_stance_model):
    model = Scorer(tiny_stance_model[0]).stance_model
    text = "\n\n".join([BACKGROUND, BACKGROUND, OPERATIVE, BACKGROUND, CLOSING])
    found = passages(model, text, max_tokens=64, passage_tokens=48)
    assert len(found) > 2
    assert any(text[p.start : p.end] == OPERATIVE for p in found)
    joined = "".join(text[p.start : p.end] for p in found)
    assert joined.replace("\n", "") == text.replace("\n", "")  # every character read, in order, once
    for passage in found:
        spans = [s for w in passage.windows for s in w.spans if s]
        assert passage.start <= min(s[0] for s in spans) and max(s[1] for s in spans) <= passage.end
    assert passages(model, OPERATIVE, max_tokens=512, passage_tokens=48)[0].end == len(OPERATIVE)


def test_a_long_notice_names_its_decisive_passages(tiny_stance_model):
    scorer = Scorer(tiny_stance_model[0], max_tokens=64, passage_tokens=48)
    text = "\n".join([BACKGROUND, OPERATIVE, CLOSING])
    result = scorer.score([text])[0]
    assert result.decisive
    for passage in result.decisive:
        assert 0 <= passage["start"] < passage["end"] <= len(text) and passage["level"] in LEVELS
    assert result.chunks == scorer.count_windows(text)
    assert scorer.score([OPERATIVE])[0].decisive is None  # one passage: the whole text decided


def test_traditional_chinese_reads_as_simplified(tiny_stance_model):
    traditional = "香港金融管理局發出首批穩定幣發行人牌照，並就虛擬資產交易平台發出警告。"
    assert simplified(traditional) != traditional and len(simplified(traditional)) == len(traditional)
    scorer = Scorer(tiny_stance_model[0])
    probs = scorer.probabilities([traditional, simplified(traditional)])
    assert probs[0] == pytest.approx(probs[1], abs=1e-6)
    window = scorer.stance_model.windows(traditional)[0]
    assert max(s[1] for s in window.spans if s) == len(traditional)  # offsets are the input's own
