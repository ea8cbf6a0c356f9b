"""Sending: definitions, sends, rendering, the sender, outcomes, status, suppression, reports."""
