"""The gateway's Postgres adapters (schema `gateway` only)."""
