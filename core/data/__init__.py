"""Data files shipped with the kernel (province codes)."""
