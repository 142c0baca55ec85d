"""The security review's findings that nginx can reach, end to end: each test failed on the code before the fix.

FastCGI upstreams, the permission and cookie filters of the shipped snippets, one WWW-Authenticate, no-store on
odd spellings of /auth paths, grant checks on assignments, roles and self-updates, HS256 tokens with absurd
lifetimes, identifiers capped before any write, expired rows pruned, files readable by their owner only.
"""
import base64
import hashlib
import hmac
import os
import stat
import subprocess
import time
import uuid

import jwt
import pytest
import requests

from conftest import Stack
from helpers import PASSWORD, assert_problem, bearer, claims_of, error_fields, import_roles, import_users, login, \
    new_user, unique_email

RELAXED = {"RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_API": "100000/1m",
           "RATE_LIMIT_LOGIN_GLOBAL": "100000/1m", "RATE_LIMIT_REGISTER": "1000/1m", "REGISTRATION_OPEN": "true"}


@pytest.fixture(scope="module")
def sstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("security"), RELAXED)
    yield s
    s.stop()


def user_with_roles(stack, tmp_path, roles, permissions_by_role=None):
    if permissions_by_role:
        import_roles(stack, tmp_path, permissions_by_role)
    email = unique_email("sec")
    import_users(stack, tmp_path, [{"email": email, "name": "Sec", "password": PASSWORD, "roles": roles}])
    tokens = login(stack, email)
    return {"email": email, "id": tokens["user"]["id"], "tokens": tokens, "headers": bearer(tokens)}


def admin(stack):
    email = unique_email("admin")
    out = stack.cli("create-admin", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    tokens = login(stack, email)
    return {"email": email, "id": tokens["user"]["id"], "headers": bearer(tokens)}


def table_counts(stack, *tables):
    return {t: stack.count(t) for t in tables}


# 1. FastCGI upstreams get Gatehouse's identity, never the client's.

FORGED = {"X-User-Id": "00000000-0000-0000-0000-000000000000", "X-User-Email": "root@example.com",
          "X-User-Permissions": "*:*", "X-User-Roles": "admin", "X-Auth-Context": "forged", "X-Zone": "ZoneX",
          "X-Session-Id": "forged"}


def test_fastcgi_upstream_receives_gatehouse_identity_not_the_clients(sstack):
    user, tokens = new_user(sstack)
    r = sstack.session().get(sstack.url("/fcgi/hello?x=1"), headers={
        **FORGED, **bearer(tokens), "Cookie": "theme=dark; gh_access=stolen"})
    assert r.status_code == 200, r.text
    params = r.json()["params"]
    assert params["REQUEST_URI"] == "/fcgi/hello?x=1"
    assert params["HTTP_X_USER_ID"] == user["id"]
    assert params["HTTP_X_USER_EMAIL"] == user["email"]
    assert params["HTTP_X_USER_PERMISSIONS"] == "" and params["HTTP_X_USER_ROLES"] == ""
    assert params["HTTP_X_ZONE"] == ""
    assert params["HTTP_X_SESSION_ID"] == claims_of(tokens["access_token"])["sid"]
    assert params.get("HTTP_AUTHORIZATION", "") == ""  # the bearer token stays with nginx
    assert params["HTTP_COOKIE"] == "theme=dark; "
    context = params["HTTP_X_AUTH_CONTEXT"]
    secret = sstack.setting("SERVICE_SECRET").encode()
    expected = base64.urlsafe_b64encode(hmac.new(secret, context.encode(), hashlib.sha256).digest()).rstrip(b"=")
    assert params["HTTP_X_AUTH_CONTEXT_SIGNATURE"] == expected.decode()
    # Without a token the forged headers get nowhere, and the 401 is Gatehouse's problem+json.
    r = sstack.session().get(sstack.url("/fcgi/hello"), headers=FORGED)
    assert_problem(r, 401, "token_missing")
    assert "params" not in r.json()


def test_fastcgi_location_requires_its_permission(sstack, tmp_path):
    plain = user_with_roles(sstack, tmp_path, [])
    assert_problem(sstack.session().get(sstack.url("/fcgi/admin/panel"), headers={
        **plain["headers"], "X-Required-Permission": "", "X-User-Permissions": "admin:access"}), 403, "forbidden")
    holder = user_with_roles(sstack, tmp_path, ["site-admin"], {"site-admin": ["admin:access"]})
    r = sstack.session().get(sstack.url("/fcgi/admin/panel"), headers=holder["headers"])
    assert r.status_code == 200, r.text
    assert r.json()["params"]["HTTP_X_USER_PERMISSIONS"] == "admin:access"


# 8. The permission a location sets counts wherever the `set` stands.

def test_permission_set_before_the_include_is_kept(sstack, tmp_path):
    plain = user_with_roles(sstack, tmp_path, [])
    assert_problem(sstack.session().get(sstack.url("/app/ordered/x"), headers=plain["headers"]), 403, "forbidden")
    assert_problem(sstack.session().get(sstack.url("/app/admin/x"), headers=plain["headers"]), 403, "forbidden")
    holder = user_with_roles(sstack, tmp_path, ["site-admin"], {"site-admin": ["admin:access"]})
    for path in ("/app/ordered/x", "/app/admin/x"):
        r = sstack.session().get(sstack.url(path), headers=holder["headers"])
        assert r.status_code == 200, (path, r.text)
    # An unprotected-by-permission location is open to any signed-in user (the map's empty default).
    assert sstack.session().get(sstack.url("/app/x"), headers=plain["headers"]).status_code == 200


# 11. Every gh_access is filtered, as Gatehouse parses cookies.

@pytest.mark.parametrize("cookie, expected", [
    ("theme=dark; gh_access=T; lang=en", "theme=dark; lang=en"),
    ("gh_access=S1; gh_access=S2", None),
    ("gh_access =S3", None),
    ("a=1; gh_access =S3; b=2; gh_access=S4", None),
    ("a=1;   gh_access=S5; b=2", "a=1;   b=2"),
    ("gh_access_other=1; b=2", "gh_access_other=1; b=2"),
])
def test_every_gh_access_cookie_is_kept_from_upstreams(sstack, cookie, expected):
    _, tokens = new_user(sstack)
    r = sstack.session().get(sstack.url("/app/c"), headers={**bearer(tokens), "Cookie": cookie})
    seen = r.json()["headers"].get("cookie")
    assert seen == expected, (cookie, seen)
    r = sstack.session().get(sstack.url("/fcgi/c"), headers={**bearer(tokens), "Cookie": cookie})
    assert (r.json()["params"].get("HTTP_COOKIE") or None) == expected, cookie


# 12. One WWW-Authenticate on a 401 through auth_request.

def test_a_401_through_auth_request_has_one_www_authenticate(sstack):
    for path in ("/app/x", "/fcgi/x", "/files/hello.txt"):
        for headers in ({}, {"Authorization": "Bearer a.b.c"}):
            r = sstack.session().get(sstack.url(path), headers=headers)
            assert r.status_code == 401
            assert len(r.raw.headers.getlist("WWW-Authenticate")) == 1, (path, r.raw.headers.getlist("WWW-Authenticate"))
            assert r.headers["WWW-Authenticate"].startswith('Bearer realm="gatehouse"')


# 9. no-store is decided on the matched route, not the path as spelt.

@pytest.mark.parametrize("path", ["//auth/login", "/%61uth/login", "/auth/%6Cogin"])
def test_odd_spellings_of_auth_paths_keep_no_store(sstack, path):
    s = sstack.session()
    prepared = requests.Request("POST", sstack.url("/auth/login"), json={"email": "x@example.com", "password": "x"}
                                ).prepare()
    prepared.url = sstack.url(path)  # requests would normalise %61 otherwise
    r = s.send(prepared)
    assert_problem(r, 401, "invalid_credentials")
    assert r.headers["Cache-Control"] == "no-store", path


# 5. A self-update of password or email needs the current password.

def test_self_update_of_password_or_email_needs_the_current_password(sstack, tmp_path):
    me = user_with_roles(sstack, tmp_path, ["user-manager"], {"user-manager": ["users:read", "users:write"]})
    s = sstack.session()
    url = sstack.url(f"/users/{me['id']}")
    new = "a brand new passphrase 42"
    assert error_fields(s.put(url, json={"password": new}, headers=me["headers"])) == {
        "current_password": "is required to change your own password or email"}
    assert error_fields(s.put(url, json={"password": new, "current_password": "wrong one"}, headers=me["headers"])) == {
        "current_password": "is wrong"}
    other_email = unique_email("moved")
    assert "current_password" in error_fields(s.put(url, json={"email": other_email}, headers=me["headers"]))
    # Name and profile need nothing more.
    assert s.put(url, json={"name": "Renamed"}, headers=me["headers"]).status_code == 200
    # Nothing changed: the old password still logs in.
    login(sstack, me["email"])
    r = s.put(url, json={"password": new, "email": other_email, "current_password": PASSWORD}, headers=me["headers"])
    assert r.status_code == 200, r.text
    login(sstack, other_email, new)


# 4. Moving or changing an assignment is a grant.

def test_moving_an_assignment_is_a_grant(sstack, tmp_path):
    boss = admin(sstack)
    api = sstack.session()
    api.headers.update(boss["headers"])
    for name, perms in {"zoneboss": ["zone:boss"], "field-engineer": ["field:manage"],
                        "user-manager": ["users:read", "users:write"],
                        "zone-manager": ["users:read", "users:write", "field:manage"]}.items():
        assert api.put(sstack.url(f"/roles/{name}"), json={"permissions": perms}).status_code in (200, 201)
    target = user_with_roles(sstack, tmp_path, [])
    base = sstack.url(f"/users/{target['id']}/assignments")
    r = api.post(base, json={"zone": "ZoneA", "department": "Ops", "role": "zoneboss"})
    assert r.status_code == 201, r.text
    assigned = r.json()

    manager = user_with_roles(sstack, tmp_path, ["user-manager"])
    m = sstack.session()
    m.headers.update(manager["headers"])
    assert_problem(m.post(base, json={"zone": "ZoneB", "department": "Ops", "role": "zoneboss"}), 403, "forbidden")
    for change in ({"zone": "ZoneB"}, {"department": "Elsewhere"}, {"active": False}, {"primary": True},
                   {"rules": {}}, {"role": "field-engineer"}):
        assert_problem(m.put(f"{base}/{assigned['id']}", json=change), 403, "forbidden")
    assert_problem(m.delete(f"{base}/{assigned['id']}"), 403, "forbidden")
    assert api.get(base).json()["items"] == [assigned]

    # A zoned manager hands out what it holds, in its own zone only.
    zoned = user_with_roles(sstack, tmp_path, [])
    r = api.post(sstack.url(f"/users/{zoned['id']}/assignments"),
                 json={"zone": "ZoneA", "department": "Office", "role": "zone-manager"})
    assert r.status_code == 201, r.text
    z = sstack.session()
    z.headers.update(bearer(login(sstack, zoned["email"])))
    other = user_with_roles(sstack, tmp_path, [])
    obase = sstack.url(f"/users/{other['id']}/assignments")
    r = z.post(obase, json={"zone": "ZoneA", "department": "Field", "role": "field-engineer"})
    assert r.status_code == 201, r.text
    mine = r.json()
    assert_problem(z.post(obase, json={"zone": "ZoneB", "department": "Field", "role": "field-engineer"}), 403,
                   "forbidden")
    assert_problem(z.put(f"{obase}/{mine['id']}", json={"zone": "ZoneB"}), 403, "forbidden")
    assert z.put(f"{obase}/{mine['id']}", json={"department": "Yard"}).status_code == 200
    assert z.delete(f"{obase}/{mine['id']}").status_code == 204


# 6. Removing permissions from a role, or deleting it, is held to the rule of granting them.

def test_roles_write_cannot_strip_or_delete_a_role_beyond_its_own_permissions(sstack, tmp_path):
    boss = admin(sstack)
    api = sstack.session()
    api.headers.update(boss["headers"])
    assert api.put(sstack.url("/roles/auditor"), json={"permissions": ["audit:read", "roles:write"]}).status_code in (
        200, 201)
    editor = user_with_roles(sstack, tmp_path, ["role-editor"], {"role-editor": ["roles:write"]})
    e = sstack.session()
    e.headers.update(editor["headers"])
    assert_problem(e.put(sstack.url("/roles/admin"), json={"permissions": []}), 403, "forbidden")
    assert_problem(e.put(sstack.url("/roles/auditor"), json={"permissions": ["roles:write"]}), 403, "forbidden")
    assert_problem(e.delete(sstack.url("/roles/admin")), 403, "forbidden")
    assert_problem(e.delete(sstack.url("/roles/auditor")), 403, "forbidden")
    assert api.get(sstack.url("/roles/admin")).json()["permissions"] == ["*:*"]
    assert sorted(api.get(sstack.url("/roles/auditor")).json()["permissions"]) == ["audit:read", "roles:write"]
    # Within what it holds, it may.
    assert e.put(sstack.url("/roles/scratch"), json={"permissions": ["roles:write"]}).status_code == 201
    assert e.put(sstack.url("/roles/scratch"), json={"permissions": []}).status_code == 200
    assert e.delete(sstack.url("/roles/scratch")).status_code == 204


# 7. HS256: a validly signed token with an absurd lifetime is refused, and no worker dies.

def test_hs256_tokens_longer_lived_than_configured_are_refused_and_workers_live(fresh_stack):
    secret = "a shared HS256 secret of 32 or more bytes for this test"
    stack = fresh_stack({"JWT_ALG": "HS256", "JWT_SECRET": secret, "REGISTRATION_OPEN": "true"})
    _, tokens = new_user(stack)
    claims = claims_of(tokens["access_token"])
    workers = stack.worker_pids()
    now = int(time.time())
    s = stack.session()
    for iat, exp in ((now, 2**63 - 1), (now, 2**63 - 61), (now, now + 900 + 61), (-(2**63) + 5, 2**63 - 1)):
        forged = jwt.encode({**claims, "iat": iat, "nbf": now, "exp": exp}, secret, algorithm="HS256")
        for _ in range(3):
            r = s.get(stack.url("/app/x"), headers={"Authorization": f"Bearer {forged}"})
            assert_problem(r, 401, "token_invalid")
    assert s.get(stack.url("/app/x"), headers=bearer(tokens)).status_code == 200
    assert stack.worker_pids() == workers


# 3. Nothing an unauthenticated caller sends is stored unbounded.

def test_identifiers_over_254_bytes_are_refused_before_any_write(sstack):
    tables = ("lockouts", "rate_limits", "audit_log", "password_reset_requests")
    before = table_counts(sstack, *tables)
    long = "a" * 243 + "@example.com"
    s = sstack.session()
    for body in ({"email": long, "password": "x"}, {"username": "u" * 60_000, "password": "x"}):
        r = s.post(sstack.url("/auth/login"), json=body)
        assert r.status_code == 422 and len(r.content) < 1000, r.text
    assert set(error_fields(s.post(sstack.url("/auth/password/forgot"), json={"email": long}))) == {"email"}
    assert table_counts(sstack, *tables) == before


def test_junk_logins_are_pruned_back_to_size_by_the_supervisor(fresh_stack):
    one_second = {f"RATE_LIMIT_{k}": "1000/1s" for k in ("LOGIN", "LOGIN_IDENTIFIER", "LOGIN_GLOBAL", "REGISTER",
                                                           "RESET", "REFRESH", "API", "MFA")}
    stack = fresh_stack({**one_second, "LOCKOUT_WINDOW": "1s", "LOCKOUT_DURATION": "1s", "LOCKOUT_MAX_DURATION": "1s",
                         "AUDIT_RETENTION": "1s", "PRUNE_INTERVAL": "1s"})
    tables = ("lockouts", "rate_limits", "audit_log", "password_reset_requests")
    before = table_counts(stack, *tables)
    s = stack.session()
    # The supervisor prunes every second while the junk arrives (25 logins take longer than that on a busy
    # machine), so the growth is the largest count seen along the way, not the count at the end.
    grown = dict(before)
    for i in range(25):
        junk = f"{i:03d}" + "j" * 239 + "@example.com"
        assert s.post(stack.url("/auth/login"), json={"email": junk, "password": "x"}).status_code == 401
        assert s.post(stack.url("/auth/password/forgot"), json={"email": junk}).status_code == 202
        grown = {t: max(grown[t], n) for t, n in table_counts(stack, *tables).items()}
    assert grown["lockouts"] > before["lockouts"] and grown["audit_log"] > before["audit_log"], (before, grown)
    deadline = time.time() + 20
    while time.time() < deadline:
        now = table_counts(stack, *tables)
        if all(now[t] <= before[t] for t in tables):
            break
        time.sleep(0.5)
    assert all(now[t] <= before[t] for t in tables), (before, grown, now)
    # The same on demand from the command line, which prints what it deleted per kind.
    out = stack.cli("prune")
    assert out.returncode == 0 and "rate_limits " in out.stdout and "audit_log " in out.stdout, out.stdout


# 12. Smaller ones.

def test_state_files_are_readable_by_their_owner_only(sstack):
    paths = [sstack.config]
    if sstack.backend == "sqlite":
        paths += [sstack.dir / "gatehouse.db", sstack.dir / "gatehouse.db-wal"]
    for path in paths:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_global_options_may_come_before_the_command(sstack):
    for args in (["--config", str(sstack.config), "check-config"], ["check-config", "--config", str(sstack.config)],
                 [f"--config={sstack.config}", "check-config"]):
        out = subprocess.run([sstack.bin, *args], capture_output=True, text=True)
        assert out.returncode == 0, (args, out.stderr)
        assert f"DATABASE_URL={sstack.setting('DATABASE_URL')}\n" in out.stdout
    out = subprocess.run([sstack.bin, "--config", str(sstack.config)], capture_output=True, text=True)
    assert out.returncode == 2 and "usage:" in out.stderr


def test_listen_off_loopback_is_refused_unless_allowed(sstack, tmp_path):
    config = tmp_path / "remote.env"
    config.write_text(sstack.config.read_text() + "LISTEN=0.0.0.0:9000\n")
    out = subprocess.run([sstack.bin, "check-config", "--config", str(config)], capture_output=True, text=True)
    assert out.returncode == 1 and "LISTEN" in out.stderr and "LISTEN_ALLOW_REMOTE" in out.stderr
    config.write_text(config.read_text() + "LISTEN_ALLOW_REMOTE=true\n")
    out = subprocess.run([sstack.bin, "check-config", "--config", str(config)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
