"""Complaint registration at the Puskesos and public tracking."""
