"""Pure checks for addresses, numbers and flat attribute maps."""

from __future__ import annotations

import re
from typing import Any

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
_PHONE = re.compile(r"^\d{7,15}$")
# Every line break str.splitlines() knows (CR, LF, VT, FF, FS-RS, NEL, U+2028, U+2029) and every
# other control character: none may reach a mail header.
LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def is_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def is_single_line(value: Any) -> bool:
    """A string fit for a mail header: no line break and no control character of any kind."""
    return isinstance(value, str) and LINE_BREAKS_AND_CONTROLS.search(value) is None


def phone_digits(value: Any) -> str | None:
    """E.164 digits without ``+``, spaces or dashes; None when it is not a phone number."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    digits = re.sub(r"[\s\-().]", "", str(value)).removeprefix("+")
    return digits if _PHONE.match(digits) else None


def is_flat_attributes(value: Any) -> bool:
    """SFMC attributes are a flat map of names to scalars."""
    return isinstance(value, dict) and all(
        isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
        for k, v in value.items()
    )
