"""Allow ``python -m adoext``."""

from adoext.cli import main

main()
