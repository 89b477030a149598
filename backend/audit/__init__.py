"""The audit trail: its rows (rows.py), the writer that commits them in batches off the request path
(writer.py), and the request hook that makes one row per API call (request_hook.py)."""
