"""Report Bridge backend."""
