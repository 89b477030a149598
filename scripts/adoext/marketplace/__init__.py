"""The Marketplace side: client and transport (retry, proxy), auth, publish, share/install, pre-flight."""
