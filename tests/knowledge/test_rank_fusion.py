"""Fusion of the candidate generators' lists: standard scores (the default) and weighted reciprocal rank
fusion."""

import numpy as np

from knowledge.retrieval import Candidates, reciprocal_rank_fusion, standard_score_fusion


def test_weighted_reciprocal_rank_fusion() -> None:
    # 7 leads the first ranking, 8 the second: a lighter second ranking lets the first one win, and the
    # other way round; a section both rankings agree on beats either leader.
    assert reciprocal_rank_fusion([[7, 8], [8, 7]], weights=[1.0, 0.7])[0] == 7
    assert reciprocal_rank_fusion([[7, 8], [8, 7]], weights=[0.7, 1.0])[0] == 8
    assert reciprocal_rank_fusion([[7, 9], [8, 9]])[0] == 9
    assert reciprocal_rank_fusion([[1, 2], []]) == [1, 2]


def candidates(scores: list[float], weight: float = 1.0, known: list[bool] | None = None) -> Candidates:
    array = np.array(scores)
    return Candidates(  # like the dense generator's, a list holds only the sections it can score
        [int(n) for n in np.argsort(-array, kind="stable") if known is None or known[n]],
        array,
        weight,
        known=None if known is None else np.array(known),
    )


def test_standard_scores_put_bm25_points_and_cosines_on_one_scale() -> None:
    # BM25 ranks section 0 a little above the others (points); the model finds section 1 far more similar
    # than any other (cosines within 0.1 of each other): standardised, the clear semantic match leads
    lexical = candidates([12.0, 10.5, 10.0, 9.5, 9.0])
    dense = candidates([0.80, 0.90, 0.80, 0.79, 0.80])
    assert standard_score_fusion([lexical, dense])[0] == 1
    # the same shapes without the semantic outlier: the lexical leader stays first
    assert standard_score_fusion([lexical, candidates([0.81, 0.80, 0.80, 0.79, 0.80])])[0] == 0
    # a generator's weight scales its say
    assert standard_score_fusion([lexical, candidates([0.80, 0.90, 0.80, 0.79, 0.80], weight=0.1)])[0] == 0


def test_a_section_not_embedded_yet_is_neither_lifted_nor_sunk_by_the_dense_list() -> None:
    lexical = candidates([12.0, 11.8, 5.0, 4.0])
    # section 0 has no vector yet (its similarity reads 0): it keeps its lexical lead over section 1,
    # which the model finds merely average
    dense = candidates([0.0, 0.80, 0.81, 0.79], known=[False, True, True, True])
    assert standard_score_fusion([lexical, dense])[:2] == [0, 1]
    assert standard_score_fusion([candidates([]), candidates([])]) == []
