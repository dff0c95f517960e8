"""`make bench`: the platform's sustained rate and latency, against the machine's own ceilings."""
