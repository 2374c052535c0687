"""``python -m bench``: the turn-latency and memory benchmark (see bench/turn_latency.py)."""

import sys

from bench.turn_latency import main

sys.exit(main())
