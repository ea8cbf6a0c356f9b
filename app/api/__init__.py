"""HTTP by resource: thin handlers that parse, call one service, and render."""
