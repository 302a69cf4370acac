"""Pydantic models the API reads and returns (XCreate / XUpdate / XPublic)."""
