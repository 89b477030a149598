"""Allow ``python -m adoext``."""

from adoext.console import main

main()
