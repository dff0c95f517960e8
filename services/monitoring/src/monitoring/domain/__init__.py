"""Monitoring's domain: measures and the ranking, computed from facts (no I/O)."""
