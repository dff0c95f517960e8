"""`make bench`: the platform's sustained rate, latency and cost per complaint vs primitives."""
