"""Files: uploads streamed to a file store, sniffed, cleaned, and served."""
