"""Entry point of the bundled app: the same `cramp-dx` command the wheel installs."""

import sys

from cramp_dx.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
