"""Entry point for python -m optior."""

import sys

from optior.cli import main

sys.exit(main())
