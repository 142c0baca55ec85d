"""SaaS clients, API keys, SDK sessions and internal key validation through nginx over HTTPS (API.md "SaaS clients").

The module's stack trusts no proxy, so its client address is nginx's REMOTE_ADDR, 127.0.0.1, whatever
X-Forwarded-For says. A second stack trusts 127.0.0.1 as a proxy, to reach the IPv6 allowlist through
X-Forwarded-For. Each stack runs four workers: "several requests" below means enough to reach every one.
"""
import re
import uuid
import zlib

import pytest

from conftest import Stack
from helpers import assert_problem, claims_of, error_fields

RELAXED = {"RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_API": "100000/1m",
           "RATE_LIMIT_REFRESH": "1000/1m"}
PASSWORD = "correct horse battery staple"
KEY = re.compile(r"^gh_([0-9A-Za-z]{12})_([0-9A-Za-z]{43})_([0-9A-Za-z]{6})$")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ORIGIN = "https://app.acme.example"
SEVERAL = 24


@pytest.fixture(scope="module")
def cstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("clients"), RELAXED)
    yield s
    s.stop()


def unique(tag):
    return f"{tag}-{uuid.uuid4().hex[:10]}"


def login(stack, email, password=PASSWORD):
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def session_with(stack, token=None):
    s = stack.session()
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


def make_admin(stack):
    email = f"{unique('admin')}@example.com"
    stack.cli("create-admin", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    return session_with(stack, login(stack, email)["access_token"])


@pytest.fixture(scope="module")
def admin(cstack):
    return make_admin(cstack)


@pytest.fixture(scope="module")
def roles(cstack, admin):
    """Two roles for end users: a small one and one that holds more than a client manager does."""
    small, big = unique("sdk-reader"), unique("sdk-writer")
    for name, permissions in ((small, ["docs:read"]), (big, ["docs:read", "docs:write", "users:delete"])):
        r = admin.post(cstack.url("/roles"), json={"name": name, "permissions": permissions})
        assert r.status_code == 201, r.text
    return small, big


def create_client(stack, api, **fields):
    body = {"name": unique("client"), "ip_allowlist": ["127.0.0.1/32"], "origin_allowlist": [ORIGIN],
            "roles_allowed": [], **fields}
    r = api.post(stack.url("/clients"), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def verify_key(stack, key, **headers):
    return stack.session().get(stack.url("/auth/verify"), headers={"X-API-Key": key, **headers})


def several(stack, key, expected, **headers):
    """Asks /auth/verify SEVERAL times (every worker) and asserts each status."""
    statuses = [verify_key(stack, key, **headers).status_code for _ in range(SEVERAL)]
    assert statuses == [expected] * SEVERAL, statuses


def base62(value, width):
    out = ""
    for _ in range(width):
        out = ALPHABET[value % 62] + out
        value //= 62
    return out


def with_checksum(body):
    return body + base62(zlib.crc32(body.encode()), 6)


# MARK: Clients


def test_create_shows_the_key_once_in_the_documented_format(cstack, admin):
    created = create_client(cstack, admin)
    key = created["api_key"]
    match = KEY.match(key)
    assert match, key
    kid, _, check = match.groups()
    # The check is six base62 characters of CRC-32 of everything before it.
    assert check == base62(zlib.crc32(key[:-6].encode()), 6)
    client = created["client"]
    assert set(client) == {"id", "name", "ip_allowlist", "origin_allowlist", "roles_allowed", "keys", "created_at",
                           "updated_at"}
    assert [(k["kid"], k["state"]) for k in client["keys"]] == [(kid, "primary")]
    assert client["keys"][0]["last_used_at"] is None
    # Never again: not in the one, not in the list.
    one = admin.get(cstack.url(f"/clients/{client['id']}"))
    assert one.status_code == 200 and key not in one.text and match.group(2) not in one.text
    assert one.json()["keys"] == client["keys"]
    listed = admin.get(cstack.url("/clients?limit=200"))
    assert listed.status_code == 200 and match.group(2) not in listed.text
    assert client["id"] in [c["id"] for c in listed.json()["items"]]
    # Only the HMAC of the secret is stored.
    rows = cstack.sql(f"SELECT secret_hash FROM api_keys WHERE kid = '{kid}'")
    assert len(rows) == 1 and match.group(2) not in str(rows[0][0])
    assert cstack.sql("SELECT count(*) FROM audit_log WHERE event = 'client.created'")[0][0] != "0"


def test_list_pages_with_a_cursor(cstack, admin):
    ids = {create_client(cstack, admin)["client"]["id"] for _ in range(3)}
    seen, cursor = [], None
    while True:
        r = admin.get(cstack.url("/clients"), params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        seen += [c["id"] for c in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))
    assert error_fields(admin.get(cstack.url("/clients?limit=500")))["limit"]


def test_validation_names_the_field(cstack, admin):
    u = cstack.url("/clients")
    assert "name" in error_fields(admin.post(u, json={"ip_allowlist": []}))
    fields = error_fields(admin.post(u, json={"name": "x", "ip_allowlist": ["10.0.0.0/8", "10.0.0.0/33", "nonsense"],
                                              "origin_allowlist": ["https://ok.example", "ftp://x", "https://a/b",
                                                                   "https://x.example/"],
                                              "roles_allowed": ["no-such-role-here"]}))
    assert set(fields) == {"ip_allowlist[1]", "ip_allowlist[2]", "origin_allowlist[1]", "origin_allowlist[2]",
                           "origin_allowlist[3]"}
    assert "roles_allowed[0]" in error_fields(admin.post(u, json={"name": "x", "roles_allowed": ["no-such-role"]}))
    fields = error_fields(admin.post(u, json={"name": "x", "ip_allowlist": ["2001:db8::/129", "::ffff:10.0.0.0/104"]}))
    assert set(fields) == {"ip_allowlist[0]"}
    assert_problem(admin.post(u, json={"name": 5}), 400, "invalid_request")
    assert_problem(admin.post(u, data="nope", headers={"Content-Type": "application/json"}), 400, "invalid_request")


def test_update_is_partial_and_takes_effect_at_once(cstack, admin):
    created = create_client(cstack, admin)
    cid, key = created["client"]["id"], created["api_key"]
    several(cstack, key, 204)
    r = admin.put(cstack.url(f"/clients/{cid}"), json={"ip_allowlist": ["192.0.2.0/24"]})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == created["client"]["name"]
    assert r.json()["origin_allowlist"] == [ORIGIN]
    # The cached validations went with the change: every worker refuses the old address now.
    for _ in range(SEVERAL):
        assert_problem(verify_key(cstack, key), 403, "ip_not_allowed")
    r = admin.put(cstack.url(f"/clients/{cid}"), json={"ip_allowlist": ["127.0.0.0/8"], "name": "Renamed"})
    assert r.json()["name"] == "Renamed"
    several(cstack, key, 204)
    assert "ip_allowlist[0]" in error_fields(admin.put(cstack.url(f"/clients/{cid}"), json={"ip_allowlist": ["x"]}))
    assert_problem(admin.put(cstack.url(f"/clients/{uuid.uuid4()}"), json={"name": "x"}), 404, "not_found")
    assert cstack.sql(f"SELECT count(*) FROM audit_log WHERE event = 'client.updated'")[0][0] != "0"


def test_routes_need_a_token_and_the_permissions(cstack, admin):
    u = cstack.url
    anonymous = cstack.session()
    assert_problem(anonymous.get(u("/clients")), 401, "token_missing")
    assert_problem(anonymous.post(u("/clients"), json={"name": "x"}), 401, "token_missing")
    email = f"{unique('plain')}@example.com"
    r = admin.post(u("/users"), json={"email": email, "password": PASSWORD, "name": "Plain"})
    assert r.status_code == 201, r.text
    plain = session_with(cstack, login(cstack, email)["access_token"])
    cid = create_client(cstack, admin)["client"]["id"]
    for r in (plain.get(u("/clients")), plain.get(u(f"/clients/{cid}")), plain.post(u("/clients"), json={"name": "x"}),
              plain.put(u(f"/clients/{cid}"), json={"name": "x"}), plain.delete(u(f"/clients/{cid}")),
              plain.post(u(f"/clients/{cid}/keys/rotate")), plain.delete(u(f"/clients/{cid}/keys/abc"))):
        assert_problem(r, 403, "forbidden")
    assert_problem(admin.get(u(f"/clients/{uuid.uuid4()}")), 404, "not_found")


def test_roles_allowed_never_exceed_the_caller(cstack, admin, roles):
    small, big = roles
    manager_role = unique("client-manager")
    r = admin.post(cstack.url("/roles"), json={"name": manager_role,
                                                "permissions": ["clients:read", "clients:write", "docs:read"]})
    assert r.status_code == 201, r.text
    email = f"{unique('manager')}@example.com"
    r = admin.post(cstack.url("/users"), json={"email": email, "password": PASSWORD, "name": "M",
                                                "roles": [manager_role]})
    assert r.status_code == 201, r.text
    manager = session_with(cstack, login(cstack, email)["access_token"])
    # What it holds it may hand to a client; what it does not, it may not.
    ok = create_client(cstack, manager, roles_allowed=[small])
    assert ok["client"]["roles_allowed"] == [small]
    body = assert_problem(manager.post(cstack.url("/clients"), json={"name": "x", "roles_allowed": [big]}), 403,
                          "forbidden")
    assert "docs:write" in body["detail"]
    assert_problem(manager.put(cstack.url(f"/clients/{ok['client']['id']}"), json={"roles_allowed": [small, big]}),
                   403, "forbidden")
    # A client an administrator gave the bigger role is out of its reach: no rotation (a key would be a way to
    # that role), no change, no deletion.
    strong = create_client(cstack, admin, roles_allowed=[big])["client"]["id"]
    for r in (manager.post(cstack.url(f"/clients/{strong}/keys/rotate")),
              manager.put(cstack.url(f"/clients/{strong}"), json={"ip_allowlist": ["0.0.0.0/0"]}),
              manager.delete(cstack.url(f"/clients/{strong}"))):
        assert_problem(r, 403, "forbidden")


# MARK: Keys


def test_garbage_and_bad_checksum_keys_are_token_invalid(cstack, admin):
    key = create_client(cstack, admin)["api_key"]
    kid, secret, check = KEY.match(key).groups()
    flipped = key[:-1] + ("A" if key[-1] != "A" else "B")
    other_secret = with_checksum(f"gh_{kid}_{'x' * 43}_")
    unknown_kid = with_checksum(f"gh_{'Z' * 12}_{secret}_")
    for bad in ("", "gh_", "Bearer abc", "gh_" + "a" * 300, flipped, key.lower(), key + "x", other_secret, unknown_kid):
        r = verify_key(cstack, bad)
        assert_problem(r, 401, "token_invalid")
        assert r.headers["x-gatehouse-error"] == "token_invalid"
    several(cstack, key, 204)


def test_verify_answers_with_the_client_and_protects_an_upstream(cstack, admin):
    created = create_client(cstack, admin)
    r = verify_key(cstack, created["api_key"])
    assert r.status_code == 204
    assert r.headers["x-client-id"] == created["client"]["id"]
    assert r.headers["x-client-name"] == created["client"]["name"]
    # A protected location lets the key through to its upstream, and refuses a bad one.
    assert cstack.session().get(cstack.url("/app/hello"), headers={"X-API-Key": created["api_key"]}).status_code == 200
    key = created["api_key"]
    wrong = key[:-1] + ("1" if key[-1] == "0" else "0")  # one character changed, whatever the last one was
    r = cstack.session().get(cstack.url("/app/hello"), headers={"X-API-Key": wrong})
    assert r.status_code == 401 and "path" not in r.text
    # A key carries no permissions: a location that requires one refuses it.
    r = cstack.session().get(cstack.url("/app/admin/x"), headers={"X-API-Key": created["api_key"]})
    assert r.status_code == 403 and "path" not in r.text
    assert_problem(verify_key(cstack, created["api_key"], **{"X-Required-Permission": "admin:access"}), 403,
                   "forbidden")
    assert verify_key(cstack, created["api_key"], **{"X-Required-Permission": ",,"}).status_code == 204
    # last_used_at is recorded (at most once a minute).
    one = admin.get(cstack.url(f"/clients/{created['client']['id']}")).json()
    assert one["keys"][0]["last_used_at"] is not None


def test_rotation_overlap_and_immediate_revocation_of_the_previous_secondary(cstack, admin):
    created = create_client(cstack, admin)
    cid, first = created["client"]["id"], created["api_key"]
    several(cstack, first, 204)  # cached on every worker
    r = admin.post(cstack.url(f"/clients/{cid}/keys/rotate"))
    assert r.status_code == 200, r.text
    second = r.json()["api_key"]
    assert KEY.match(second) and second != first
    several(cstack, second, 204)
    several(cstack, first, 204)  # the old primary is the secondary now, still valid
    keys = admin.get(cstack.url(f"/clients/{cid}")).json()["keys"]
    assert [k["state"] for k in keys] == ["primary", "secondary"]
    assert [k["kid"] for k in keys] == [KEY.match(second).group(1), KEY.match(first).group(1)]
    third = admin.post(cstack.url(f"/clients/{cid}/keys/rotate")).json()["api_key"]
    several(cstack, first, 401)  # the previous secondary: refused at once, everywhere
    several(cstack, second, 204)
    several(cstack, third, 204)
    assert cstack.sql("SELECT count(*) FROM audit_log WHERE event = 'client.key_rotated'")[0][0] != "0"


def test_revoking_a_key_is_refused_at_once_on_every_worker(cstack, admin):
    created = create_client(cstack, admin)
    cid, key = created["client"]["id"], created["api_key"]
    several(cstack, key, 204)
    kid = KEY.match(key).group(1)
    assert admin.delete(cstack.url(f"/clients/{cid}/keys/{kid}")).status_code == 204
    several(cstack, key, 401)
    assert_problem(admin.delete(cstack.url(f"/clients/{cid}/keys/{kid}")), 404, "not_found")
    assert admin.get(cstack.url(f"/clients/{cid}")).json()["keys"] == []
    assert cstack.sql("SELECT count(*) FROM audit_log WHERE event = 'client.key_revoked'")[0][0] != "0"


def test_allowlist_uses_the_real_address_and_ignores_a_spoofed_forwarded_for(cstack, admin):
    key = create_client(cstack, admin, ip_allowlist=["10.0.0.0/8"])["api_key"]
    for _ in range(SEVERAL):
        assert_problem(verify_key(cstack, key), 403, "ip_not_allowed")
        # nginx's peer (127.0.0.1) is no trusted proxy here: the header is the client's own claim.
        assert_problem(verify_key(cstack, key, **{"X-Forwarded-For": "10.1.2.3", "X-Real-IP": "10.1.2.3"}), 403,
                       "ip_not_allowed")
    empty = create_client(cstack, admin, ip_allowlist=[])["api_key"]
    assert_problem(verify_key(cstack, empty), 403, "ip_not_allowed")


def test_ipv4_and_ipv6_allowlists_behind_a_trusted_proxy(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("clients-proxy"), {**RELAXED, "TRUSTED_PROXIES": "127.0.0.1/32"})
    try:
        api = make_admin(stack)
        key = create_client(stack, api, ip_allowlist=["2001:db8::/32", "198.51.100.0/24"])["api_key"]
        for address, status in (("2001:db8::5", 204), ("2001:db8:ffff::1", 204), ("2001:db9::1", 403),
                                ("198.51.100.7", 204), ("::ffff:198.51.100.7", 204), ("198.51.101.7", 403),
                                ("garbage", 403)):
            r = verify_key(stack, key, **{"X-Forwarded-For": address})
            assert r.status_code == status, (address, r.status_code, r.text)
        assert_problem(verify_key(stack, key), 403, "ip_not_allowed")  # 127.0.0.1 itself is not allowed
    finally:
        stack.stop()


def test_ip_whitelist_disabled_turns_the_allowlist_off(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("clients-open"), {**RELAXED, "IP_WHITELIST_ENABLED": "false"})
    try:
        api = make_admin(stack)
        key = create_client(stack, api, ip_allowlist=[])["api_key"]
        assert verify_key(stack, key).status_code == 204
    finally:
        stack.stop()


# MARK: SDK sessions


def sdk_session(stack, key, **body):
    return stack.session().post(stack.url("/sdk/session"), headers={"X-API-Key": key}, json=body)


def test_sdk_session_creates_the_end_user_once_and_carries_tenant_and_ext(cstack, admin, roles):
    small, big = roles
    created = create_client(cstack, admin, roles_allowed=[small])
    cid, key = created["client"]["id"], created["api_key"]
    ext = unique("ext")
    r = sdk_session(cstack, key, external_user_id=ext, email="End.User@Example.com", name="End User", roles=[small])
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert set(tokens) >= {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in", "user"}
    claims = claims_of(tokens["access_token"])
    assert claims["tenant"] == cid and claims["ext"] == ext
    assert claims["roles"] == [small] and claims["permissions"] == ["docs:read"]
    assert claims["email"] == "end.user@example.com" and tokens["user"]["email"] == "end.user@example.com"
    again = sdk_session(cstack, key, external_user_id=ext).json()
    assert claims_of(again["access_token"])["sub"] == claims["sub"]
    assert claims_of(again["access_token"])["roles"] == [small]
    # Roles outside roles_allowed: 403, nothing created.
    assert_problem(sdk_session(cstack, key, external_user_id=unique("ext"), roles=[big]), 403, "forbidden")
    assert_problem(sdk_session(cstack, key, external_user_id=unique("ext"), roles=["admin"]), 403, "forbidden")
    # Validation and key errors.
    assert "external_user_id" in error_fields(sdk_session(cstack, key, external_user_id=""))
    assert "email" in error_fields(sdk_session(cstack, key, external_user_id="x", email="nope"))
    assert "external_user_id" in error_fields(sdk_session(cstack, key))
    assert_problem(sdk_session(cstack, key, external_user_id=5), 400, "invalid_request")
    assert_problem(cstack.session().post(cstack.url("/sdk/session"), json={"external_user_id": "x"}), 401,
                   "token_missing")
    assert_problem(sdk_session(cstack, key[:-1] + ("A" if key[-1] != "A" else "B"), external_user_id="x"), 401,
                   "token_invalid")
    outside = create_client(cstack, admin, ip_allowlist=["10.0.0.0/8"])["api_key"]
    assert_problem(sdk_session(cstack, outside, external_user_id="x"), 403, "ip_not_allowed")
    # The session works at /auth/verify, refreshes and logs out through /sdk.
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert cstack.session().get(cstack.url("/auth/verify"), headers=access).status_code == 204
    r = cstack.session().post(cstack.url("/sdk/refresh"), json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    refreshed = r.json()
    assert claims_of(refreshed["access_token"])["tenant"] == cid
    r = cstack.session().post(cstack.url("/sdk/logout"), headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert r.status_code == 204
    assert_problem(cstack.session().get(cstack.url("/auth/verify"), headers=access), 401, "token_revoked")


def test_sdk_token_from_a_foreign_origin_is_refused(cstack, admin):
    key = create_client(cstack, admin)["api_key"]
    tokens = sdk_session(cstack, key, external_user_id=unique("ext")).json()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    verify = cstack.url("/auth/verify")
    assert cstack.session().get(verify, headers={**access, "Origin": ORIGIN}).status_code == 204
    for origin in ("https://evil.example", cstack.setting("ALLOWED_ORIGINS"), ORIGIN + ":444"):
        assert_problem(cstack.session().get(verify, headers={**access, "Origin": origin}), 403, "origin_not_allowed")
    assert cstack.session().get(verify, headers=access).status_code == 204  # no Origin: a server, not a browser
    assert_problem(cstack.session().get(cstack.url("/auth/me"), headers={**access, "Origin": "https://evil.example"}),
                   403, "origin_not_allowed")


def test_end_users_are_separate_per_client_and_hidden_from_the_user_list(cstack, admin):
    a = create_client(cstack, admin)
    b = create_client(cstack, admin)
    ext = unique("shared-ext")
    ua = claims_of(sdk_session(cstack, a["api_key"], external_user_id=ext).json()["access_token"])["sub"]
    ub = claims_of(sdk_session(cstack, b["api_key"], external_user_id=ext).json()["access_token"])["sub"]
    assert ua != ub
    everyone = []
    cursor = None
    while True:
        r = admin.get(cstack.url("/users"), params={"limit": 200, **({"cursor": cursor} if cursor else {})})
        everyone += [u["id"] for u in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ua not in everyone and ub not in everyone
    assert [u["id"] for u in admin.get(cstack.url(f"/users?tenant={a['client']['id']}")).json()["items"]] == [ua]
    assert [u["id"] for u in admin.get(cstack.url(f"/users?tenant={b['client']['id']}")).json()["items"]] == [ub]
    # An end user never signs in by password, whatever email it was given.
    email = f"{unique('end')}@example.com"
    sdk_session(cstack, a["api_key"], external_user_id=unique("ext"), email=email)
    r = cstack.session().post(cstack.url("/auth/login"), json={"email": email, "password": PASSWORD})
    assert_problem(r, 401, "invalid_credentials")


def test_deleting_a_client_revokes_its_keys_and_its_end_users_sessions(cstack, admin):
    created = create_client(cstack, admin)
    cid, key = created["client"]["id"], created["api_key"]
    tokens = sdk_session(cstack, key, external_user_id=unique("ext")).json()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    several(cstack, key, 204)
    assert cstack.session().get(cstack.url("/auth/verify"), headers=access).status_code == 204
    assert admin.delete(cstack.url(f"/clients/{cid}")).status_code == 204
    several(cstack, key, 401)
    assert cstack.session().get(cstack.url("/auth/verify"), headers=access).status_code == 401
    r = cstack.session().post(cstack.url("/sdk/refresh"), json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401
    assert_problem(admin.get(cstack.url(f"/clients/{cid}")), 404, "not_found")
    assert_problem(admin.delete(cstack.url(f"/clients/{cid}")), 404, "not_found")
    assert cstack.sql("SELECT count(*) FROM audit_log WHERE event = 'client.deleted'")[0][0] != "0"


# MARK: Internal validation


def test_internal_validate_api_key(cstack, admin):
    created = create_client(cstack, admin, ip_allowlist=["10.0.0.0/8", "2001:db8::/32"])
    cid, key = created["client"]["id"], created["api_key"]
    u = cstack.url("/internal/validate-api-key")
    secret = cstack.setting("SERVICE_SECRET")
    service = {"X-Service-Token": secret}
    s = cstack.session()
    r = s.post(u, headers=service, json={"api_key": key, "ip": "10.2.3.4"})
    assert r.status_code == 200 and r.json() == {"valid": True, "client_id": cid}
    assert s.post(u, headers=service, json={"api_key": key, "ip": "2001:db8::9"}).json()["valid"] is True
    assert s.post(u, headers=service, json={"api_key": key, "ip": "192.0.2.1"}).json() == {
        "valid": False, "client_id": cid, "code": "ip_not_allowed"}
    assert s.post(u, headers=service, json={"api_key": "gh_nope", "ip": "10.2.3.4"}).json() == {
        "valid": False, "client_id": None, "code": "token_invalid"}
    assert "ip" in error_fields(s.post(u, headers=service, json={"api_key": key}))
    assert "ip" in error_fields(s.post(u, headers=service, json={"api_key": key, "ip": "not-an-ip"}))
    assert_problem(s.post(u, json={"api_key": key, "ip": "10.2.3.4"}), 401, "token_missing")
    assert_problem(s.post(u, headers={"X-Service-Token": secret[:-1] + "x"}, json={"api_key": key, "ip": "10.2.3.4"}),
                   401, "token_invalid")
    assert_problem(s.post(u, headers={"X-Service-Token": "short"}, json={"api_key": key, "ip": "10.2.3.4"}), 401,
                   "token_invalid")
