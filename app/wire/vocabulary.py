"""The words on the wire, declared once: event types, NotSent codes, states, signing options.

Storage keeps the same strings. Imports nothing of the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum
from types import MappingProxyType

PREFIX = "TransactionalSendEvents."


class Channel(StrEnum):
    """A message's channel, as storage and the stats API name it."""

    EMAIL = "email"
    SMS = "sms"


class Outcome(StrEnum):
    """What an event says became of a message; the short type is channel word + outcome."""

    SENT = "Sent"
    NOT_SENT = "NotSent"
    BOUNCED = "Bounced"
    DELIVERED = "Delivered"  # an SMS receipt: the handset has it
    TRANSIENT = "Transient"  # an SMS receipt: still on its way


class EventType(StrEnum):
    """ENS event types (``eventCategoryType``), each with what it is about.

    ``short``: without the prefix (``EmailSent``), as subscriptions may name it.
    ``detail_fields``: the ``info`` fields that say why (the stats breakdown; subscriptions
    filter on them besides definitionKey). ``colour``: its line on the stats page.
    """

    short: str
    channel: Channel
    outcome: Outcome
    detail_fields: tuple[str, ...]
    colour: str

    def __new__(
        cls,
        value: str,
        channel: Channel,
        outcome: Outcome,
        detail_fields: tuple[str, ...],
        colour: str,
    ) -> EventType:
        member = str.__new__(cls, value)
        member._value_, member.short = value, value.removeprefix(PREFIX)
        member.channel, member.outcome = channel, outcome
        member.detail_fields, member.colour = detail_fields, colour
        return member

    # fmt: off
    EMAIL_SENT = PREFIX + "EmailSent", Channel.EMAIL, Outcome.SENT, (), "#1a7f37"
    EMAIL_NOT_SENT = (
        PREFIX + "EmailNotSent", Channel.EMAIL, Outcome.NOT_SENT, ("statusCode",), "#b45309"
    )
    EMAIL_BOUNCED = (
        PREFIX + "EmailBounced", Channel.EMAIL, Outcome.BOUNCED, ("bounceCode", "smtpReason"),
        "#b42318",
    )
    SMS_SENT = PREFIX + "SmsSent", Channel.SMS, Outcome.SENT, (), "#2f5bd3"
    SMS_NOT_SENT = PREFIX + "SmsNotSent", Channel.SMS, Outcome.NOT_SENT, ("statusCode",), "#a16207"
    SMS_TRANSIENT = (
        PREFIX + "SmsTransient", Channel.SMS, Outcome.TRANSIENT, ("statusCode",), "#94a3b8"
    )
    SMS_DELIVERED = (
        PREFIX + "SmsDelivered", Channel.SMS, Outcome.DELIVERED, ("statusCode",), "#0e7490"
    )
    SMS_BOUNCED = PREFIX + "SmsBounced", Channel.SMS, Outcome.BOUNCED, ("statusCode",), "#9f1239"
    # fmt: on

    @property
    def status_api_type(self) -> str:
        """The status API's spelling (``SMSSent``); KeyError for a type it never shows."""
        return STATUS_API_SPELLING[self]

    @classmethod
    def of(cls, channel: str, outcome: str) -> EventType:
        """The type of ``outcome`` on ``channel``; KeyError when there is none."""
        return _BY_CHANNEL_OUTCOME[(channel, outcome)]

    @classmethod
    def lookup(cls, name: str) -> EventType | None:
        """A type by any accepted spelling: any case, with or without the prefix, and the
        status API's (``SMSSent``); None when unknown."""
        return _BY_VALUE.get(name) or _BY_LOWER.get(name.lower())


# Keyed by plain strings too: a StrEnum member hashes and compares as its value.
_BY_CHANNEL_OUTCOME: dict[tuple[str, str], EventType] = {
    (t.channel, t.outcome): t for t in EventType
}
_BY_VALUE: dict[str, EventType] = {t.value: t for t in EventType}
_BY_LOWER = {t.value.lower(): t for t in EventType} | {t.short.lower(): t for t in EventType}

# What each event type means, as the event catalog (GET /platform/v1/event-types) says it.
MEANING: Mapping[EventType, str] = MappingProxyType(
    {
        EventType.EMAIL_SENT: "The relay accepted the email (SMTP 250): sent, not yet delivered.",
        EventType.EMAIL_NOT_SENT: "Tidings did not hand the email over; statusCode says why"
        " (suppressed, missing attribute, provider refusal, retries ran out, ...).",
        EventType.EMAIL_BOUNCED: "The recipient's side refused the email: at hand-over (a 5xx"
        " at RCPT or DATA, HARD) or later (a DSN, HARD or SOFT), with the enhanced status code"
        " in smtpReason.",
        EventType.SMS_SENT: "The SMS gateway accepted the message.",
        EventType.SMS_NOT_SENT: "Tidings did not hand the SMS over; statusCode says why.",
        EventType.SMS_TRANSIENT: "A delivery receipt saying the SMS is still on its way.",
        EventType.SMS_DELIVERED: "A delivery receipt saying the handset has the SMS.",
        EventType.SMS_BOUNCED: "A delivery receipt saying the SMS could not be delivered"
        " (statusCode: the carrier's or gateway's code).",
    }
)
assert set(MEANING) == set(EventType), "every event type says what it means"

# The status API and the NotSent feed spell SMS in capitals (SMSSent; ENS: SmsSent), and show
# Queued, which no event is: a message waiting for the sender.
STATUS_API_SPELLING: Mapping[EventType, str] = MappingProxyType(
    {
        EventType.EMAIL_SENT: PREFIX + "EmailSent",
        EventType.EMAIL_NOT_SENT: PREFIX + "EmailNotSent",
        EventType.SMS_SENT: PREFIX + "SMSSent",
        EventType.SMS_NOT_SENT: PREFIX + "SMSNotSent",
    }
)
STATUS_API_QUEUED: Mapping[str, str] = MappingProxyType(
    {Channel.EMAIL: PREFIX + "EmailQueued", Channel.SMS: PREFIX + "SMSQueued"}
)


class MessageState(StrEnum):
    """A message's status as the console's search shows it; ``stored``: storage's word."""

    QUEUED = "queued"  # accepted, waiting for the sender (or for its queue_at)
    HELD = "held"  # its definition is inactive: waits until it is active again
    SENDING = "sending"  # claimed by a sender right now
    SENT = "sent"
    NOT_SENT = "notSent"
    BOUNCED = "bounced"

    @property
    def stored(self) -> str:
        return "not_sent" if self is MessageState.NOT_SENT else self.value

    @classmethod
    def of_stored(cls, stored: str) -> MessageState:
        return cls.NOT_SENT if stored == "not_sent" else cls(stored)


class NotSent(IntEnum):
    """The SFMC subscriber (NotSent) status codes Tidings produces: code, SFMC's name for it
    (``statusMessage``) and the reason given when the moment adds nothing more specific."""

    sfmc_name: str
    reason: str

    def __new__(cls, code: int, sfmc_name: str, reason: str) -> NotSent:
        member = int.__new__(cls, code)
        member._value_ = code
        member.sfmc_name, member.reason = sfmc_name, reason
        return member

    # fmt: off
    INVALID_EMAIL_ADDRESS = 5, "InvalidEmailAddress", "The recipient's server refused the address"
    MISSING_REQUIRED_ATTRIBUTES = 10, "MissingRequiredAttributes", "An attribute has no value"
    NO_SUBSCRIBER = (
        11, "NoAllSubscribersListEntry",
        "The subscriber does not exist and autoAddSubscriber is false",
    )
    UNSPECIFIED_ERROR = 15, "UnspecifiedError", "Delivery attempts ran out"
    BUILD_EMAIL_ERROR = 26, "BuildEmailError", "A content asset does not exist"
    SUPPRESSED = (
        27, "SuppressionListExclusion", "The address is on the account's suppression list"
    )
    DEFINITION_DELETED = 37, "QueuedTransactionDeleted", "The send definition was deleted"
    QUEUE_CLEARED = 39, "SubscriberQueueCleared", "The definition's queue was deleted"
    # SFMC's list names no 47, yet its SMS NotSent example carries it with this reason.
    MOBILE_ADDRESS_NOT_FOUND = 47, "Error", "Mobile Address not found"
    ERROR = 100, "Error", "The provider refused it"
    FAILURE = 101, "Failure", "The recipient's server refused the message"
    MESSAGE_BUILD_ERROR = 103, "MessageBuildError", "The message could not be built"
    EMPTY_SUBJECT = 127, "EmptySubject", "The rendered subject is empty"
    PHONE_NUMBER_INVALID = (
        129, "PhoneNumberValidationFailed", "The phone number is not a valid mobile number"
    )
    INVALID_CC = 132, "InvalidCCEmailAddressError", "A cc address is not a valid email address"
    INVALID_BCC = (
        133, "InvalidBCCEmailAddressError", "A bcc address is not a valid email address"
    )
    TIMED_OUT_IN_QUEUE = (
        139, "TimedoutInQueue", "The message timed out in the definition's queue"
    )
    UNVERIFIED_FROM_ADDRESS = (
        140, "UnverifiedFromEmailAddress",
        "The relay refused the sender address, not the recipient",
    )
    # fmt: on

    @classmethod
    def lookup(cls, code: int) -> NotSent | None:
        """The member for ``code``; None for a code Tidings does not produce."""
        found = cls._value2member_map_.get(code)
        return found if isinstance(found, NotSent) else None

    @classmethod
    def name_of(cls, code: int) -> str:
        """SFMC's name for a code; ``Error`` for one Tidings does not know."""
        found = cls.lookup(code)
        return "Error" if found is None else found.sfmc_name


class BounceClass(StrEnum):
    """``bounceCode``: HARD (the recipient will not take it) or SOFT (not now)."""

    HARD = "HARD"
    SOFT = "SOFT"


class CallbackStatus(StrEnum):
    """A callback's ``status`` on the wire."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    DISABLED = "disabled"


class CallbackHealth(StrEnum):
    """A verified callback's ``state`` in the health and stats views."""

    HEALTHY = "healthy"
    FAILING = "failing"


class KeyEncoding(StrEnum):
    """How the SFMC signature uses the key: its base64-decoded bytes, or the string's UTF-8."""

    BASE64 = "base64"
    UTF8 = "utf8"


class SignatureScheme(StrEnum):
    """The signature headers every webhook POST carries, one per scheme."""

    STANDARD_WEBHOOKS = "webhook-signature"
    SFMC = "x-sfmc-ens-signature"
