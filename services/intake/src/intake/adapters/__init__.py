"""Intake's Postgres adapters (schema `intake` only)."""
