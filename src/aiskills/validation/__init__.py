"""Validating curricula with SHACL: the engine, the typed report, and its renderings."""
