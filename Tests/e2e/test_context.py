"""Context switch through nginx (API.md "Context switch"): the same session in another of the user's assignments,
remembered by later refreshes, rotating the session's refresh chain; business routes follow the new zone."""
import time

import pytest

from conftest import Stack
from helpers import PASSWORD, assert_problem, bearer, claims_of, error_fields, import_roles, import_users, login, \
    unique_email

SETTINGS = {"RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_API": "100000/1m",
            "RATE_LIMIT_REFRESH": "1000/1m", "REFRESH_GRACE": "2s"}


@pytest.fixture(scope="module")
def cstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("context"), SETTINGS)
    yield s
    s.stop()


@pytest.fixture
def worker(cstack, tmp_path):
    """A user with the global role `reader`, a primary assignment in ZoneA/Ops and others in ZoneB/Office
    (active) and ZoneC/Yard (inactive)."""
    import_roles(cstack, tmp_path, {"reader": ["read:data"], "za-editor": ["branches:read", "branches:write"],
                                    "zb-auditor": ["branches:read", "audit:view"], "zc-role": ["yard:manage"]})
    email = unique_email("ctx")
    import_users(cstack, tmp_path, [{"email": email, "name": "Ctx", "password": PASSWORD, "roles": ["reader"]}])
    admin_email = unique_email("admin")
    assert cstack.cli("create-admin", "--email", admin_email, "--password-stdin", input=PASSWORD + "\n").returncode == 0
    api = cstack.session()
    api.headers.update(bearer(login(cstack, admin_email)))
    uid = login(cstack, email)["user"]["id"]
    base = cstack.url(f"/users/{uid}/assignments")
    for zone, department, role, active in (("ZoneA", "Ops", "za-editor", True), ("ZoneB", "Office", "zb-auditor", True),
                                           ("ZoneC", "Yard", "zc-role", False)):
        r = api.post(base, json={"zone": zone, "department": department, "role": role, "active": active})
        assert r.status_code == 201, r.text
    return {"email": email, "id": uid}


def switch(stack, tokens, **body):
    return stack.session().post(stack.url("/auth/context/switch"), json=body, headers=bearer(tokens))


def refresh(stack, token):
    return stack.session().post(stack.url("/auth/refresh"), json={"refresh_token": token})


def test_switch_keeps_the_session_and_later_refreshes_keep_the_context(cstack, worker):
    tokens = login(cstack, worker["email"])
    first = claims_of(tokens["access_token"])
    assert first["ctx"] == {"zone": "ZoneA", "department": "Ops", "role": "za-editor", "primary": True}
    r = switch(cstack, tokens, zone="ZoneB", department="Office")
    assert r.status_code == 200, r.text
    switched = r.json()
    claims = claims_of(switched["access_token"])
    assert claims["sid"] == first["sid"] and claims["sub"] == worker["id"]
    assert claims["ctx"] == {"zone": "ZoneB", "department": "Office", "role": "zb-auditor", "primary": False}
    assert sorted(claims["permissions"]) == ["audit:view", "branches:read", "read:data"]
    assert switched["refresh_token"] != tokens["refresh_token"]
    assert switched["user"]["permissions"] == claims["permissions"]

    # The pre-switch refresh token inside the grace window: the switch's successor, same session and context.
    r = refresh(cstack, tokens["refresh_token"])
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] == switched["refresh_token"]
    assert claims_of(r.json()["access_token"])["ctx"]["zone"] == "ZoneB"

    # A refresh keeps the switched context.
    r = refresh(cstack, switched["refresh_token"])
    assert r.status_code == 200, r.text
    again = claims_of(r.json()["access_token"])
    assert again["sid"] == first["sid"] and again["ctx"]["zone"] == "ZoneB"
    latest = r.json()

    # After the grace window the pre-switch token is reuse: the whole session is revoked.
    time.sleep(3.2)
    assert_problem(refresh(cstack, tokens["refresh_token"]), 401, "token_revoked")
    assert_problem(refresh(cstack, latest["refresh_token"]), 401, "token_revoked")
    assert_problem(cstack.session().get(cstack.url("/auth/me"), headers=bearer(latest)), 401, "token_revoked")


def test_switch_refusals(cstack, worker):
    tokens = login(cstack, worker["email"])
    assert_problem(switch(cstack, tokens, zone="ZoneX", department="Ops"), 403, "forbidden")
    assert_problem(switch(cstack, tokens, zone="ZoneA", department="Office"), 403, "forbidden")
    assert_problem(switch(cstack, tokens, zone="ZoneC", department="Yard"), 403, "forbidden")  # inactive
    assert set(error_fields(switch(cstack, tokens, zone="ZoneB"))) == {"department"}
    assert set(error_fields(switch(cstack, tokens))) == {"zone", "department"}
    assert_problem(cstack.session().post(cstack.url("/auth/context/switch"), json={"zone": "ZoneB",
                                                                                  "department": "Office"}),
                   401, "token_missing")
    # Nothing was rotated by the refusals: the login's refresh token still works.
    assert refresh(cstack, tokens["refresh_token"]).status_code == 200
    r = switch(cstack, tokens, zone="ZoneB", department="Office")
    assert r.headers["Cache-Control"] == "no-store"


def test_business_routes_follow_the_switched_zone(cstack, worker):
    tokens = login(cstack, worker["email"])
    s = cstack.session()
    r = s.post(cstack.url("/v1/branches"), json={"name": f"Depot {worker['id'][:8]}"}, headers=bearer(tokens))
    assert r.status_code == 201, r.text
    branch = r.json()
    assert branch["zone"] == "ZoneA"
    assert s.get(cstack.url(f"/v1/branches/{branch['id']}"), headers=bearer(tokens)).status_code == 200
    b = switch(cstack, tokens, zone="ZoneB", department="Office").json()
    assert_problem(s.get(cstack.url(f"/v1/branches/{branch['id']}"), headers=bearer(b)), 404, "not_found")
    listed = s.get(cstack.url("/v1/branches?limit=200"), headers=bearer(b)).json()["items"]
    assert branch["id"] not in {x["id"] for x in listed} and {x["zone"] for x in listed} <= {"ZoneB"}
    # ZoneB's role cannot write branches.
    assert_problem(s.post(cstack.url("/v1/branches"), json={"name": "Nope"}, headers=bearer(b)), 403, "forbidden")
    # Switching back restores ZoneA's view.
    a = switch(cstack, b, zone="ZoneA", department="Ops").json()
    assert s.get(cstack.url(f"/v1/branches/{branch['id']}"), headers=bearer(a)).status_code == 200
