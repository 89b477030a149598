"""Where partial manifests come from: manifest files and overrides, env templates, a --manifest-js script."""
