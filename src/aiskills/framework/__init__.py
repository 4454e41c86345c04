"""The capability framework: its template, its graph, and the bundled reference encoding."""
