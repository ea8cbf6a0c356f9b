"""Rendering, pure: %%Name%% substitution, escaping, header-safe lines, HTML shaping."""

from __future__ import annotations

import pytest

from app.services.sending import render

VALUES = render.attribute_lookup({"FirstName": "Ana", "Order No": "A-1", "Note": "<b>&</b>"})


@pytest.mark.parametrize(
    ("template", "escape_html", "expected"),
    [
        ("Hello %%FirstName%%", False, "Hello Ana"),
        ("Hello %%firstname%% %%FIRSTNAME%%", False, "Hello Ana Ana"),  # names ignore case
        ("Order %%Order No%%", False, "Order A-1"),  # spaces are part of a name
        ("%%FirstName%%%%FirstName%%", False, "AnaAna"),
        ("Note: %%Note%%", False, "Note: <b>&</b>"),  # text parts and subjects: as given
        ("<p>%%Note%%</p>", True, "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>"),  # HTML: escaped
        ("<p>%%FirstName%%</p>", True, "<p>Ana</p>"),
        ("100%% sure, %% not a name %%x", False, "100%% sure, %% not a name %%x"),
        ("%%1st%% %%%%", False, "%%1st%% %%%%"),  # a name starts with a letter or _
        ("no placeholders", True, "no placeholders"),
        ("", False, ""),
    ],
)
def test_substitute(template: str, escape_html: bool, expected: str) -> None:
    assert render.substitute(template, VALUES, escape_html=escape_html) == expected


@pytest.mark.parametrize(
    ("template", "missing"),
    [
        ("Hi %%LastName%%", "LastName"),
        ("%%FirstName%% %%Missing_1%% %%Other%%", "Missing_1"),  # the first one is named
        ("<p>%%city%%</p>", "city"),  # as written in the template
    ],
)
def test_a_placeholder_without_a_value_names_the_attribute(template: str, missing: str) -> None:
    with pytest.raises(render.MissingAttribute) as raised:
        render.substitute(template, VALUES, escape_html=True)
    assert raised.value.name == missing


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        (({"A": "recipient"}, {"a": "request"}, {"A": "profile"}), {"a": "recipient"}),
        ((None, {"B": 2}, {"b": "profile", "C": True}), {"b": "2", "c": "True"}),
        (({"Empty": None}, {"empty": "request"}), {"empty": ""}),  # null is a value: empty
        ((None, None), {}),
    ],
)
def test_attribute_layers_earlier_wins_case_insensitive(
    layers: tuple[dict[str, object] | None, ...], expected: dict[str, str]
) -> None:
    assert render.attribute_lookup(*layers) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Your order 1\r\nBcc: victim@example.com", "Your order 1 Bcc: victim@example.com"),
        ("a\nb\rc\vd\fe", "a b c d e"),
        ("a\u2028b\u2029c\x85d", "a b c d"),  # Unicode line breaks too
        ("a\x00b\x1bc\x7fd", "a b c d"),  # and every other control character
        ("a\r\n\r\nb", "a b"),  # a run becomes one space
        ("  padded\n", "padded"),
        ("plain ✓", "plain ✓"),
    ],
)
def test_single_line(text: str, expected: str) -> None:
    assert render.single_line(text) == expected


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Hello <b>Ana</b></p><p>Bye</p>", "Hello Ana\n\nBye"),
        ("<style>p {}</style><p>x</p><script>alert(1)</script>", "x"),
        ("a<br>b", "a\nb"),
        ("&lt;tag&gt; &amp; more", "<tag> & more"),
        ("<html><head><title>T</title></head><body>  spaced   out </body></html>", "spaced out"),
    ],
)
def test_html_to_text(markup: str, expected: str) -> None:
    assert render.html_to_text(markup) == expected


@pytest.mark.parametrize(
    ("body", "is_html"),
    [
        ("<p>Hi</p>", True),
        ("<!DOCTYPE html><html></html>", True),
        ('<a href="x">link</a>', True),
        ("I arrive <soon>", False),
        ("a < b and b > c", False),
        ("plain text", False),
    ],
)
def test_looks_like_html(body: str, is_html: bool) -> None:
    assert render.looks_like_html(body) is is_html


@pytest.mark.parametrize(
    ("body", "inner"),
    [
        ("Hi <soon>\nBye", "Hi &lt;soon&gt;<br>\nBye"),  # a plain string: escaped, lines kept
        ("<p>Hi</p>", "<p>Hi</p>"),  # a fragment: kept
    ],
)
def test_wrap_html(body: str, inner: str) -> None:
    wrapped = render.wrap_html(body)
    assert wrapped.startswith("<!DOCTYPE html>\n<html>") and f"<body>\n{inner}\n</body>" in wrapped
    assert render.wrap_html(wrapped) == wrapped  # a full document is kept as it is


@pytest.mark.parametrize(
    ("markup", "expected_start"),
    [
        ('<html><body class="x"><p>Hi</p>', '<html><body class="x"><div style="display:none;'),
        ("<p>Hi</p>", '<div style="display:none;'),  # no <body>: in front
    ],
)
def test_preheader_is_hidden_text_after_body(markup: str, expected_start: str) -> None:
    shown = render.with_preheader(markup, "Thanks & <more>")
    assert shown.startswith(expected_start) and shown.endswith("<p>Hi</p>")
    assert ">Thanks &amp; &lt;more&gt;</div>" in shown
    assert render.with_preheader(markup, "") == markup
