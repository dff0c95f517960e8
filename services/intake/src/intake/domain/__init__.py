"""Intake's domain: complaints, public tickets and the resident's tracking view (no I/O)."""
