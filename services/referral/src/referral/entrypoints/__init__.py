"""Referral's edges: HTTP routes, Kafka subscriptions, background jobs, the holidays command."""
