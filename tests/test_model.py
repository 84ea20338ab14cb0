import shutil
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.functional import mse_loss

from pl_modules.data import LABEL_PAD
from pl_modules.model import SentenceOrderingModel, ordering_loss, sentence_scores

MARKER = 101


def loop_loss(scores, labels):
    """The original tutorial's loss: one story at a time."""
    total = 0.0
    for s, y in zip(scores, labels):
        keep = y != LABEL_PAD
        total = total + mse_loss(s[keep], y[keep].to(s.dtype))
    return total / len(scores)


@st.composite
def batches(draw):
    """Random stories: 1 to 8 per batch, 2 to 6 surviving markers, random sentence lengths and
    padding."""
    stories = draw(st.integers(1, 8))
    sentences = [draw(st.integers(2, 6)) for _ in range(stories)]
    rows, labels = [], []
    for n in sentences:
        ids = []
        for _ in range(n):
            ids += [MARKER] + [draw(st.integers(1000, 1100)) for _ in range(draw(st.integers(1, 5)))]
        rows.append(ids + [102])
        labels.append(draw(st.permutations(range(n + draw(st.integers(0, 2)))))[:n])
    width, slots = max(map(len, rows)), max(sentences)
    input_ids = torch.zeros(stories, width, dtype=torch.long)
    target = torch.full((stories, slots), LABEL_PAD)
    for b, (ids, y) in enumerate(zip(rows, labels)):
        input_ids[b, : len(ids)] = torch.tensor(ids)
        target[b, : len(y)] = torch.tensor(y)
    seed = draw(st.integers(0, 2**16))
    logits = torch.randn(stories, width, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return input_ids, logits, target


@settings(max_examples=100, deadline=None)
@given(batches())
def test_vectorised_loss_equals_the_per_story_loop(batch):
    input_ids, logits, labels = batch
    scores = sentence_scores(logits, input_ids, input_ids == MARKER, MARKER, labels.size(1))
    expected = []
    for b in range(len(input_ids)):
        at = (input_ids[b] == MARKER).nonzero().flatten()
        row = torch.zeros(labels.size(1), dtype=logits.dtype)
        row[: len(at)] = logits[b, at]
        expected.append(row)
    assert torch.allclose(scores, torch.stack(expected))
    assert ordering_loss(scores, labels).item() == pytest.approx(loop_loss(scores, labels).item(), abs=1e-6)


def test_mean_pooling_averages_each_sentence_tokens():
    input_ids = torch.tensor([[MARKER, 5, 6, MARKER, 7, 102, 0]])
    logits = torch.tensor([[1.0, 2.0, 3.0, 10.0, 20.0, 99.0, 99.0]])
    members = torch.tensor([[True, True, True, True, True, False, False]])
    assert sentence_scores(logits, input_ids, members, MARKER, 2).tolist() == [[2.0, 15.0]]


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    return SentenceOrderingModel(tiny_model_dir)


def test_marker_id_comes_from_the_tokenizer(model):
    assert model.marker_id == 101  # [CLS] of the uncased BERT vocabulary
    assert MARKER not in model.ignored_ids.tolist() and 102 in model.ignored_ids.tolist()


def test_tokenizer_without_marker_token_is_refused(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    tok.cls_token = None
    folder = tmp_path / "no-cls"
    tok.save_pretrained(folder)
    for f in ("config.json", "model.safetensors"):
        shutil.copy(Path(tiny_model_dir) / f, folder / f)
    with pytest.raises(ValueError, match="has no cls_token to mark sentences"):
        SentenceOrderingModel(str(folder))


def test_missing_model_folder_is_named(tmp_path):
    from pl_modules.backbone import ModelLoadError

    with pytest.raises(ModelLoadError, match="not a model folder"):
        SentenceOrderingModel(str(tmp_path / "nowhere"))


def test_unreachable_hub_model_gives_a_clear_error(monkeypatch):
    from pl_modules.backbone import ModelLoadError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="could not load 'not-a-user/not-a-model'"):
        SentenceOrderingModel("not-a-user/not-a-model")


def test_predict_step_returns_each_story_order(model):
    batch = {
        "storyid": ["a", "b"],
        "input_ids": torch.tensor([[MARKER, 5, MARKER, 6, MARKER, 7, 102], [MARKER, 8, MARKER, 9, 102, 0, 0]]),
        "attention_mask": torch.tensor([[1] * 7, [1] * 5 + [0, 0]]),
        "labels": torch.tensor([[2, 0, 1], [1, 0, LABEL_PAD]]),
    }
    out = model.eval().predict_step(batch, 0)
    assert [o["storyid"] for o in out] == ["a", "b"]
    assert sorted(out[0]["predicted_order"]) == [0, 1, 2] and sorted(out[1]["predicted_order"]) == [0, 1]
    assert out[0]["true_order"] == [1, 2, 0] and out[1]["true_order"] == [1, 0]
