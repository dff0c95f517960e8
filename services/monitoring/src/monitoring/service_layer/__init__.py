"""Monitoring's use cases: projecting events into facts, and reading measures."""
