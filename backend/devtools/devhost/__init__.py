"""The local Azure DevOps host page: the page itself (page/: HTML, CSS and the JavaScript that answers
the SDK's cross-frame protocol), its Flask app (app.py), the static origin that serves the built extension
like the Marketplace CDN (static_origin.py), and the process entry point (serve.py)."""
