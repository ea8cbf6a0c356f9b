"""Tidings: a self-hosted transactional messaging and webhook hub."""

__version__ = "0.1.0"
