"""Every route, every role, naughty values in the path, the query and the form: no 500.

The requests come from :mod:`bench.fuzz` (``python -m bench.fuzz`` runs the long
campaign); here a few seeded examples per route × method × role keep the suite short.
"""

import logging

from bench import fuzz

EXAMPLES_PER_TARGET = 2


def test_no_route_answers_a_server_error(app, caplog):
    caplog.set_level(logging.CRITICAL)  # each 500 is reported below, with its request
    world = fuzz.World(app).build()
    failures = fuzz.fuzz(world, EXAMPLES_PER_TARGET).failures
    assert not failures, "\n".join(str(f) for f in failures)
