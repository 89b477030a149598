"""Development-only code, one wing: the local Azure DevOps emulator, the local Marketplace emulator, the
local host page and its static origin, demo data, development app tokens and `report-bridge dev`.

Imported only by `report-bridge dev` (loaded lazily by backend/cli.py) and by the tests and benches,
never when production code is imported; an import-linter contract in pyproject.toml checks it.
"""
