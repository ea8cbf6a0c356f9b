"""Webhook delivery: batches of events POSTed, signed, to callbacks, retried until accepted."""
