"""Response headers: no cached API answers, no remote images."""

import pytest


@pytest.mark.parametrize(
    "path", ["/api/v1/clearance/{eid}", "/api/v1/clearance/nobody", "/api/v1/no-such-route"]
)
def test_every_api_answer_is_never_stored(client, employee, token, path):
    authorised = client.get(
        path.format(eid=employee.employee_id), headers={"Authorization": f"Bearer {token}"}
    )
    refused = client.get(path.format(eid=employee.employee_id))
    for response in (authorised, refused):
        assert response.headers["Cache-Control"] == "no-store"
    assert authorised.status_code in (200, 404) and refused.status_code in (401, 404)


def test_images_load_from_this_site_only(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["img-src"].split() == ["'self'", "data:"]
