"""Two gunicorn servers behind haproxy on one PostgreSQL and one Redis act as one site.

The walk, in the README's production layout (tests/servers/cluster.py starts it, with two
job workers on Redis): sign in through the balancer and continue on the other server;
publish through one server (a job a worker runs) and the other serves the new version and
shows the job done; the login rate limit counts across both; a reminder run on
both at once sends each message once; a stopped server is taken out by haproxy's health
check while the site keeps answering.
"""

import time

import pytest

from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import PASSWORD
from tests.helpers import roster_text
from tests.servers.cluster import Browser
from tests.servers.cluster import Cluster

pytestmark = pytest.mark.fresh_database  # real commits, from other processes

MODULE_PAGE = f"/training/{COURSE}/modules/say-who-you-are"
NEW_SENTENCE = "Published through one server, served by every server."
ROSTER = [f"R{n},person{n}@example.com,Person {n},Sales,DE,,en,2020-01-01,true" for n in range(8)]
#: A client address haproxy would forward; the servers trust one proxy hop.
CLIENT = "203.0.113.9"


def test_two_servers_behind_haproxy_act_as_one(cluster: Cluster, inbox, tmp_path):
    people = deploy_with_people(cluster, tmp_path)
    cluster.start()

    learner = Browser()
    first, other = sign_in_through_the_balancer(cluster, learner, "lea@example.com")
    for server in (first, other):  # the same cookie, on each server directly
        page = learner.get(cluster.url(server) + "/account")
        assert page.status_code == 200 and "Lea Learner" in page.text, server

    job_page = publish_through(cluster, first)
    wait_until_served(cluster, learner, other)
    done = Browser()  # the author's job page, on the other server too: the job is shared
    form = done.form(cluster.url(other) + "/login")
    done.post(
        cluster.url(other) + "/login", {**form, "email": "mia@example.com", "password": PASSWORD}
    )
    assert "Done" in done.get(cluster.url(other) + job_page).text

    login_limit_counts_across(cluster)

    cluster.flask_at_once(2, "lms", "reminders", "send")  # cron fired on both servers
    recipients = sorted(address for rcpts, _message in inbox.messages for address in rcpts)
    assert recipients == sorted(people)  # everyone due, each once

    survivor = taken_out_when_stopped(cluster, first)
    for _ in range(4):
        response = learner.get(cluster.url("balancer") + "/training")
        assert response.status_code == 200 and response.headers["X-Served-By"] == survivor


def deploy_with_people(cluster: Cluster, tmp_path) -> list[str]:
    """Deploy, then an author, a learner and the roster, all due in three days; returns
    every address (each gets one reminder)."""
    cluster.deploy()
    accounts = [
        ("mia@example.com", "Mia Author", "A1", ["--role", "marketing"]),
        ("lea@example.com", "Lea Learner", "L1", []),
    ]
    for email, name, employee_id, roles in accounts:
        args = ["--email", email, "--name", name, "--employee-id", employee_id, *roles]
        cluster.flask("lms", "user", "create", *args, "--password", PASSWORD)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(ROSTER))
    cluster.flask("lms", "roster", "import", str(roster))
    cluster.flask("lms", "assignments", "add", "--course", COURSE, "--everyone", "--due-days", "3")
    return [email for email, *_ in accounts] + [f"person{n}@example.com" for n in range(8)]


def sign_in_through_the_balancer(cluster: Cluster, browser: Browser, email: str):
    """Sign in through haproxy; returns (the server that signed us in, another one)."""
    balancer = cluster.url("balancer")
    form = browser.form(balancer + "/login")
    response = browser.post(balancer + "/login", {**form, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text[:500]
    first = response.headers["X-Served-By"]
    return first, next(name for name in cluster.server_names if name != first)


def publish_through(cluster: Cluster, server: str) -> str:
    """The author edits a module and publishes a minor version, all on ``server``; the
    publish is a job a worker runs. Returns the job's page."""
    author = Browser()
    base = cluster.url(server)
    form = author.form(base + "/login")
    author.post(base + "/login", {**form, "email": "mia@example.com", "password": PASSWORD})
    edit = f"{base}/author/{COURSE}/files/{EN_MODULE}"
    form = author.form(edit)
    form["text"] = form["text"].rstrip() + f"\n\n{NEW_SENTENCE}\n"
    saved = author.post(edit, {**form, "save": "Save draft"})
    assert saved.status_code in (200, 302), saved.text[:500]
    publish = f"{base}/author/{COURSE}/publish"
    form = author.form(publish)
    published = author.post(publish, {**form, "kind": "minor", "submit": "Publish"})
    assert published.status_code == 302, published.text[:1000]
    assert "/jobs/" in published.headers["Location"]
    return "/jobs/" + published.headers["Location"].rsplit("/jobs/", 1)[1]


def wait_until_served(cluster: Cluster, learner: Browser, server: str) -> None:
    """``server`` serves the version published through the other one, once a worker has
    run the publish job (a server that cached the old version in its memory never
    would)."""
    deadline = time.monotonic() + 60
    while NEW_SENTENCE not in (page := learner.get(cluster.url(server) + MODULE_PAGE)).text:
        assert page.status_code == 200, page.text[:500]
        assert time.monotonic() < deadline, f"server {server} still serves the old version"
        time.sleep(0.5)


def login_limit_counts_across(cluster: Cluster) -> None:
    """Failed sign-ins from one client address, alternating between the servers, meet one
    limit (6 per minute, counted in Redis)."""
    codes = []
    for attempt in range(8):
        server = cluster.server_names[attempt % 2]
        browser = Browser()
        form = browser.form(cluster.url(server) + "/login")
        data = {**form, "email": f"nobody{attempt}@example.com", "password": "wrong"}
        response = browser.post(
            cluster.url(server) + "/login", data, headers={"X-Forwarded-For": CLIENT}
        )
        codes.append(response.status_code)
    assert codes == [200] * 6 + [429, 429]


def taken_out_when_stopped(cluster: Cluster, server: str) -> str:
    """Stop ``server``; haproxy's health check marks it down. Returns the one left."""
    cluster.stop(server)
    deadline = time.monotonic() + 60
    while cluster.balancer_view()[server] != "DOWN":
        assert time.monotonic() < deadline, cluster.balancer_view()
        time.sleep(0.2)
    return next(name for name in cluster.server_names if name != server)
