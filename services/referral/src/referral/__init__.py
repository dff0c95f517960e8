"""Routing needs to agencies, SLA clocks, escalation, closing cases."""
