"""The SLRT platform on one machine without Docker: Kafka, Postgres, topics, roles, services."""
