"""Every shape clients see, declared once."""
