"""Personalisation and content shaping, pure: %%Name%% substitution, HTML to text, wrapping."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from app.wire import validate

_PLACEHOLDER = re.compile(r"%%([A-Za-z_][A-Za-z0-9_\-. ]{0,99})%%")
_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul"}
_HIDDEN_STYLE = (
    "display:none;font-size:1px;color:transparent;line-height:1px;max-height:0;"
    "max-width:0;opacity:0;overflow:hidden"
)


class MissingAttribute(Exception):
    """A %%Name%% placeholder had no value in the recipient, request or subscriber attributes."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def attribute_lookup(*layers: Mapping[str, Any] | None) -> dict[str, str]:
    """One case-insensitive map; earlier layers win (recipient, request, subscriber profile)."""
    merged: dict[str, str] = {}
    for layer in reversed(layers):
        for key, value in (layer or {}).items():
            merged[key.lower()] = "" if value is None else str(value)
    return merged


def substitute(template: str, values: Mapping[str, str], *, escape_html: bool = False) -> str:
    """Replace every %%Name%%; raise MissingAttribute for the first one without a value."""

    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name.lower() not in values:
            raise MissingAttribute(name)
        value = values[name.lower()]
        return html.escape(value) if escape_html else value

    return _PLACEHOLDER.sub(replace, template)


def single_line(text: str) -> str:
    """Header-safe: every line break and control character becomes a space, so a value can
    neither inject a header nor make the message impossible to build."""
    return validate.LINE_BREAKS_AND_CONTROLS.sub(" ", text).strip()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """A readable plain-text alternative of an HTML body."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def is_full_document(markup: str) -> bool:
    return re.search(r"<html[\s>]", markup, re.IGNORECASE) is not None


_HTML_TAG = re.compile(
    r"<!DOCTYPE|</?(?:a|abbr|b|blockquote|body|br|center|code|div|em|font|h[1-6]|head|hr|html"
    r"|i|img|li|meta|ol|p|pre|s|section|small|span|strong|style|sub|sup|table|tbody|td|tfoot"
    r"|th|thead|title|tr|u|ul)\b[^>]*>",
    re.IGNORECASE,
)


def looks_like_html(body: str) -> bool:
    """Markup (a fragment or a document) rather than a plain string: it has an HTML element.

    ``<soon>`` or ``a < b`` in a plain string do not count, so they are escaped, not dropped.
    """
    return _HTML_TAG.search(body) is not None


def wrap_html(body: str) -> str:
    """A plain string or fragment inside proper <html><body>; a full document is kept."""
    if is_full_document(body):
        return body
    inner = body if looks_like_html(body) else html.escape(body).replace("\n", "<br>\n")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f"<body>\n{inner}\n</body></html>\n"
    )


def with_preheader(markup: str, preheader: str) -> str:
    """Insert the preheader as hidden preview text right after <body>."""
    if not preheader:
        return markup
    hidden = f'<div style="{_HIDDEN_STYLE}">{html.escape(preheader)}</div>'
    match = re.search(r"<body[^>]*>", markup, re.IGNORECASE)
    if match is None:
        return hidden + markup
    return markup[: match.end()] + hidden + markup[match.end() :]
