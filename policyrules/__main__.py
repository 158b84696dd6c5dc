"""``python -m policyrules`` runs the command line."""

import sys

from policyrules.interfaces.cli import main

sys.exit(main())
