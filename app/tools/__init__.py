"""Client-side commands for receivers: listen, trigger, check-receiver (HTTP to a server)."""
