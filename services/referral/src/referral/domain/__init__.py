"""Referral's domain: routing, the SLA clock, the referral state machine, closing (no I/O)."""
