"""What a sales rep and a PM ran into on their first Monday with feature requests (each test pins one fix)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.errors import UsageError
from bot.models.requests import FeatureRequest
from services.requests import workflow
from tests.fakes.harness import Harness


def _row(bot: Harness, request_id: int) -> FeatureRequest:
    with bot.services.db.session() as session:
        row = session.exec(select(FeatureRequest).where(FeatureRequest.id == request_id)).one()
        session.expunge(row)
        return row


def test_effort_below_half_a_day_is_refused_not_shown_in_a_formula_that_does_not_add_up(bot: Harness) -> None:
    bot.say("request SSO customer:Acme tier:gold", user="U1")
    reply = bot.say("requests triage 1 effort:0.0001 confidence:100%", user="UPM")[0]
    assert reply.where == "ephemeral"
    assert "from 0.1 (half a day) to 520" in reply.text and "0.1（半天）到 520" in reply.text
    row = _row(bot, 1)
    assert (row.status, row.effort_weeks, row.rice) == ("new", None, 0.75)
    # the service refuses it too (the dashboard's triage form calls it directly)
    with pytest.raises(UsageError, match="half a day"), bot.services.db.session() as session:
        workflow.triage_request(
            session=session,
            request_id=1,
            effort_weeks=0.05,
            confidence=0.8,
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
    ok = bot.say("requests triage 1 effort:0.1 confidence:100%", user="UPM")[0]
    assert "RICE 30 = 3 × 1 × 100% ÷ 0.1 person-weeks" in ok.text
