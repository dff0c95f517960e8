"""The gateway's domain: what an agency may do to a referral and may see of a resident."""
