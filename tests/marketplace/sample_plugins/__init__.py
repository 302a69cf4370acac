"""Plugins the console's tests enable in a shop."""
