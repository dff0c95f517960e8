"""The agencies' door: API, webhooks and Kafka topics."""
