"""`python -m backend.devtools.ado_emulator`: run the local Azure DevOps emulator in the foreground."""

from backend.devtools.ado_emulator.server import main

main()
