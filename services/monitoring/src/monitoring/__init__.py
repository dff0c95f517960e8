"""Performance of Puskesos and agencies, public ranking."""
