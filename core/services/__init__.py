"""Kernel services: typed, keyword-only functions that take a session and never commit."""
