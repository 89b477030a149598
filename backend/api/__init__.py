"""HTTP blueprints, one per feature."""
