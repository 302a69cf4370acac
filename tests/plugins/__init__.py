"""Tests of the first-party plugins, through the real kernel."""
