"""adoext: build, package and publish Azure DevOps extensions (a drop-in for tfx-cli)."""

__version__ = "0.1.0"
