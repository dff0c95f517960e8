"""Monitoring's HTTP routes and Kafka subscriptions."""
