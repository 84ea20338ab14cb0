import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau
from sklearn.metrics import accuracy_score

from pl_modules.metrics import kendall_tau, ordering_metrics, predicted_positions


def padded(perms: list[list[int]]):
    width = max(map(len, perms))
    target = torch.full((len(perms), width), -100)
    for b, p in enumerate(perms):
        target[b, : len(p)] = torch.tensor(p)
    return target, target != -100


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(st.permutations(range(n)), st.permutations(range(n)))))
def test_tau_equals_scipy_on_random_permutations(pair):
    pred, true = (torch.tensor([p]) for p in pair)
    ours = kendall_tau(pred, true, torch.ones_like(pred, dtype=torch.bool)).item()
    assert ours == pytest.approx(kendalltau(pair[0], pair[1]).statistic, abs=1e-12)


@given(st.integers(2, 12))
def test_tau_is_one_for_identity_and_minus_one_for_reversal(n):
    order = torch.arange(n).unsqueeze(0)
    mask = torch.ones_like(order, dtype=torch.bool)
    assert kendall_tau(order, order, mask).item() == 1.0
    assert kendall_tau(order.flip(1), order, mask).item() == -1.0


def test_tau_b_with_ties_equals_scipy():
    x, y = torch.tensor([[1, 1, 2, 3, 3]]), torch.tensor([[0, 2, 1, 4, 3]])
    mask = torch.ones_like(x, dtype=torch.bool)
    assert kendall_tau(x, y, mask).item() == pytest.approx(kendalltau(x[0], y[0]).statistic)


def test_padding_is_ignored_and_short_stories_give_nan():
    target, mask = padded([[2, 0, 1], [1, 0, 3, 2, 4], [0]])
    pred = torch.tensor([[2, 1, 0, 9, 9], [1, 0, 2, 3, 4], [0, 5, 5, 5, 5]])
    tau = kendall_tau(pred, target, mask)
    assert tau[0].item() == pytest.approx(kendalltau([2, 1, 0], [2, 0, 1]).statistic)
    assert tau[1].item() == pytest.approx(kendalltau([1, 0, 2, 3, 4], [1, 0, 3, 2, 4]).statistic)
    assert torch.isnan(tau[2])


def test_predicted_positions_rank_scores_within_each_story():
    scores = torch.tensor([[0.3, -1.0, 2.0, 7.0], [5.0, 1.0, 0.0, 0.0]])
    mask = torch.tensor([[True, True, True, False], [True, True, True, True]])
    assert predicted_positions(scores, mask).tolist() == [[1, 0, 2, 3], [3, 2, 0, 1]]


def test_batch_metrics_equal_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    perms = [rng.permutation(rng.integers(2, 6)).tolist() for _ in range(64)]
    target, mask = padded(perms)
    scores = torch.randn(target.shape, dtype=torch.float64)
    m = ordering_metrics(scores, target, mask)
    pred = predicted_positions(scores, mask)
    flat_pred = [p for b in range(64) for p in pred[b, : len(perms[b])].tolist()]
    flat_true = [t for p in perms for t in p]
    assert m["acc"].mean().item() == pytest.approx(accuracy_score(flat_true, flat_pred))
    taus = [kendalltau(pred[b, : len(p)], p).statistic for b, p in enumerate(perms)]
    assert m["tau"].numpy() == pytest.approx(np.array(taus))
    perfect = [pred[b, : len(p)].tolist() == p for b, p in enumerate(perms)]
    assert m["pmr"].tolist() == [float(x) for x in perfect]


def test_truncated_story_is_scored_on_its_surviving_sentences():
    # markers of original sentences 1 and 3 were cut: 4, 0, 2 survive, in that shown order
    target, mask = padded([[4, 0, 2]])
    m = ordering_metrics(torch.tensor([[9.0, 1.0, 5.0]]), target, mask)
    assert m["tau"].item() == 1.0 and m["pmr"].item() == 1.0 and m["acc"].tolist() == [1.0] * 3
