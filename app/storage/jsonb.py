"""JSON documents stored in TEXT columns, the same way on both dialects."""

from __future__ import annotations

from typing import Any

import orjson


def dump(value: Any) -> str:
    return orjson.dumps(value).decode()


def load(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)
