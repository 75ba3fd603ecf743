"""``python -m bluepool.cli``, as ``python -m bluepool``."""

import sys

from bluepool.cli import main

sys.exit(main())
