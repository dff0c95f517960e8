"""Offline checks of the Helm chart: lint, render, and validate against the real schemas."""
