"""Subscription matching, pure: event types, filters, and the index that narrows the candidates."""

from __future__ import annotations

from typing import Any

import pytest

from app.services.webhooks import fanout
from app.storage import events, subscriptions

SENT = "TransactionalSendEvents.EmailSent"
NOT_SENT = "TransactionalSendEvents.EmailNotSent"
BOUNCED = "TransactionalSendEvents.EmailBounced"


def _event(type_: str = SENT, definition_key: str | None = "Order-Confirm", **info: Any) -> Any:
    return events.Event(
        event_id="e-1", account_id=1, message_id="m-1", channel="email", type=type_,
        definition_key=definition_key, definition_id="d-1", occurred_at=0, info=info,
    )  # fmt: skip


def _subscription(
    types: tuple[str, ...] = (SENT,),
    *filters: str,
    status: str = subscriptions.ACTIVE,
    buffer: bool = False,
    name: str = "s",
) -> subscriptions.Subscription:
    return subscriptions.Subscription(
        id=name, account_id=1, callback_id=f"cb-{name}", name=name, event_types=list(types),
        filters=list(filters), status=status, status_reason="", buffer_while_paused=buffer,
        created_at=0, updated_at=0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("subscription", "event", "matched"),
    [
        (_subscription(), _event(), True),
        (_subscription((NOT_SENT, BOUNCED)), _event(), False),  # another type
        (_subscription((SENT, BOUNCED)), _event(BOUNCED), True),
        (_subscription((SENT,), "definitionKey=order-confirm"), _event(), True),  # any case
        (_subscription((SENT,), "definitionKey=other"), _event(), False),
        (_subscription((SENT,), "definitionKey=order-confirm"), _event(definition_key=None),
         False),  # a filter on a field the event lacks does not match
        (_subscription((NOT_SENT,), "statusCode=9"), _event(NOT_SENT, statusCode=9), True),
        (_subscription((NOT_SENT,), "statusCode=9"), _event(NOT_SENT, statusCode=90), False),
        (_subscription((NOT_SENT,), "statusCode=9"), _event(NOT_SENT), False),
        (_subscription((BOUNCED,), "bounceCode=HARD"), _event(BOUNCED, bounceCode="HARD"), True),
        (_subscription((BOUNCED,), "bounceCode=HARD"), _event(BOUNCED, bounceCode="hard"),
         False),  # other values are exact
        (_subscription((BOUNCED,), "bounceCode=HARD", "smtpReason=5.1.1"),
         _event(BOUNCED, bounceCode="HARD", smtpReason="5.1.1"), True),  # every filter holds
        (_subscription((BOUNCED,), "bounceCode=HARD", "smtpReason=5.1.1"),
         _event(BOUNCED, bounceCode="HARD", smtpReason="5.7.1"), False),
        (_subscription((SENT,), "smtpReason=5.1.1"), _event(), False),
    ],
)  # fmt: skip
def test_matches(
    subscription: subscriptions.Subscription, event: events.Event, matched: bool
) -> None:
    assert fanout.matches(subscription, event) is matched


ALL = [
    _subscription((SENT,), name="any"),
    _subscription((SENT,), "definitionKey=ORDER-confirm", name="order"),
    _subscription((SENT,), "definitionKey=welcome", name="welcome"),
    _subscription((BOUNCED, SENT), "bounceCode=HARD", name="hard"),
    _subscription((SENT,), status=subscriptions.PAUSED, name="paused"),
    _subscription((SENT,), status=subscriptions.PAUSED, buffer=True, name="buffered"),
]


@pytest.mark.parametrize(
    ("event", "candidates"),
    [
        (_event(), {"any", "order", "hard", "buffered"}),
        (_event(definition_key="Welcome"), {"any", "welcome", "hard", "buffered"}),
        (_event(definition_key=None), {"any", "hard", "buffered"}),
        (_event(BOUNCED), {"hard"}),
        (_event(NOT_SENT), set()),
    ],
)
def test_the_index_offers_every_subscription_that_could_match(
    event: events.Event, candidates: set[str]
) -> None:
    index = fanout.Index.of(3, ALL)
    offered = index.candidates(event)
    assert {s.name for s in offered} == candidates
    assert index.version == 3
    # Nothing that matches is left out: the index only saves looking at the rest.
    assert {s.name for s in ALL if s.name != "paused" and fanout.matches(s, event)} <= candidates
