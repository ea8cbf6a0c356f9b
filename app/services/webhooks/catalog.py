"""The event catalog: every event type, what it means, its payload's schema and an example."""

from __future__ import annotations

import functools
from typing import Any

from app.wire import catalog, vocabulary

_SMS_TO = "15551230000"


def schema_of(event_type: vocabulary.EventType) -> dict[str, Any]:
    """The JSON Schema of one webhook event of this type."""
    schema = catalog.payload_model(event_type).model_json_schema(by_alias=True)
    schema["properties"]["eventCategoryType"] = {"const": event_type.value, "type": "string"}
    schema["title"] = event_type.short
    return schema


def example_of(event_type: vocabulary.EventType) -> dict[str, Any]:
    model = catalog.payload_model(event_type)
    example = catalog.example_of(model) | {"eventCategoryType": event_type.value}
    if event_type.channel == vocabulary.Channel.SMS:
        example["info"]["to"] = example["info"]["subscriberKey"] = _SMS_TO
    return example


@functools.cache
def listing() -> dict[str, Any]:
    """The whole catalog (the same for every caller; built once)."""
    return {
        "items": [
            {
                "type": t.value,
                "short": t.short,
                "channel": t.channel.value,
                "outcome": t.outcome.value,
                "description": vocabulary.MEANING[t],
                "filters": ["definitionKey", *t.detail_fields],
                "schema": schema_of(t),
                "example": example_of(t),
            }
            for t in vocabulary.EventType
        ]
    }
