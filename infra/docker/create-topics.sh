#!/bin/sh
# Create every topic of topics.txt on the compose Kafka (idempotent).
set -eu
bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"
grep -v '^#' /topics.txt | while read -r name partitions; do
  [ -n "$name" ] || continue
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor 1
done
echo "topics ready"
