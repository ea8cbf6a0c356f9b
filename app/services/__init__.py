"""Domain rules: what Tidings does, independent of HTTP."""
