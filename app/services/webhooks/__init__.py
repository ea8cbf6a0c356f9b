"""Webhooks: callbacks, subscriptions, fan-out of events to them, signing keys, operations."""
