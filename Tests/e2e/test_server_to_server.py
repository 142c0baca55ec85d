"""Server-to-server callers through the shipped snippets: an API key at a protected location (the dev site's /api/)
reaches the upstream as X-Client-Id and X-Client-Name, never as the key itself, and a client's own X-Client-* never
arrive. The counters of key checks and allowlist refusals move."""
import uuid

from helpers import PASSWORD, assert_problem, login
from test_metrics import scrape, value


def admin_session(stack):
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    stack.cli("create-admin", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    s = stack.session()
    s.headers["Authorization"] = f"Bearer {login(stack, email)['access_token']}"
    return s


def create_client(stack, admin, allowlist):
    r = admin.post(stack.url("/clients"), json={"name": f"partner-{uuid.uuid4().hex[:8]}", "ip_allowlist": allowlist,
                                                "origin_allowlist": [], "roles_allowed": []})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_api_key_reaches_the_upstream_as_its_client(stack):
    admin = admin_session(stack)
    created = create_client(stack, admin, ["127.0.0.1/32"])
    client, key = created["client"], created["api_key"]
    forged = {"X-Client-Id": "forged-client", "X-Client-Name": "Forged", "X-User-Id": "forged-user"}
    r = stack.session().get(stack.url("/api/orders?x=1"), headers={**forged, "X-API-Key": key})
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["path"] == "/api/orders?x=1"
    headers = seen["headers"]
    assert headers["x-client-id"] == client["id"]
    assert headers["x-client-name"] == client["name"]
    assert "x-api-key" not in headers
    assert headers.get("x-user-id", "") == ""
    # The FastCGI variant of the snippet does the same with parameters.
    params = stack.session().get(stack.url("/fcgi/hello"), headers={**forged, "X-API-Key": key}).json()["params"]
    assert params["HTTP_X_CLIENT_ID"] == client["id"] and params["HTTP_X_CLIENT_NAME"] == client["name"]
    assert params.get("HTTP_X_API_KEY", "") == "" and params.get("HTTP_X_USER_ID", "") == ""
    # A wrong key never reaches the upstream.
    r = stack.session().get(stack.url("/api/orders"), headers={**forged, "X-API-Key": key[:-1] + ("1" if key[-1] == "0" else "0")})
    assert_problem(r, 401, "token_invalid")
    assert "path" not in r.json()


def test_key_checks_and_allowlist_refusals_are_counted(stack):
    admin = admin_session(stack)
    outside = create_client(stack, admin, ["10.0.0.0/8"])["api_key"]
    before = scrape(stack)
    r = stack.session().get(stack.url("/api/orders"), headers={"X-API-Key": outside})
    assert_problem(r, 403, "ip_not_allowed")
    r = stack.session().post(stack.url("/internal/validate-api-key"), json={"api_key": outside, "ip": "10.1.2.3"},
                             headers={"X-Service-Token": stack.setting("SERVICE_SECRET")})
    assert r.status_code == 200 and r.json()["valid"] is True, r.text
    after = scrape(stack)
    assert value(after, "auth_api_key_validations_total") - value(before, "auth_api_key_validations_total") == 2
    rejections = "gateway_ip_whitelist_rejections_total"
    assert value(after, rejections) - value(before, rejections) == 1
