"""Customer reports: grouping, triage state, and the reads the UI needs."""
