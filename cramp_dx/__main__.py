import sys

from cramp_dx.cli.main import main

sys.exit(main())
