"""Every route, every role, naughty values in the path, the query and the form: no 500.

The requests come from :mod:`bench.fuzz` (``python -m bench.fuzz --examples 5000`` runs a
long campaign); here the fixed requests aimed at known weak spots plus a few seeded drawn
ones per route × method × role keep the suite short.
"""

import logging

from bench import fuzz

DRAWN_PER_TARGET = 2
#: Pages only a signed-in person with the right role sees: if the fuzz never got a 200
#: from them, it never got past the sign-in or the role checks.
DEEP = {
    "GET /training/<course_id>/modules/<module_id>",
    "GET /training/attempts/<int:attempt_id>",
    "GET /hr/people",
    "GET /hr/people/<employee_id>",
    "GET /hr/roster/uploads/<int:upload_id>",
    "GET /admin/webhooks/<int:endpoint_id>",
    "GET /author/<course_id>/files/<path:path>",
    "GET /api/v1/clearance/<path:identifier>",
    "GET /api/v1/clearance/changes",
    "GET /admin/tokens",
    "GET /scim/v2/",  # the fuzz's SCIM token opens SCIM (a root search: 200)
    "POST /hr/roster",
    "POST /training/<course_id>/quiz",
}


def test_no_route_answers_a_server_error(app, caplog):
    caplog.set_level(logging.CRITICAL)  # each 500 is reported below, with its request
    world = fuzz.World(app).build()
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        # JSON, not forms (the API's are fuzzed from its description: tests/api/test_openapi.py)
        if "POST" in rule.methods and not rule.rule.startswith(("/scim/", "/api/"))
    }
    assert posts <= set(world.known.forms), "a form the fuzz cannot fill"

    recorder = fuzz.fuzz(world, DRAWN_PER_TARGET)

    assert not recorder.failures, "\n".join(str(f) for f in recorder.failures)
    reached = {route for route, status in recorder.statuses if status == 200}
    assert DEEP <= reached
    assert recorder.requests >= (3 + DRAWN_PER_TARGET) * len(world.targets())
