"""``python -m lambda_es``: the same as the ``lambda-es`` command."""

import sys

from .cli import main

sys.exit(main())
