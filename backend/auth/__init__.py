"""Who is calling: app tokens (tokens.py), organization ids and bindings (org_ids.py, organizations.py),
the UI's request guard (guards.py) and the intake API keys (intake_keys.py)."""
