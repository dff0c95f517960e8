"""Referral's use cases."""
