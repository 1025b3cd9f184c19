"""The answer decision: its evidence features (Chinese words the corpus lacks as words but knows by parts,
the dense similarity and gap) and the logistic fit behind `kb calibrate`."""

from pathlib import Path

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.decision import DecisionModel, Example, best_threshold, fit, rates
from knowledge.evidence import (
    PART_KNOWN_UNKNOWNNESS,
    candidate_features,
    dense_floor,
    known_compound_parts,
    question_evidence,
    unknownness,
)
from knowledge.ingest import ingest_paths
from tests.knowledge.kb_helpers import make_kb, write_corpus


def test_a_compound_is_known_by_known_sub_words_that_span_it() -> None:
    terms = ["中文论坛", "中文", "文论", "论坛"]
    known = {"中文论坛": False, "中文": True, "文论": False, "论坛": True}
    assert known_compound_parts(terms, known) == {"中文论坛": ["中文", "论坛"]}
    # a character no known sub-word covers (部门 unknown): not known by its parts
    terms = ["安全部门", "安全", "全部", "部门"]
    known = {"安全部门": False, "安全": True, "全部": True, "部门": False}
    assert known_compound_parts(terms, known) == {}


def test_a_chinese_word_written_with_the_corpus_characters_is_half_unknown() -> None:
    characters = frozenset("压力测试加密")
    assert unknownness("压测", characters=characters) == PART_KNOWN_UNKNOWNNESS
    assert unknownness("测", characters=characters) == PART_KNOWN_UNKNOWNNESS
    assert unknownness("钉", characters=characters) == 1.0  # a character the corpus never writes
    assert unknownness("oceanbas", characters=characters) == 1.0


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs")])
    return kb


def test_unknown_feature_counts_a_part_known_word_by_half(kb: KnowledgeBase) -> None:
    index = kb.indexes().sections
    assert "加密" in index.vocabulary and "密加" not in index.vocabulary and "钉" not in index.vocabulary

    def unknown(terms: list[str]) -> float:
        question = question_evidence(index=index, query="", terms=terms)
        features = candidate_features(
            index=index, question=question, number=0, lexical_score=0.0, similarities=None, dense_floor=0.0
        )
        return features["unknown"]

    share = index.idf("密加") / (index.idf("加密") + index.idf("密加"))
    assert unknown(["加密", "密加"]) == pytest.approx(PART_KNOWN_UNKNOWNNESS * share)
    assert unknown(["加密", "钉"]) == pytest.approx(share)


def test_dense_features_measure_the_section_against_the_question_s_tenth_best(kb: KnowledgeBase) -> None:
    index = kb.indexes().sections
    similarities = np.linspace(0.9, 0.5, index.size)
    floor = dense_floor(similarities)
    assert floor == pytest.approx(similarities[min(10, index.size) - 1])
    question = question_evidence(index=index, query="encryption", terms=["encrypt"])
    features = candidate_features(
        index=index,
        question=question,
        number=0,
        lexical_score=1.0,
        similarities=similarities,
        dense_floor=floor,
    )
    assert features["dense"] == pytest.approx(0.9) and features["dense_gap"] == pytest.approx(0.9 - floor)


def test_fit_separates_answerable_from_unanswerable_and_sets_the_bands() -> None:
    rng = np.random.default_rng(7)
    examples = [
        Example(features={"coverage": float(c), "dense": 0.85 + 0.05 * float(c)}, answerable=True)
        for c in rng.uniform(0.6, 1.0, 40)
    ] + [
        Example(features={"coverage": float(c), "dense": 0.78 + 0.05 * float(c)}, answerable=False)
        for c in rng.uniform(0.0, 0.5, 20)
    ]
    report = fit(examples, features=("coverage", "dense"))
    assert report.answered >= 0.95 and report.declined >= 0.95
    assert report.model.weights["coverage"] > 0 and report.model.weak_threshold <= report.model.threshold
    again = DecisionModel.from_json(report.model.to_json())
    assert again == report.model
    assert again.support(again.confidence({"coverage": 0.9, "dense": 0.9})) == "strong"
    assert again.support(again.confidence({"coverage": 0.0, "dense": 0.7})) == "none"
    with pytest.raises(ValueError):
        fit(examples[:5], features=("coverage",))


def test_best_threshold_maximises_the_worse_rate() -> None:
    assert best_threshold([0.9, 0.8, 0.3, 0.2], [True, True, False, False]) in (0.8, 0.9)


def test_a_strong_candidate_is_not_hidden_by_a_more_confident_one_the_model_ranks_low() -> None:
    # the right section (dense gap above the question's 10th most similar) is strong; another candidate
    # matches more words but the model finds it less similar than the 10th: it is only "weak"
    model = DecisionModel(weights={"coverage": 10.0, "dense_gap": 50.0}, bias=-5.0, threshold=0.5)
    right = {"coverage": 0.5, "dense": 0.93, "dense_gap": 0.02}
    wordy = {"coverage": 1.0, "dense": 0.89, "dense_gap": -0.02}
    assert model.confidence(wordy) > model.confidence(right)
    assert model.support(model.confidence(wordy), wordy) == "weak"
    assert model.best([wordy, right]) is right
    assert model.support(model.confidence(right), right) == "strong"
    # with no strong candidate the most confident one speaks for the question
    nothing = {"coverage": 0.1, "dense": 0.8, "dense_gap": 0.0}
    assert model.best([nothing, wordy]) is wordy


def test_a_question_to_decline_is_declined_only_when_no_candidate_weighed_is_strong() -> None:
    model = DecisionModel(weights={"coverage": 10.0}, bias=-5.0, threshold=0.5)
    weak, strong = {"coverage": 0.2}, {"coverage": 0.9}
    assert rates(model, [Example(features=weak, answerable=False)]) == (0.0, 1.0)
    assert rates(model, [Example(features=weak, answerable=False, rivals=(strong,))]) == (0.0, 0.0)


def test_the_fit_weighs_every_candidate_of_a_question_to_decline() -> None:
    # the first candidate of each unanswerable question looks like an answer's, its rival does not:
    # a fit that saw only the first candidates could not tell the classes apart by "dense"
    rng = np.random.default_rng(3)
    answerable = [
        Example(features={"coverage": float(c), "dense": 0.9}, answerable=True)
        for c in rng.uniform(0.6, 1.0, 30)
    ]
    declined = [
        Example(
            features={"coverage": float(c), "dense": 0.9},
            answerable=False,
            rivals=({"coverage": float(c), "dense": 0.5},),
        )
        for c in rng.uniform(0.0, 0.4, 30)
    ]
    report = fit(answerable + declined, features=("coverage", "dense"))
    assert report.model.weights["dense"] > 0
    assert report.answered >= 0.9 and report.declined >= 0.9
