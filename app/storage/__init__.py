"""The only code that writes SQL: one module per table family, plus the handle and migrations."""
