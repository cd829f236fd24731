import pytest


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_is_rate_limited(client):
    codes = [
        client.post("/login", data={"email": "x@example.com", "password": "y"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert "Too many attempts" in client.post("/login", data={}).get_data(as_text=True)
