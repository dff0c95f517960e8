"""Intake's HTTP routes and Kafka subscriptions."""
