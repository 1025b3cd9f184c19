"""Weighted reciprocal rank fusion of the candidate generators' lists."""

from knowledge.retrieval import reciprocal_rank_fusion


def test_weighted_reciprocal_rank_fusion() -> None:
    # 7 leads the first ranking, 8 the second: a lighter second ranking lets the first one win, and the
    # other way round; a section both rankings agree on beats either leader.
    assert reciprocal_rank_fusion([[7, 8], [8, 7]], weights=[1.0, 0.7])[0] == 7
    assert reciprocal_rank_fusion([[7, 8], [8, 7]], weights=[0.7, 1.0])[0] == 8
    assert reciprocal_rank_fusion([[7, 9], [8, 9]])[0] == 9
    assert reciprocal_rank_fusion([[1, 2], []]) == [1, 2]
