"""The marketplace's own REST API (the provider API), beside the kernel's open API."""
