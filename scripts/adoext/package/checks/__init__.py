"""The checks run before anything is written: the manifest, the packaged files, build tasks."""
