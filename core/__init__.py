"""Tanzi's shop kernel: accounts, shops, catalog, orders, after-sales and logistics."""

__version__ = "0.1.0"
