"""Email addresses (email-validator) and phone numbers (phonenumbers): accepted, refused, normal."""

from __future__ import annotations

import email_validator
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from app.providers.sandbox import SMS_BOUNCE, SMS_DEFER, SMS_REJECT
from app.wire import validate

# (as written, normal form)
EMAILS_ACCEPTED = [
    ("ana@example.com", "ana@example.com"),
    ("Ana.Maria+tag@Example.COM", "Ana.Maria+tag@example.com"),  # only the domain is lowered
    ("x!#$%&'*+/=?^_`{|}~-y@example.com", "x!#$%&'*+/=?^_`{|}~-y@example.com"),
    ("用户@例子.广告", "用户@例子.广告"),  # SMTPUTF8 (RFC 6531)
    ("josé@exemplo.com.br", "josé@exemplo.com.br"),
    ("jose\u0301@exemplo.com.br", "josé@exemplo.com.br"),  # NFC (RFC 6532)
    ("ana@exämple.de", "ana@exämple.de"),  # IDN domain
    ("ana@EXÄMPLE.de", "ana@exämple.de"),
    ("ana@xn--exmple-cua.de", "ana@exämple.de"),  # Punycode is the same domain
    ("Postmaster@example.com", "postmaster@example.com"),  # RFC 2142 role names
    ("bounce@simulator.tidings.test", "bounce@simulator.tidings.test"),  # the sandbox's
    ("no-reply@tidings.localhost", "no-reply@tidings.localhost"),  # the default sender
    ("ops@mail.internal", "ops@mail.internal"),
    ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    ("a@" + "b" * 63 + ".com", "a@" + "b" * 63 + ".com"),
]
EMAILS_REFUSED = [
    "",
    "ana",
    "ana@",
    "@example.com",
    "ana@localhost",  # no dot: not an Internet domain
    "ana@@example.com",
    "a..b@example.com",
    ".ana@example.com",
    "ana.@example.com",
    "a b@example.com",
    " ana@example.com",
    "ana@example.com ",
    "ana@example.com\n",
    "ana@example.com\r\nBcc: victim@example.com",
    "ana\u2028@example.com",
    "ana@exa\x85mple.com",
    "ana\x00@example.com",
    "ana\u200b@example.com",  # a zero-width space is not a visible difference
    '"ana smith"@example.com',
    "Ana <ana@example.com>",
    "ana@[127.0.0.1]",
    "a" * 65 + "@example.com",  # RFC 5321: at most 64 octets before the @
    "a@" + "b" * 64 + ".com",  # at most 63 per label
    "a@" + ".".join(["b" * 60] * 5) + ".com",  # over 254 in all
    "ana@-example.com",
    "ana@example-.com",
    "ana@example.com.",
    "ana@example.c1",  # every top-level domain ends in a letter
    "ana@127.0.0.1",
    "ana@ab--cd.com",  # "--" at label positions 3-4 is for Punycode only
    "ana@xn--a.com",  # not valid Punycode
    None,
    42,
    ["ana@example.com"],
]


@pytest.mark.parametrize(("written", "normal"), EMAILS_ACCEPTED)
def test_email_addresses_accepted_in_their_normal_form(written: str, normal: str) -> None:
    assert validate.email_address(written) == normal
    assert validate.email_address(normal) == normal  # idempotent


@pytest.mark.parametrize("value", EMAILS_REFUSED)
def test_email_addresses_refused(value: object) -> None:
    with pytest.raises(Invalid, match="is not a valid email address"):
        validate.email_address(value)


def _library(value: str) -> str | None:
    try:
        found = email_validator.validate_email(value, check_deliverability=False, strict=True)
    except email_validator.EmailNotValidError:
        return None
    return found.normalized


def _ours(value: str) -> str | None:
    try:
        return validate.email_address(value)
    except Invalid:
        return None


_ADDRESSY = st.text(alphabet="aZ09.-_+@\"' éü用xn\n\u2028", max_size=30)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.from_regex(validate._NORMAL_ASCII, fullmatch=True), _ADDRESSY))
def test_the_ascii_shortcut_agrees_with_the_library(value: str) -> None:
    """The regex shortcut for the common case never says other than email-validator does."""
    assert _ours(value) == _library(value)


SHORTCUT_EDGES = [
    "a@b.c", "a@b.c1", "a@b.1c", "a@b.c-", "a@b.-c", "a@c.0-z", "a@c.z-", "a--b@c.de",
    "a@b--c.de", "a@xn--bcher-kva.de", "a@b." + "c" * 63, "a@b." + "c" * 64,
    "a@b." + "c" * 62 + "1", "x" * 64 + "@b.c", "x" * 65 + "@b.c", "Postmaster@b.c",
    "a@" + ".".join(["b" * 63] * 3) + "." + "c" * 61, "x" * 60 + "@" + "b" * 190 + ".com",
]  # fmt: skip


@pytest.mark.parametrize("value", SHORTCUT_EDGES)
def test_the_ascii_shortcut_agrees_with_the_library_at_its_edges(value: str) -> None:
    """Where the last label must end in a letter, no domain label holds "--", lengths end."""
    assert _ours(value) == _library(value)


# (as written, the definition's countryCode, E.164 digits)
PHONES_ACCEPTED = [
    ("15555550123", None, "15555550123"),  # SFMC: digits with the country code
    ("+1 555 555 0123", None, "15555550123"),
    ("+1 (555) 555-0123", None, "15555550123"),
    ("1.555.555.0123", None, "15555550123"),
    (15555550123, None, "15555550123"),
    ("4915112345678", None, "4915112345678"),
    ("+49 151 12345678", None, "4915112345678"),
    ("+39 06 1234 5678", None, "390612345678"),  # Italy keeps its leading zero
    ("(202) 555-0123", "US", "12025550123"),  # national, in the definition's country
    ("2025550123", "US", "12025550123"),
    ("2025550123", None, "2025550123"),  # without a country: +20 (Egypt)
    ("15555550123", "US", "15555550123"),
    ("015112345678", "DE", "4915112345678"),  # with the national trunk prefix
    ("004915112345678", "DE", "4915112345678"),  # with the international call prefix
    ("4915112345678", "DE", "4915112345678"),  # the mobile reading wins over a landline one
    ("+4915112345678", "US", "4915112345678"),  # with + the country is in the number
    ("5550000001", "us", "15550000001"),
    ("4915112345678", "USA", "4915112345678"),  # a countryCode that names no region: ignored
    (SMS_BOUNCE, None, SMS_BOUNCE),  # the sandbox's reserved numbers are possible numbers
    (SMS_REJECT, None, SMS_REJECT),
    (SMS_DEFER, None, SMS_DEFER),
]
PHONES_REFUSED = [
    ("", None),
    ("+", None),
    ("++15555550123", None),
    ("abc", None),
    ("1-800-FLOWERS", None),
    ("+1 555 555 0123 ext. 4", None),
    ("1234567", None),  # too short for +1
    ("0123456789", None),  # no country code 0
    ("004915112345678", None),  # "00" dials out only from a known country
    ("12345678901234567890", None),
    ("123", "US"),
    (True, None),
    (None, None),
    (1.5, None),
    (["15555550123"], None),
]


@pytest.mark.parametrize(("written", "region", "digits"), PHONES_ACCEPTED)
def test_phone_numbers_accepted_as_e164_digits(
    written: str | int, region: str | None, digits: str
) -> None:
    assert validate.phone_number(written, region=region) == digits
    assert validate.phone_number(digits) == digits  # stored digits read back the same


@pytest.mark.parametrize(("value", "region"), PHONES_REFUSED)
def test_phone_numbers_refused(value: object, region: str | None) -> None:
    with pytest.raises(Invalid, match="is not a phone number"):
        validate.phone_number(value, region=region)
