"""``python -m bench``: see :mod:`bench.runner` and docs/benchmarks.md."""

import sys

from bench.runner import main

sys.exit(main())
