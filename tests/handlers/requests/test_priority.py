"""P0–P3 labels and RICE scores."""

from __future__ import annotations

import pytest

from services.requests.priority import CustomerSignal, label_for, rice, score


@pytest.mark.parametrize(
    ("urgency", "tier", "label"),
    [
        ("blocker", "diamond", "P0"),
        ("blocker", "gold", "P0"),
        ("high", "diamond", "P0"),
        ("blocker", "silver", "P1"),
        ("high", "gold", "P1"),
        ("normal", "diamond", "P1"),
        ("normal", "gold", "P2"),
        ("normal", "silver", "P2"),
        ("low", "gold", "P2"),
        ("normal", "bronze", "P3"),
        ("low", "silver", "P3"),
        ("low", "bronze", "P3"),
    ],
)
def test_label_from_urgency_and_tier(urgency: str, tier: str, label: str) -> None:
    assert label_for(urgency=urgency, tier=tier) == label


def test_rice_formula() -> None:
    assert rice(reach=10, impact=2, confidence=0.8, effort=4) == 4.0


def test_score_defaults_before_triage() -> None:
    result = score([CustomerSignal(name="Acme", tier="gold", urgency="high", arr_usd=200_000)])
    assert result.reach == 3 + 2  # gold weight + $200k / $100k
    assert result.impact == 2
    assert (result.confidence, result.effort) == (0.5, 2.0)
    assert result.rice == pytest.approx(5 * 2 * 0.5 / 2)
    assert result.label == "P1"


def test_several_customers_take_the_highest_label_and_sum_reach() -> None:
    result = score(
        [
            CustomerSignal(name="Acme", tier="bronze", urgency="low", arr_usd=0),
            CustomerSignal(name="Globex", tier="diamond", urgency="blocker", arr_usd=100_000),
        ],
        confidence=1.0,
        effort_weeks=1.0,
    )
    assert result.label == "P0"
    assert result.reach == 1 + 4 + 1
    assert result.impact == 3
    assert result.rice == 18
    assert result.customer_count == 2


def test_same_customer_twice_counts_once_with_its_best_values() -> None:
    result = score(
        [
            CustomerSignal(name="Acme", tier="silver", urgency="normal", arr_usd=50_000),
            CustomerSignal(name="ACME ", tier="gold", urgency="high", arr_usd=80_000),
        ]
    )
    assert result.customer_count == 1
    assert result.total_arr_usd == 80_000
    assert result.label == "P1"


def test_no_customers() -> None:
    assert score([]).label == "P3"


def test_an_unnamed_customer_adds_its_arr_and_urgency_but_no_tier_reach() -> None:
    unnamed = CustomerSignal(
        name="(unspecified)", tier="silver", urgency="blocker", arr_usd=50_000, named=False
    )
    alone = score([unnamed])
    assert (alone.reach, alone.customer_count, alone.total_arr_usd) == (0.5, 0, 50_000)
    assert (alone.label, alone.impact) == ("P1", 3)  # blocker × silver: the urgency and tier still count
    acme = CustomerSignal(name="Acme", tier="gold", urgency="normal", arr_usd=100_000)
    both = score([acme, unnamed, unnamed])
    assert (both.reach, both.customer_count, both.total_arr_usd) == (3 + 1.5, 1, 150_000)
    assert score([acme]).reach == 3 + 1
