"""Intake's use cases."""
