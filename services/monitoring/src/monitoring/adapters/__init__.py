"""Monitoring's Postgres adapters (schema `monitoring` only)."""
