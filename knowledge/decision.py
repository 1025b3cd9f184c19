"""Should the bot answer? One calibrated decision fed by the lexical and the semantic evidence.

Features of a candidate section (`evidence`):
- `coverage`: idf-weighted share of the question's terms the section contains (or a synonym of).
- `unknown`: idf-weighted share of the question's terms the knowledge base never contains.
- `strength`: the section's BM25F score relative to a section matching every term perfectly.
- `unknown_names`: the question asks about a name (CamelCase, ALL-CAPS, capitalised, Latin in Chinese)
  the knowledge base has never seen.
- `dense`: cosine similarity of question and section (multilingual: a Chinese question and an English
  section, or a PM's answer in the other language, are compared by meaning).
- `dense_gap`: how far the section stands above the question's 10th most similar section — a question
  about something the knowledge base lacks is about equally similar to many sections.

`confidence = sigmoid(w · features + bias)`: "strong" (answer) at `threshold` and above, "weak" ("not sure —
the closest sections") from `weak_threshold`, else "none" (I don't know, ask a PM). The defaults are fitted
on two products' documentation (`benchmarks/decision_fit.py`); `salesbridge kb calibrate QUESTIONS.jsonl`
refits them on a team's own knowledge base and questions and stores the result in the database.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

SUPPORT_ORDER = {"none": 0, "weak": 1, "strong": 2}
LEXICAL_FEATURES = ("coverage", "unknown", "strength", "unknown_names", "information")
HYBRID_FEATURES = (*LEXICAL_FEATURES, "dense", "dense_gap", "agreement")
# A section in another language than the question's: the question's words cannot be found in it, only its
# meaning and the names both write — "unknown" says little (in a knowledge base of the other language, every
# word of the question is unknown)
CROSS_LANGUAGE_FEATURES = ("coverage", "strength", "unknown_names", "information", "dense", "dense_gap")


@dataclass(frozen=True)
class DecisionModel:
    weights: Mapping[str, float]
    bias: float
    threshold: float = 0.5
    weak_threshold: float = 0.3
    source: str = "default"  # "default" or what `kb calibrate` was fed
    # with semantic evidence: never "strong" for a section the model finds less similar than the question's
    # 10th most similar section — one shared word ("Teams" in "sales teams") is no answer
    min_dense_gap: float = -0.01

    def confidence(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(weight * features.get(name, 0.0) for name, weight in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def support(self, confidence: float, features: Mapping[str, float] | None = None) -> str:
        if confidence >= self.threshold:
            semantic = features is not None and features.get("dense", 0.0) > 0.0
            if not semantic or features.get("dense_gap", 0.0) >= self.min_dense_gap:  # type: ignore[union-attr]
                return "strong"
            return "weak"
        return "weak" if confidence >= self.weak_threshold else "none"

    def best(self, candidates: Sequence[Mapping[str, float]]) -> Mapping[str, float]:
        """The candidate whose evidence supports an answer best: "strong" before "weak" before "none", then
        by confidence (a more confident candidate that fails the dense-gap rule does not hide a strong one)."""

        return max(candidates, key=lambda f: (SUPPORT_ORDER[self.verdict(f)], self.confidence(f)))

    def verdict(self, features: Mapping[str, float]) -> str:
        """One candidate's own support: "strong", "weak" or "none"."""
        return self.support(self.confidence(features), features)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "weights": dict(self.weights)})

    @classmethod
    def from_json(cls, text: str) -> DecisionModel:
        data = json.loads(text)
        return cls(**{**data, "weights": dict(data["weights"])})


# Fitted by `python -m benchmarks.decision_fit` (see docs/knowledge.md for the questions it used).
DEFAULT_LEXICAL = DecisionModel(
    weights={
        "coverage": 4.2159,
        "unknown": -1.9505,
        "strength": 20.9332,
        "unknown_names": -3.3168,
        "information": 0.6121,
    },
    bias=-8.6022,
    threshold=0.6127,
    weak_threshold=0.3283,
)
DEFAULT_HYBRID = DecisionModel(
    weights={
        "coverage": 4.838,
        "unknown": -2.2897,
        "strength": 14.2516,
        "unknown_names": -2.8046,
        "information": 0.4753,
        "dense": 10.121,
        "dense_gap": 92.2259,
        "agreement": -0.155,
    },
    bias=-15.3948,
    threshold=0.6005,
    weak_threshold=0.3097,
)

# Fitted by `python -m benchmarks.cross_language`: each language folder of the three products alone, asked
# the questions of the other language. It only judges whether sections in the other language are worth
# showing ("not sure") when the answer decision does not answer: fitted to answer, it quoted no right section
# for up to half of the questions (docs/knowledge.md).
DEFAULT_CROSS_LANGUAGE = DecisionModel(
    weights={
        "coverage": 8.8403,
        "strength": 22.1418,
        "unknown_names": -3.2984,
        "information": 0.3205,
        "dense": 12.4081,
        "dense_gap": 48.5046,
    },
    bias=-14.5872,
    threshold=0.5607,
    weak_threshold=0.2912,
)
DEFAULTS = {"lexical": DEFAULT_LEXICAL, "hybrid": DEFAULT_HYBRID}


@dataclass(frozen=True)
class Example:
    """One question: an answerable one by the candidate that holds its answer; one to decline by every
    candidate weighed (`rivals`: the decision answers when any of them is strong), so the examples do not
    depend on which candidate the model in use happened to judge, and a calibration does not drift."""

    features: Mapping[str, float]
    answerable: bool
    rivals: tuple[Mapping[str, float], ...] = ()

    @property
    def candidates(self) -> tuple[Mapping[str, float], ...]:
        return (self.features, *self.rivals)


@dataclass
class FitReport:
    model: DecisionModel
    answered: float  # share of answerable examples at "strong"
    declined: float  # share of unanswerable examples below "strong"
    examples: int
    notes: list[str] = field(default_factory=list)


def fit(
    examples: Sequence[Example], *, features: Sequence[str], l2: float = 1.0, source: str = "calibrated"
) -> FitReport:
    """L2-regularised logistic regression on standardised features (classes balanced, every candidate of a
    question to decline weighing its share of the question, Newton steps), then the threshold that
    maximises the worse of the answered and declined rates (a question to decline by its most confident
    candidate); the "not sure" band reaches down to where 95 % of the answerable examples lie above, so
    they get the closest sections at least."""
    import numpy as np

    positives = sum(1 for e in examples if e.answerable)
    negatives = len(examples) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("calibration needs answerable and unanswerable questions")
    rows = [(candidate, e) for e in examples for candidate in e.candidates]
    raw = np.array([[c.get(name, 0.0) for name in features] for c, _ in rows], dtype=np.float64)
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)  # a constant feature: no information, weight stays 0
    x = np.hstack([(raw - mean) / scale, np.ones((len(rows), 1))])
    y = np.array([1.0 if e.answerable else 0.0 for _, e in rows])
    part = np.array([1 / len(e.candidates) for _, e in rows])  # a question weighs one in all
    sample = part * np.where(y == 1.0, len(examples) / (2 * positives), len(examples) / (2 * negatives))
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (sample * (p - y)) + penalty * w
        hessian = (x * (sample * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    weights = w[:-1] / scale  # back to the features as computed
    model = DecisionModel(
        weights={name: round(float(weights[i]), 4) for i, name in enumerate(features)},
        bias=round(float(w[-1] - (weights * mean).sum()), 4),
        source=source,
    )
    confidences = [max(model.confidence(c) for c in e.candidates) for e in examples]
    threshold = best_threshold(confidences, [e.answerable for e in examples])
    answerable = sorted(c for c, e in zip(confidences, examples, strict=True) if e.answerable)
    weak = answerable[int(0.05 * (len(answerable) - 1))]
    model = replace(model, threshold=round(threshold, 4), weak_threshold=round(min(weak, threshold), 4))
    answered, declined = rates(model, examples)
    return FitReport(model=model, answered=answered, declined=declined, examples=len(examples))


def best_threshold(confidences: Sequence[float], labels: Sequence[bool]) -> float:
    """The cut that maximises min(answered rate, declined rate) (ties: the middle of the best run)."""
    candidates = sorted(set(confidences))
    best: list[float] = []
    best_score = -1.0
    for cut in candidates:
        answered = _share(c >= cut for c, label in zip(confidences, labels, strict=True) if label)
        declined = _share(c < cut for c, label in zip(confidences, labels, strict=True) if not label)
        score = min(answered, declined)
        if score > best_score + 1e-12:
            best_score, best = score, [cut]
        elif abs(score - best_score) <= 1e-12:
            best.append(cut)
    return best[len(best) // 2] if best else 0.5


def rates(model: DecisionModel, examples: Sequence[Example]) -> tuple[float, float]:
    """Share of answerable examples answered ("strong"), share of unanswerable ones not answered."""
    strong = [any(model.verdict(c) == "strong" for c in e.candidates) for e in examples]
    answered = _share(s for s, e in zip(strong, examples, strict=True) if e.answerable)
    declined = _share(not s for s, e in zip(strong, examples, strict=True) if not e.answerable)
    return answered, declined


def _share(values: Any) -> float:
    items = list(values)
    return sum(1 for v in items if v) / len(items) if items else 0.0
