"""Monitoring at national scale: a synthetic country, ranking query times, how far behind it runs.

`python -m slrt_bench.national` (a small country by default, `--villages 83000 --complaints
10000000` for Indonesia's size) starts (or finds) Kafka and Postgres, creates a scratch database
and topic prefix, loads a synthetic country straight into monitoring's projection tables (the
rows monitoring's event handlers would have written for the same cases), starts the real
monitoring service on a free port, times its HTTP answers and its ranking job, then publishes a
steady stream of events to Kafka and measures how long each takes to show in the rankings.
"""
