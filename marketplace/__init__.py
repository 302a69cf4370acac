"""The web host: the open API, and the marketplace where services are listed and installed."""
