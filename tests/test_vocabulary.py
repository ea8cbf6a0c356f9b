"""The vocabulary (pure): every event type, NotSent code and state is declared once and
round-trips through each spelling clients use; nothing else in the app spells them."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

from app.services.sending import outcomes
from app.storage import events, messages
from app.wire import events as wire_events
from app.wire import vocabulary
from app.wire.vocabulary import PREFIX, Channel, EventType, NotSent, Outcome

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The strings on the wire today: storage keeps them and receivers match on them.
WIRE_TYPES = [
    ("TransactionalSendEvents.EmailSent", "email", "Sent"),
    ("TransactionalSendEvents.EmailNotSent", "email", "NotSent"),
    ("TransactionalSendEvents.EmailBounced", "email", "Bounced"),
    ("TransactionalSendEvents.SmsSent", "sms", "Sent"),
    ("TransactionalSendEvents.SmsNotSent", "sms", "NotSent"),
    ("TransactionalSendEvents.SmsTransient", "sms", "Transient"),
    ("TransactionalSendEvents.SmsDelivered", "sms", "Delivered"),
    ("TransactionalSendEvents.SmsBounced", "sms", "Bounced"),
]
# Code → statusMessage, as the status API, the NotSent feed and the webhooks show them.
WIRE_NOT_SENT = [
    (5, "InvalidEmailAddress"),
    (10, "MissingRequiredAttributes"),
    (11, "NoAllSubscribersListEntry"),
    (15, "UnspecifiedError"),
    (26, "BuildEmailError"),
    (27, "SuppressionListExclusion"),
    (37, "QueuedTransactionDeleted"),
    (39, "SubscriberQueueCleared"),
    (47, "Error"),
    (100, "Error"),
    (101, "Failure"),
    (103, "MessageBuildError"),
    (127, "EmptySubject"),
    (129, "PhoneNumberValidationFailed"),
    (132, "InvalidCCEmailAddressError"),
    (133, "InvalidBCCEmailAddressError"),
    (139, "TimedoutInQueue"),
    (140, "UnverifiedFromEmailAddress"),
]


def test_the_wire_types_are_all_still_there_in_order() -> None:
    """A new type is added after them; none is renamed or dropped."""
    assert [(t.value, t.channel, t.outcome) for t in EventType][: len(WIRE_TYPES)] == WIRE_TYPES


@pytest.mark.parametrize("event_type", list(EventType), ids=lambda t: t.short)
def test_every_event_type_round_trips(event_type: EventType) -> None:
    channel_word = {Channel.EMAIL: "Email", Channel.SMS: "Sms"}[event_type.channel]
    assert event_type.value == PREFIX + channel_word + event_type.outcome
    assert event_type.short == channel_word + event_type.outcome
    assert EventType(event_type.value) is event_type
    assert EventType.of(event_type.channel, event_type.outcome) is event_type
    assert EventType.of(str(event_type.channel), str(event_type.outcome)) is event_type
    for spelling in (event_type.value, event_type.short, event_type.short.upper(), PREFIX.lower()
                     + event_type.short.lower()):  # fmt: skip
        assert EventType.lookup(spelling) is event_type
    assert re.fullmatch(r"#[0-9a-f]{6}", event_type.colour)
    assert type(event_type.value) is str  # what storage and the wire get


def test_an_unknown_type_is_none_and_no_channel_has_an_outcome_twice() -> None:
    assert EventType.lookup("EmailDelivered") is None
    assert EventType.lookup("TransactionalSendEvents.") is None
    with pytest.raises(KeyError):
        EventType.of("email", "Delivered")
    pairs = [(t.channel, t.outcome) for t in EventType]
    assert len(pairs) == len(set(pairs))
    assert len({t.colour for t in EventType}) == len(EventType)


@pytest.mark.parametrize("event_type", list(EventType), ids=lambda t: t.short)
def test_the_status_api_spelling_covers_every_type_it_shows(event_type: EventType) -> None:
    """SMS in capitals there (SMSSent), for each type the status API and NotSent feed show."""
    shown = event_type.outcome in (Outcome.SENT, Outcome.NOT_SENT)
    assert (event_type in vocabulary.STATUS_API_SPELLING) == shown
    if not shown:
        with pytest.raises(KeyError):
            _ = event_type.status_api_type
        return
    word = {Channel.EMAIL: "Email", Channel.SMS: "SMS"}[event_type.channel]
    assert event_type.status_api_type == PREFIX + word + event_type.outcome
    assert EventType.lookup(event_type.status_api_type) is event_type  # subscriptions take it


def test_every_channel_has_a_queued_spelling() -> None:
    assert dict(vocabulary.STATUS_API_QUEUED) == {
        "email": "TransactionalSendEvents.EmailQueued",
        "sms": "TransactionalSendEvents.SMSQueued",
    }


@pytest.mark.parametrize(("code", "name"), WIRE_NOT_SENT)
def test_every_not_sent_code_keeps_its_wire_name(code: int, name: str) -> None:
    member = NotSent.lookup(code)
    assert member is not None and member == code and f"{member}" == str(code)
    assert member.sfmc_name == NotSent.name_of(code) == name
    assert 0 < len(member.reason) <= 500 and member.reason == member.reason.strip()


def test_not_sent_codes_are_unique_and_unknown_codes_are_errors() -> None:
    # A repeated code would silently make an alias, not a member.
    assert len(NotSent.__members__) == len(list(NotSent)) >= len(WIRE_NOT_SENT)
    assert [int(code) for code in NotSent] == sorted({int(code) for code in NotSent})
    assert NotSent.lookup(24) is None and NotSent.name_of(24) == "Error"
    named = [code.sfmc_name for code in NotSent if code.sfmc_name != "Error"]
    assert len(named) == len(set(named))


# The reasons messages ended with before the codes had default reasons (wire text unchanged).
@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (NotSent.NO_SUBSCRIBER, "The subscriber does not exist and autoAddSubscriber is false"),
        (NotSent.UNSPECIFIED_ERROR, "Delivery attempts ran out"),
        (NotSent.SUPPRESSED, "The address is on the account's suppression list"),
        (NotSent.DEFINITION_DELETED, "The send definition was deleted"),
        (NotSent.QUEUE_CLEARED, "The definition's queue was deleted"),
        (NotSent.MOBILE_ADDRESS_NOT_FOUND, "Mobile Address not found"),
        (NotSent.ERROR, "The provider refused it"),
        (NotSent.MESSAGE_BUILD_ERROR, "The message could not be built"),
        (NotSent.EMPTY_SUBJECT, "The rendered subject is empty"),
        (NotSent.INVALID_CC, "A cc address is not a valid email address"),
        (NotSent.INVALID_BCC, "A bcc address is not a valid email address"),
        (NotSent.TIMED_OUT_IN_QUEUE, "The message timed out in the definition's queue"),
        (
            NotSent.UNVERIFIED_FROM_ADDRESS,
            "The relay refused the sender address, not the recipient",
        ),
    ],
)
def test_a_not_sent_outcome_carries_its_codes_reason(code: NotSent, reason: str) -> None:
    message = _message("sms" if code == NotSent.MOBILE_ADDRESS_NOT_FOUND else "email")
    outcome = outcomes.not_sent(message, code)
    assert outcome.info["reason"] == reason and outcome.status_message == reason
    assert outcome.info["statusCode"] == str(int(code)) and outcome.status_code == int(code)
    assert type(outcome.status_code) is int  # what storage binds
    assert outcome.info["statusMessage"] == code.sfmc_name
    assert outcome.event_type == EventType.of(message.channel, Outcome.NOT_SENT)


def _message(channel: str) -> messages.Message:
    return messages.Message(
        id="m-1", account_id=1, channel=channel, message_key="k-1", request_id="r-1",
        definition_id="d-1", definition_key="order", contact_key="c-1",
        recipient="ana@example.com", attributes={}, overrides={}, payload_hash="h",
        status="sending", created_at=0, updated_at=0, next_attempt_at=0,
    )  # fmt: skip


# What each type's stats rollup row is broken down by (the row's ``detail``).
@pytest.mark.parametrize(
    ("event_type", "info", "detail"),
    [
        ("TransactionalSendEvents.EmailSent", {"statusCode": "1"}, ""),
        ("TransactionalSendEvents.EmailNotSent", {"statusCode": "27"}, "27"),
        ("TransactionalSendEvents.EmailBounced", {"bounceCode": "HARD", "smtpReason": "5.1.1"},
         "HARD 5.1.1"),
        ("TransactionalSendEvents.EmailBounced", {"bounceCode": "SOFT"}, "SOFT"),
        ("TransactionalSendEvents.EmailBounced", {"smtpReason": "4.2.2"}, "4.2.2"),
        ("TransactionalSendEvents.SmsSent", {"statusCode": "1"}, ""),
        ("TransactionalSendEvents.SmsNotSent", {"statusCode": "47"}, "47"),
        ("TransactionalSendEvents.SmsTransient", {"statusCode": "3000"}, "3000"),
        ("TransactionalSendEvents.SmsDelivered", {"statusCode": "4000"}, "4000"),
        ("TransactionalSendEvents.SmsBounced", {"statusCode": " 30003"}, " 30003"),
        ("TransactionalSendEvents.SmsBounced", {}, ""),
        ("TransactionalSendEvents.Unknown", {"statusCode": "1"}, ""),
    ],
)  # fmt: skip
def test_the_stats_breakdown_of_each_type(
    event_type: str, info: dict[str, str], detail: str
) -> None:
    event = events.Event(
        event_id="e-1", account_id=1, message_id="m-1", channel="email", type=event_type,
        definition_key="order", definition_id="d-1", occurred_at=0, info=info,
    )  # fmt: skip
    assert outcomes.detail_of(event) == detail


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (vocabulary.BounceClass, ["HARD", "SOFT"]),
        (vocabulary.CallbackStatus, ["unverified", "verified", "disabled"]),
        (vocabulary.CallbackHealth, ["healthy", "failing"]),
        (vocabulary.KeyEncoding, ["base64", "utf8"]),
        (vocabulary.SignatureScheme, ["webhook-signature", "x-sfmc-ens-signature"]),
        (vocabulary.Channel, ["email", "sms"]),
    ],
)
def test_the_states_keep_their_wire_spelling(enum: type, values: list[str]) -> None:
    assert [member.value for member in enum] == values


def test_subscription_filters_are_definition_key_and_each_types_detail_fields() -> None:
    assert wire_events.FILTER_NAMES == ("definitionKey", "statusCode", "bounceCode", "smtpReason")


# Written anywhere but the vocabulary, these names would be a second copy that can drift.
_SHORT_NAMES = {t.short for t in EventType} | {
    spelling.removeprefix(PREFIX) for spelling in vocabulary.STATUS_API_SPELLING.values()
}
_NAMED = re.compile(
    r"TransactionalSendEvents|\b(" + "|".join(sorted(_SHORT_NAMES)) + r"|EmailQueued|SMSQueued)\b"
)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants, except docstrings (which may speak of event types)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_event_type_names_are_written_only_in_the_vocabulary() -> None:
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.parent == ROOT / "app" / "wire":  # the vocabulary, and the models' examples
            continue
        for line, text in _strings(ast.parse(path.read_text(), str(path))):
            if _NAMED.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}")
    for path in sorted((ROOT / "static").glob("*.js")):
        for line, text in enumerate(path.read_text().splitlines(), 1):
            if _NAMED.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text.strip()[:60]!r}")
    assert found == []
