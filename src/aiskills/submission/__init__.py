"""Curriculum submissions: reading every supported format into one graph with a map of where each
fact came from (row and column, JSON path, or line)."""
