"""`python -m rehab`: the same as the `rehab` command."""

import sys

from rehab.cli import main

sys.exit(main())
