"""Plugins submitted to the review checks in tests: one good, the others each failing a check."""
