"""index.fusion.weighted_rrf: score(id) = sum of weight / (k + rank) over the
lists that rank it; pure, deterministic, ties in first-seen order."""
from __future__ import annotations

import copy

import pytest

from index.fusion import RRF_K, weighted_rrf


def test_inputs_are_not_mutated():
    ranked = {"bm25": [3, 1, 2], "dense": [2, 3], "bm25_xl": (9,)}
    weights = {"bm25": 1.0, "dense": 0.5, "bm25_xl": 0.0}
    before = (copy.deepcopy(ranked), copy.deepcopy(weights))
    first = weighted_rrf(ranked, weights)
    assert (ranked, weights) == before
    # Mutating the result does not leak into a second call either.
    first[0][2]["bm25"] = 999
    assert weighted_rrf(ranked, weights)[0][2]["bm25"] != 999


def test_scores_are_weight_over_k_plus_rank():
    fused = weighted_rrf({"a": [10, 20, 30], "b": [30, 10]}, {"a": 1.0, "b": 2.0})
    got = {item: score for item, score, _ in fused}
    assert got[10] == pytest.approx(1 / (RRF_K + 1) + 2 / (RRF_K + 2))
    assert got[20] == pytest.approx(1 / (RRF_K + 2))
    assert got[30] == pytest.approx(1 / (RRF_K + 3) + 2 / (RRF_K + 1))
    assert [item for item, _, _ in fused] == sorted(got, key=lambda i: -got[i])
    assert [item for item, _, _ in fused] == [30, 10, 20]


def test_ranks_are_one_based_per_list():
    fused = weighted_rrf({"a": [10, 20, 30], "b": [30, 10]}, {"a": 1.0, "b": 1.0})
    ranks = {item: r for item, _, r in fused}
    assert ranks == {10: {"a": 1, "b": 2}, 20: {"a": 2}, 30: {"a": 3, "b": 1}}


def test_custom_k():
    fused = weighted_rrf({"a": [1, 2]}, {"a": 1.0}, k=0)
    assert [(i, s) for i, s, _ in fused] == [(1, 1.0), (2, 0.5)]


def test_agreement_beats_a_single_first_place():
    # k=60 damps first places: second in both lists beats first in one.
    fused = weighted_rrf({"a": [1, 2], "b": [3, 2]}, {"a": 1.0, "b": 1.0})
    assert fused[0][0] == 2


@pytest.mark.parametrize("weight", [0.0, -1.0])
def test_zero_or_negative_weight_lists_contribute_nothing(weight):
    base = {"bm25": [1, 2, 3], "dense": [3, 4]}
    weights = {"bm25": 1.0, "dense": 0.7}
    without = weighted_rrf(base, weights)
    with_extra = weighted_rrf({**base, "xl": [4, 99, 1]}, {**weights, "xl": weight})
    assert [(i, s) for i, s, _ in with_extra] == [(i, s) for i, s, _ in without]
    assert 99 not in {i for i, _, _ in with_extra}  # only in the zero-weight list: not returned


def test_list_without_a_weight_counts_as_zero():
    fused = weighted_rrf({"bm25": [1], "other": [2, 1]}, {"bm25": 1.0})
    assert [(i, s) for i, s, _ in fused] == [(1, pytest.approx(1 / (RRF_K + 1)))]


def test_all_zero_weights_or_empty_input_give_nothing():
    assert weighted_rrf({"a": [1, 2]}, {"a": 0.0}) == []
    assert weighted_rrf({}, {"a": 1.0}) == []
    assert weighted_rrf({"a": []}, {"a": 1.0}) == []


def test_ties_keep_first_seen_order():
    # 1 and 2 have exactly the same score; 1 is seen first.
    fused = weighted_rrf({"a": [1, 2], "b": [2, 1]}, {"a": 1.0, "b": 1.0})
    assert [i for i, _, _ in fused] == [1, 2]
    assert fused[0][1] == fused[1][1]
    # Same lists, other order of the mapping: 2 is seen first.
    fused = weighted_rrf({"b": [2, 1], "a": [1, 2]}, {"a": 1.0, "b": 1.0})
    assert [i for i, _, _ in fused] == [2, 1]
    # Equal single-list scores from different lists: first list's item first.
    fused = weighted_rrf({"a": [7], "b": [5]}, {"a": 1.0, "b": 1.0})
    assert [i for i, _, _ in fused] == [7, 5]


def test_deterministic():
    ranked = {"a": list(range(50)), "b": list(range(49, -1, -1)), "c": list(range(0, 50, 2))}
    weights = {"a": 1.0, "b": 0.3, "c": 0.5}
    assert weighted_rrf(ranked, weights) == weighted_rrf(ranked, weights)
