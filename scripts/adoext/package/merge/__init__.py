"""Merge partial manifests: one table of key rules per side (vsixmanifest, vsomanifest), applied in order."""
