"""The fast paths give the reference's results: the split encoder used in training, bf16 reading,
and the choice of default precision by what the machine computes fast."""

import pytest
import torch

from inference.models.hardware import fast_bf16
from inference.models.split_encoder import SplitEncoder
from inference.models.transformer import TransformerModel
from inference.scorer import Scorer

TEXTS = [
    "上海市国资委召开专题学习会，研究稳定币的发展。",
    "The central bank bans all crypto trading and token offerings with immediate effect.",
]


@pytest.mark.parametrize("train_layers", [1, 2, 5])
def test_split_encoder_reads_like_the_whole_network(tiny_model_dir, train_layers):
    model = TransformerModel.from_base(tiny_model_dir)
    network = model.network.eval()
    batch = model.encode(TEXTS, 64)
    split = SplitEncoder(network, train_layers)
    with torch.no_grad():
        whole = network(**batch).logits
        parts = split.top(split.bottom(batch["input_ids"], batch["attention_mask"]), batch["attention_mask"])
    assert torch.allclose(whole, parts, atol=1e-5)
    assert split.cut == max(2 - train_layers, 0)
    split.freeze_bottom()
    trained = {id(p) for p in split.body + split.head}
    assert all(p.requires_grad == (id(p) in trained) for p in network.parameters())
    assert not network.base_model.embeddings.word_embeddings.weight.requires_grad


def test_split_encoder_refuses_a_network_of_another_structure():
    with pytest.raises(ValueError, match="BERT- or RoBERTa-style encoder"):
        SplitEncoder(torch.nn.Linear(2, 2), 1)


def test_bf16_reads_the_levels_of_fp32(tiny_stance_model):
    texts = TEXTS + [" ".join(TEXTS * 30)]
    bf16 = Scorer(tiny_stance_model[0], precision="bf16").score(texts)
    fp32 = Scorer(tiny_stance_model[0], precision="fp32").score(texts)
    assert [r.score for r in bf16] == pytest.approx([r.score for r in fp32], abs=0.05)
    assert [r.chunks for r in bf16] == [r.chunks for r in fp32]


def test_the_default_precision_follows_the_machine(tiny_stance_model):
    default = Scorer(tiny_stance_model[0]).precision
    if torch.cuda.is_available():
        assert default == ("bf16" if fast_bf16(torch.device("cuda")) else "fp32")
    else:
        assert default == ("bf16" if fast_bf16(torch.device("cpu")) else "onnx")
    assert isinstance(fast_bf16(torch.device("cpu")), bool)


@pytest.mark.parametrize("frozen_layers", [0, 1])
def test_attributions_add_up_to_the_score_they_explain(tiny_model_dir, frozen_layers):
    """Integrated gradients are complete: a window's token attributions sum to its score minus the
    reference window's, wherever the cut is."""
    from inference.models.transformer import expected_level

    model = TransformerModel.from_base(tiny_model_dir)
    model.frozen_layers = frozen_layers
    window = model.windows(TEXTS[1])[0]
    attribution = model._token_attributions(window, steps=64, bf16=False)
    pad = model.tokenizer.pad_token_id
    reference = [i if s is None else pad for i, s in zip(window.ids, window.spans)]
    with torch.no_grad():
        logits = model.network.eval()(input_ids=torch.tensor([window.ids, reference])).logits[:, :5]
    level = expected_level(logits) / 2
    assert attribution.sum() == pytest.approx(float(level[0] - level[1]), abs=2e-3)
    assert len(attribution) == len(window.ids)
