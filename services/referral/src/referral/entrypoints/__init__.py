"""Referral's HTTP routes and Kafka subscriptions."""
