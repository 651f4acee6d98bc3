"""``python -m arraydist``: the same as the ``arraydist`` command."""

import sys

from .cli import main

sys.exit(main())
