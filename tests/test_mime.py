"""The MIME builder: its header factory made once, its messages byte for byte the stdlib's."""

from __future__ import annotations

import email.generator
import email.policy
from typing import Any

import pytest

from app.providers import Email, mime


def _email(**changes: Any) -> Email:
    values: dict[str, Any] = {
        "message_id": "m1",
        "from_address": "noreply@example.com",
        "from_name": "Bench Co",
        "to": "r1@example.com",
        "cc": (),
        "bcc": (),
        "subject": "Hello",
        "html": "<p>Hello</p>",
        "text": "Hello",
    }
    return Email(**(values | changes))


CASES = {
    "ascii": _email(),
    "international": _email(
        from_address="nöreply@exämple.com", from_name='Ünïcode, "Name"', to="ü@bücher.de",
        cc=("a@b.example", "d@ä.de"), bcc=("e@f.example",), subject="Sübject " * 30,
        html="<p>" + "é" * 500 + "</p>", text="tëxt\n" * 100, reply_to="r@é.com",
        to_name="Tö, Name",
    ),
    "odd name, long subject": _email(from_name="Name; with <odd> chars", subject="x" * 2000),
    "long lines": _email(text="word " * 400, html="<p>" + "a" * 2000 + "</p>"),
    "line break in the subject": _email(subject="bad\nheader"),
    "line break in the sender's name": _email(from_name="Bench\rCo"),
    "lone surrogate in the text": _email(text="\ud800"),
}  # fmt: skip


def _flat(values: Email) -> tuple[Any, ...]:
    try:
        built = mime.build(values, domain="sändbox.test")
    except mime.Unbuildable as exc:
        return ("Unbuildable", str(exc))
    return (
        built.as_bytes(policy=email.policy.SMTPUTF8),
        built.as_bytes(policy=email.policy.SMTP),
        built["Message-ID"],
    )


@pytest.mark.parametrize("case", list(CASES))
def test_a_message_is_byte_for_byte_what_the_default_policy_builds(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mime, "formatdate", lambda localtime: "Tue, 01 Dec 2026 00:00:00 -0000")
    monkeypatch.setattr(mime, "make_msgid", lambda idstring, domain: f"<{idstring}@{domain}>")
    boundary = classmethod(lambda cls, text=None: "==BOUNDARY==")
    monkeypatch.setattr(email.generator.Generator, "_make_boundary", boundary)
    for _ in range(2):  # and again, with what the factory keeps
        ours = _flat(CASES[case])
        with monkeypatch.context() as stdlib:
            stdlib.setattr(mime, "POLICY", email.policy.default)
            assert ours == _flat(CASES[case])


def test_header_classes_and_mime_headers_are_made_once() -> None:
    first, second = (mime.build(_email(to=f"r{n}@example.com"), domain="x.test") for n in (1, 2))
    assert type(first["To"]) is type(second["To"])
    assert first["MIME-Version"] is second["MIME-Version"]
    assert first["Content-Type"] is second["Content-Type"]
    assert first["From"] is second["From"]  # the same sender
    assert first["To"] is not second["To"]  # each recipient's is parsed


def test_an_address_the_email_package_trips_over_is_unbuildable() -> None:
    """``a@[bad`` makes the stdlib raise AttributeError; it must end as Unbuildable (NotSent
    at once), not escape as an internal error that is retried for an hour."""
    email = Email(
        message_id="m1", from_address="a@[bad", from_name="X", to="b@example.com", cc=(),
        bcc=(), subject="s", html="<p>x</p>", text="x",
    )  # fmt: skip
    with pytest.raises(mime.Unbuildable):
        mime.build(email, domain="example.com")
