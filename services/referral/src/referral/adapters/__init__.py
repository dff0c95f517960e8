"""Referral's Postgres adapters (schema `referral` only)."""
