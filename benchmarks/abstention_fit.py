"""Refit the answer-or-abstain coefficients (`knowledge/abstention.py`) on a knowledge base and questions.

    DATABASE_URL=sqlite:////tmp/kb.db .venv/bin/salesbridge kb ingest ../shared/kb-eval/tidb-8.5
    DATABASE_URL=sqlite:////tmp/kb.db .venv/bin/python -m benchmarks.abstention_fit \\
        ../shared/kb-eval/questions-dev.jsonl benchmarks/data/questions-extra-tune.jsonl \\
        benchmarks/data/questions-extra-check.jsonl

Searches every question as the bot does, takes the abstention features of the section the bot judges
(best of the first three), and fits an L2-regularised logistic regression (classes balanced; verbatim
FAQ questions at a tenth of the weight) with a Chinese-question intercept. Prints the coefficients, the
answered / declined rates with them and with the current model, per language, and a 5-fold
cross-validation. A team with its own knowledge base and a few dozen real questions (answerable ones
and `"type": "unanswerable"` ones) can calibrate the decision the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ("coverage", "strength", "unknown", "unknown_names", "uncovered_commercial", "chinese")
VERBATIM_WEIGHT = 0.1


def feature_rows(question_files: list[Path]) -> list[tuple[Any, dict[str, float], bool, bool]]:
    """(question, features, answerable?, current model answers?) for every question."""
    from knowledge.cli import open_knowledge_base
    from knowledge.evaluation import load_questions

    kb = open_knowledge_base()
    rows = []
    for path in question_files:
        for question in load_questions(path):
            result = kb.search(question.question, k=5, language=question.lang or None)
            signals = dict(result.hits[0].signals) if result.hits else {}
            features = {name: float(signals.get(name, 0.0)) for name in FEATURES}
            features["unknown_names"] = min(features["unknown_names"], 1.0)
            rows.append((question, features, question.type != "unanswerable", result.answerable))
    return rows


def fit(x: Any, y: Any, w: Any, *, penalty: float = 0.002, steps: int = 4000) -> Any:
    """Weighted logistic regression by gradient descent; the last coefficient is the intercept."""
    import numpy as np

    xb = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ beta))
        gradient = xb.T @ (w * (p - y)) / w.sum() + penalty * np.r_[beta[:-1], 0.0]
        beta -= gradient
    return beta


def rates(answers: Any, y: Any, chinese: Any) -> str:
    parts = []
    for name, mask in (("en", chinese == 0), ("zh", chinese == 1)):
        pos, neg = mask & (y == 1), mask & (y == 0)
        answered = answers[pos].mean() if pos.any() else float("nan")
        declined = 1 - answers[neg].mean() if neg.any() else float("nan")
        parts.append(f"{name} answered {answered:.3f} declined {declined:.3f}")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    rows = feature_rows(args.questions)
    x = np.array([[features[name] for name in FEATURES] for _, features, _, _ in rows])
    y = np.array([float(answerable) for _, _, answerable, _ in rows])
    verbatim = np.array([question.type == "faq_verbatim" for question, _, _, _ in rows])
    current = np.array([answers for *_, answers in rows])
    w = np.where(verbatim, VERBATIM_WEIGHT, 1.0)
    w = np.where(y == 1, w * (w * (1 - y)).sum() / (w * y).sum(), w)  # classes balanced
    beta = fit(x, y, w)
    print(
        "coefficients:",
        {name: round(float(b), 2) for name, b in zip([*FEATURES, "intercept"], beta, strict=True)},
    )
    rep = ~verbatim
    chinese = x[:, FEATURES.index("chinese")]
    fitted = (np.hstack([x, np.ones((len(x), 1))]) @ beta) >= 0
    print("fitted model, rep questions: ", rates(fitted[rep], y[rep], chinese[rep]))
    print("current model, rep questions:", rates(current[rep], y[rep], chinese[rep]))
    folds = np.array_split(np.random.default_rng(0).permutation(np.where(rep)[0]), 5)
    held_out = np.zeros(len(rows), dtype=bool)
    for fold in folds:
        train = np.ones(len(rows), dtype=bool)
        train[fold] = False
        beta_fold = fit(x[train], y[train], w[train])
        held_out[fold] = (np.hstack([x[fold], np.ones((len(fold), 1))]) @ beta_fold) >= 0
    print("5-fold cross-validation:     ", rates(held_out[rep], y[rep], chinese[rep]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
