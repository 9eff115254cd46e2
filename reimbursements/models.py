"""Reimbursement claims (手工报销): models arrive with the claims issue."""
