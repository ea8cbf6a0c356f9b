"""Pure checks for addresses, numbers and flat attribute maps.

Email addresses go through ``email-validator`` (RFC 5321/5322 syntax, RFC 6531 internationalised
addresses, IDNA 2008 domains) and phone numbers through ``phonenumbers`` (libphonenumber's
metadata); both return the one form Tidings stores, compares and hands to providers.
"""

from __future__ import annotations

import re
from typing import Any

import email_validator
import phonenumbers
from email_validator import rfc_constants

from app.errors import Invalid

# Every line break str.splitlines() knows (CR, LF, VT, FF, FS-RS, NEL, U+2028, U+2029) and every
# other control character: none may reach a mail header.
LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

# Tidings is self-hosted: its relay may well serve `.local`, `.internal` or `.test` names, and
# whether a domain takes mail is the relay's call (as DNS deliverability is), so no domain is
# refused for being a special-use name. This is the library's documented switch for that.
email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()

# The common case, already in the library's normal form: a dot-atom ASCII local part at a
# lower-case LDH domain (no "--", so no Punycode) whose last label ends in a letter. For these
# the library returns the address unchanged; checking them here costs a regex instead of ~35 µs
# each on a 2,000-recipient batch. tests/test_validate.py holds this shortcut to the library.
_ATOM = f"[{rfc_constants.ATEXT}]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LAST_LABEL = r"(?:[a-z0-9][a-z0-9-]{0,61})?[a-z]"  # a _LABEL that ends in a letter
_NORMAL_ASCII = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?:{_LABEL}\.)+{_LAST_LABEL}")
_ROLE_NAMES = frozenset(rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES)  # normalised to lower case

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE_TEXT = re.compile(r"\+?[0-9]{1,20}")
_TAKES_SMS = 3  # the best rank a reading of a number gets (see _rank)
_SMS_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def email_address(value: Any) -> str:
    """The address in its normal form, or Invalid.

    Normal form (email-validator's ``normalized``): the local part NFC-normalised (RFC 6532) and
    otherwise as written (RFC 2142 role names such as ``Postmaster`` lower-cased), the domain
    lower-cased and in Unicode (a Punycode ``xn--`` label is decoded). No DNS look-up: the relay
    decides what is deliverable. A line break or control character anywhere is never an address.
    """
    if not isinstance(value, str):
        raise Invalid("is not a valid email address: not a string")
    if _is_normal_ascii(value):
        return value
    if LINE_BREAKS_AND_CONTROLS.search(value):
        raise Invalid("is not a valid email address: it holds a line break or control character")
    try:
        found = email_validator.validate_email(value, check_deliverability=False, strict=True)
    except email_validator.EmailNotValidError as exc:
        raise Invalid(f"is not a valid email address: {exc}") from exc
    return found.normalized


def _is_normal_ascii(value: str) -> bool:
    match = _NORMAL_ASCII.fullmatch(value)
    return (
        match is not None
        and len(value) <= rfc_constants.EMAIL_MAX_LENGTH
        and match.end("local") <= rfc_constants.LOCAL_PART_MAX_LENGTH
        and ("--" not in value or "--" not in value.rpartition("@")[2])
        and match["local"].lower() not in _ROLE_NAMES
    )


def phone_number(value: Any, *, region: str | None = None) -> str:
    """E.164 digits (country code and number, without the ``+``), or Invalid.

    ``+`` and digits, with spaces, dashes, dots and brackets ignored. With a ``+`` the number is
    international. Without one it is read as SFMC documents ``to`` (digits with the country
    code) and, when ``region`` (the SMS definition's ``countryCode``, e.g. ``"US"``) is given,
    also as a national number of that country; the reading that is a valid number wins, one
    that can take SMS (mobile) before any other, the national one on a tie. A number
    libphonenumber only deems *possible* (right length for its country, e.g. the reserved
    ``555`` test numbers) is accepted: the gateway is the judge of whether it exists.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid("is not a phone number: not a string")
    text = _PHONE_SEPARATORS.sub("", str(value))
    if not _PHONE_TEXT.fullmatch(text):
        raise Invalid("is not a phone number: only digits, with an optional leading +")
    country = region.upper() if isinstance(region, str) else None
    if text.startswith("+") or country not in phonenumbers.SUPPORTED_REGIONS:
        found = _parsed("+" + text.removeprefix("+"), None)
        if found is None or not phonenumbers.is_possible_number(found):
            raise Invalid("is not a phone number: no country has numbers of this form")
    else:
        found = _best_reading(text, country)
    return phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.E164)[1:]


def _best_reading(text: str, country: str) -> phonenumbers.PhoneNumber:
    """The national reading when it is a valid number that takes SMS (checked first, so the
    common case parses once); else the better of it and the international reading."""
    ranked: list[tuple[int, phonenumbers.PhoneNumber]] = []
    national = _parsed(text, country)
    if national is not None:
        ranked.append((_rank(national), national))
        if ranked[0][0] == _TAKES_SMS:
            return national
    international = _parsed("+" + text, None)
    if international is not None:
        ranked.append((_rank(international), international))
    rank, best = max(ranked, key=lambda r: r[0], default=(0, None))  # the first of the best
    if best is None or rank == 0:
        raise Invalid("is not a phone number: no country has numbers of this form")
    return best


def _parsed(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _rank(number: phonenumbers.PhoneNumber) -> int:
    """3 a valid number that takes SMS, 2 another valid one, 1 a possible one, 0 none."""
    kind = phonenumbers.number_type(number)  # UNKNOWN exactly when the number is not valid
    if kind != phonenumbers.PhoneNumberType.UNKNOWN:
        return _TAKES_SMS if kind in _SMS_TYPES else 2
    return 1 if phonenumbers.is_possible_number(number) else 0


def is_single_line(value: Any) -> bool:
    """A string fit for a mail header: no line break and no control character of any kind."""
    return isinstance(value, str) and LINE_BREAKS_AND_CONTROLS.search(value) is None


def is_flat_attributes(value: Any) -> bool:
    """SFMC attributes are a flat map of names to scalars."""
    return isinstance(value, dict) and all(
        isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
        for k, v in value.items()
    )
