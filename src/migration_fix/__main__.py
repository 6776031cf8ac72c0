"""``python -m migration_fix``."""

import sys

from .cli import main

sys.exit(main())
