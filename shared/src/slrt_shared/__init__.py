"""Small building blocks every SLRT service shares: contracts and plumbing, no business rules."""
