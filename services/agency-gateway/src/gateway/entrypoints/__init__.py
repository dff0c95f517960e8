"""The gateway's HTTP routes and Kafka subscriptions."""
