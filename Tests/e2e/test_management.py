"""Management routes through nginx over HTTPS: users, assignments, roles, permissions and the audit log.

The module runs its own stack with relaxed login rate limits (it logs in more often than the default 20 a
minute allows) and gives every test its own users (unique emails).
"""
import uuid

import pytest

from conftest import Stack
from helpers import assert_problem, error_fields

RELAXED = {"RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_API": "100000/1m"}
PASSWORD = "correct horse battery staple"
USER_KEYS = {"id", "email", "name", "roles", "is_active", "profile", "created_at", "updated_at"}
ASSIGNMENT_KEYS = {"id", "zone", "department", "role", "primary", "active", "rules"}
AGENT = "gatehouse-e2e/management"


@pytest.fixture(scope="module")
def mstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("management"), RELAXED)
    yield s
    s.stop()


def unique_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def login(stack, email, password=PASSWORD):
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def client(stack, token=None):
    s = stack.session()
    s.headers["User-Agent"] = AGENT
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


def make_admin(stack):
    email = unique_email("admin")
    stack.cli("create-admin", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    tokens = login(stack, email)
    return {"email": email, "id": tokens["user"]["id"], "token": tokens["access_token"]}


@pytest.fixture(scope="module")
def admin(mstack):
    return make_admin(mstack)


@pytest.fixture(scope="module")
def api(mstack, admin):
    return client(mstack, admin["token"])


def create_user(stack, api, **fields):
    body = {"email": unique_email(), "password": PASSWORD, "name": "Test User"} | fields
    r = api.post(stack.url("/users"), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def ensure_role(stack, api, name, permissions):
    r = api.put(stack.url(f"/roles/{name}"), json={"permissions": permissions})
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope="module")
def plain(mstack, api):
    """A user without management permissions, logged in."""
    ensure_role(mstack, api, "reader", ["read:data"])
    user = create_user(mstack, api, roles=["reader"], name="Plain User")
    tokens = login(mstack, user["email"])
    return {"user": user, "token": tokens["access_token"], "api": client(mstack, tokens["access_token"])}




def walk(stack, api, path, limit, **params):
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        r = api.get(stack.url(path), params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


# MARK: The whole flow


def test_create_admin_then_users_crud(mstack):
    admin = make_admin(mstack)
    api = client(mstack, admin["token"])
    url = mstack.url

    # Create: the exact user object, email normalised, password hashed (login works), roles granted.
    ensure_role(mstack, api, "viewer", ["read:data"])
    email = unique_email("Crud")
    r = api.post(url("/users"), json={"email": f"  {email.upper()} ", "password": PASSWORD, "name": " Ada ",
                                      "roles": ["viewer"], "is_active": True})
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == USER_KEYS
    assert created["email"] == email.lower() and created["name"] == "Ada"
    assert created["roles"] == ["viewer"] and created["is_active"] is True and created["profile"] == {}
    assert created["created_at"].endswith("Z") and uuid.UUID(created["id"]).hex
    assert r.headers["cache-control"] == "no-store"
    others = [create_user(mstack, api, name=f"Crud Other {i}") for i in range(3)]

    # List and page: every created user appears once.
    items, pages = walk(mstack, api, "/users", 2)
    ids = [u["id"] for u in items]
    assert len(ids) == len(set(ids))
    assert {created["id"], *(o["id"] for o in others)} <= set(ids)
    assert pages >= 3
    assert all(set(u) == USER_KEYS for u in items)

    # Read.
    r = api.get(url(f"/users/{created['id']}"))
    assert r.status_code == 200 and r.json() == created

    # Update: partial, omitted fields keep their value.
    r = api.put(url(f"/users/{created['id']}"), json={"name": "Ada Lovelace", "profile": {"team": "engines"}})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["name"] == "Ada Lovelace" and updated["profile"] == {"team": "engines"}
    assert updated["email"] == created["email"] and updated["roles"] == ["viewer"] and updated["is_active"] is True

    # Deactivate: the user's live access token is refused at /auth/verify, and login answers account_disabled.
    user_token = login(mstack, created["email"])["access_token"]
    r = mstack.session().get(url("/auth/verify"), headers={"Authorization": f"Bearer {user_token}"})
    assert r.status_code == 204
    r = api.put(url(f"/users/{created['id']}"), json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["name"] == "Ada Lovelace"
    r = mstack.session().get(url("/auth/verify"), headers={"Authorization": f"Bearer {user_token}"})
    assert_problem(r, 401, "token_revoked")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    r = mstack.session().post(url("/auth/login"), json={"email": created["email"], "password": PASSWORD})
    assert_problem(r, 403, "account_disabled")

    # Delete, then it is gone.
    r = api.delete(url(f"/users/{created['id']}"))
    assert r.status_code == 204 and r.content == b""
    assert_problem(api.get(url(f"/users/{created['id']}")), 404, "not_found")
    assert_problem(api.delete(url(f"/users/{created['id']}")), 404, "not_found")
    items, _ = walk(mstack, api, "/users", 200)
    assert created["id"] not in {u["id"] for u in items}


# MARK: Users


def test_paging_walks_every_user_once(mstack, api):
    tag = uuid.uuid4().hex[:8]
    made = {create_user(mstack, api, name=f"Pager {tag} {i}")["id"] for i in range(7)}
    items, pages = walk(mstack, api, "/users", 3, q=tag.upper())
    assert {u["id"] for u in items} == made and len(items) == 7 and pages == 3
    everyone, _ = walk(mstack, api, "/users", 4)
    ids = [u["id"] for u in everyone]
    assert len(ids) == len(set(ids)) and made <= set(ids)
    one_page = api.get(mstack.url("/users"), params={"limit": 200}).json()
    assert len(one_page["items"]) == min(200, len(ids))
    default = api.get(mstack.url("/users")).json()
    assert len(default["items"]) == min(50, len(ids))


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1.5"])
def test_bad_limit_is_422(mstack, api, limit):
    r = api.get(mstack.url("/users"), params={"limit": limit})
    assert "limit" in error_fields(r)


def test_bad_cursor_is_422(mstack, api):
    r = api.get(mstack.url("/users"), params={"cursor": "not-a-cursor"})
    assert "cursor" in error_fields(r)


def test_create_user_validation(mstack, api):
    url = mstack.url("/users")
    r = api.post(url, json={"email": "not-an-email", "password": "short", "name": "x" * 201,
                            "roles": ["ghost-b", "ghost-a"]})
    fields = error_fields(r)
    assert set(fields) == {"email", "password", "name", "roles"}
    assert fields["roles"] == "unknown roles: ghost-a, ghost-b"
    email = unique_email()
    assert "password" in error_fields(api.post(url, json={"email": email, "password": email}))
    assert "password" in error_fields(api.post(url, json={"email": email, "password": "password123"}))
    assert error_fields(api.post(url, json={"password": PASSWORD})) == {"email": "is required"}
    # The wrong JSON type is a 400, other media types 415, a non-object body 400.
    body = assert_problem(api.post(url, json={"email": email, "roles": "viewer"}), 400, "invalid_request")
    assert body["errors"][0]["field"] == "roles"
    assert_problem(api.post(url, json={"email": email, "profile": [1, 2]}), 400, "invalid_request")
    assert_problem(api.post(url, json={"email": email, "is_active": "yes"}), 400, "invalid_request")
    assert_problem(api.post(url, data="email=x", headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   415, "unsupported_media_type")
    assert_problem(api.post(url, data="[1]", headers={"Content-Type": "application/json"}), 400, "invalid_request")
    assert_problem(api.post(url, data="{", headers={"Content-Type": "application/json"}), 400, "invalid_request")
    # Nothing was created by any of those.
    assert api.get(url, params={"q": email}).json()["items"] == []


def test_duplicate_email_is_409_after_normalisation(mstack, api):
    user = create_user(mstack, api)
    r = api.post(mstack.url("/users"), json={"email": " " + user["email"].upper(), "password": PASSWORD})
    assert_problem(r, 409, "conflict")
    other = create_user(mstack, api)
    r = api.put(mstack.url(f"/users/{other['id']}"), json={"email": user["email"].upper()})
    assert_problem(r, 409, "conflict")
    assert api.get(mstack.url(f"/users/{other['id']}")).json()["email"] == other["email"]


def test_user_without_password_cannot_log_in_until_one_is_set(mstack, api):
    r = api.post(mstack.url("/users"), json={"email": unique_email("nopw")})
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["name"] == "" and user["roles"] == [] and user["is_active"] is True
    r = mstack.session().post(mstack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
    assert_problem(r, 401, "invalid_credentials")
    assert api.put(mstack.url(f"/users/{user['id']}"), json={"password": PASSWORD}).status_code == 200
    login(mstack, user["email"])


def test_admin_password_change_revokes_sessions(mstack, api):
    user = create_user(mstack, api)
    token = login(mstack, user["email"])["access_token"]
    r = api.put(mstack.url(f"/users/{user['id']}"), json={"password": "short"})
    assert "password" in error_fields(r)
    r = api.put(mstack.url(f"/users/{user['id']}"), json={"password": "a brand new passphrase"})
    assert r.status_code == 200
    r = mstack.session().get(mstack.url("/auth/verify"), headers={"Authorization": f"Bearer {token}"})
    assert_problem(r, 401, "token_revoked")
    login(mstack, user["email"], "a brand new passphrase")


def test_update_roles_and_reactivate(mstack, api):
    ensure_role(mstack, api, "viewer", ["read:data"])
    ensure_role(mstack, api, "editor", ["write:data"])
    user = create_user(mstack, api, roles=["viewer"], is_active=False)
    assert user["is_active"] is False
    r = api.put(mstack.url(f"/users/{user['id']}"), json={"roles": ["editor", "viewer"], "is_active": True})
    assert r.status_code == 200 and r.json()["roles"] == ["editor", "viewer"] and r.json()["is_active"] is True
    assert "roles" in error_fields(api.put(mstack.url(f"/users/{user['id']}"), json={"roles": ["nope"]}))
    assert error_fields(api.put(mstack.url(f"/users/{user['id']}"), json={"email": "bad"})) == {
        "email": "must be an email address"}
    assert "name" in error_fields(api.put(mstack.url(f"/users/{user['id']}"), json={"name": "  "}))
    # Nothing changed by the refused updates; null means "keep".
    r = api.put(mstack.url(f"/users/{user['id']}"), json={"roles": None, "name": None})
    assert r.status_code == 200 and r.json()["roles"] == ["editor", "viewer"] and r.json()["name"] == user["name"]


def test_unknown_and_malformed_ids_are_404(mstack, api):
    for uid in (str(uuid.uuid4()), "not-a-uuid", "me"):
        assert_problem(api.get(mstack.url(f"/users/{uid}")), 404, "not_found")
        assert_problem(api.put(mstack.url(f"/users/{uid}"), json={"name": "X"}), 404, "not_found")
        assert_problem(api.delete(mstack.url(f"/users/{uid}")), 404, "not_found")
        assert_problem(api.get(mstack.url(f"/users/{uid}/assignments")), 404, "not_found")
        assert_problem(api.get(mstack.url(f"/permissions/user/{uid}")), 404, "not_found")


def test_admin_cannot_delete_or_deactivate_themselves(mstack, api, admin):
    body = assert_problem(api.delete(mstack.url(f"/users/{admin['id']}")), 409, "conflict")
    assert "your own account" in body["detail"]
    assert_problem(api.put(mstack.url(f"/users/{admin['id']}"), json={"is_active": False}), 409, "conflict")
    assert api.get(mstack.url(f"/users/{admin['id']}")).json()["is_active"] is True


def test_delete_revokes_the_users_sessions(mstack, api):
    user = create_user(mstack, api)
    token = login(mstack, user["email"])["access_token"]
    assert api.delete(mstack.url(f"/users/{user['id']}")).status_code == 204
    r = mstack.session().get(mstack.url("/auth/verify"), headers={"Authorization": f"Bearer {token}"})
    assert_problem(r, 401, "token_revoked")


def test_self_read_and_update(mstack, plain):
    me, me_api = plain["user"], plain["api"]
    r = me_api.get(mstack.url(f"/users/{me['id']}"))
    assert r.status_code == 200 and set(r.json()) == USER_KEYS and r.json()["email"] == me["email"]
    r = me_api.put(mstack.url(f"/users/{me['id']}"), json={"name": "Renamed Self", "profile": {"lang": "en"}})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Renamed Self" and r.json()["profile"] == {"lang": "en"}
    assert r.json()["roles"] == ["reader"]
    for field, value in (("roles", ["reader"]), ("roles", []), ("is_active", True), ("email", unique_email()),
                         ("password", "another good passphrase")):
        r = me_api.put(mstack.url(f"/users/{me['id']}"), json={"name": "Sneaky", field: value})
        body = assert_problem(r, 403, "forbidden")
        assert field in body["detail"]
    r = me_api.get(mstack.url(f"/users/{me['id']}"))
    assert r.json()["name"] == "Renamed Self" and r.json()["roles"] == ["reader"]


def test_non_admin_gets_403_on_management_routes(mstack, api, plain):
    other = create_user(mstack, api)
    me = plain["api"]
    u = mstack.url
    calls = [
        me.get(u("/users")),
        me.post(u("/users"), json={"email": unique_email(), "password": PASSWORD}),
        me.get(u(f"/users/{other['id']}")),
        me.put(u(f"/users/{other['id']}"), json={"name": "Hijacked"}),
        me.delete(u(f"/users/{other['id']}")),
        me.delete(u(f"/users/{plain['user']['id']}")),
        me.get(u(f"/users/{other['id']}/assignments")),
        me.post(u(f"/users/{plain['user']['id']}/assignments"), json={"zone": "Z", "department": "D", "role": "reader"}),
        me.put(u(f"/users/{other['id']}/assignments/{uuid.uuid4()}"), json={}),
        me.delete(u(f"/users/{other['id']}/assignments/{uuid.uuid4()}")),
        me.get(u("/roles")),
        me.post(u("/roles"), json={"name": "sneaky", "permissions": ["*:*"]}),
        me.get(u("/roles/reader")),
        me.put(u("/roles/reader"), json={"permissions": ["*:*"]}),
        me.delete(u("/roles/reader")),
        me.get(u(f"/permissions/user/{other['id']}")),
        me.post(u("/permissions/check"), json={"permission": "read:data", "user_id": other["id"]}),
        me.get(u("/audit")),
    ]
    for r in calls:
        body = assert_problem(r, 403, "forbidden")
        assert body["detail"]
    assert api.get(u(f"/users/{other['id']}")).json()["name"] == other["name"]
    assert api.get(u("/roles/reader")).json()["permissions"] == ["read:data"]


ROUTES = [
    ("GET", "/users"), ("POST", "/users"), ("GET", "/users/x"), ("PUT", "/users/x"), ("DELETE", "/users/x"),
    ("GET", "/users/x/assignments"), ("POST", "/users/x/assignments"), ("PUT", "/users/x/assignments/y"),
    ("DELETE", "/users/x/assignments/y"), ("GET", "/roles"), ("POST", "/roles"), ("GET", "/roles/r"),
    ("PUT", "/roles/r"), ("DELETE", "/roles/r"), ("GET", "/permissions/user/x"), ("POST", "/permissions/check"),
    ("GET", "/permissions/context/z/d"), ("GET", "/audit"),
]


@pytest.mark.parametrize("method,path", ROUTES)
def test_routes_need_an_access_token(mstack, method, path):
    r = mstack.session().request(method, mstack.url(path), json={})
    assert_problem(r, 401, "token_missing")
    assert r.headers["www-authenticate"].startswith('Bearer realm="gatehouse"')
    r = mstack.session().request(method, mstack.url(path), json={}, headers={"Authorization": "Bearer not.a.token"})
    assert_problem(r, 401, "token_invalid")
    assert r.headers["www-authenticate"] == 'Bearer realm="gatehouse", error="invalid_token"'


@pytest.mark.parametrize("method,path,allow", [
    ("PATCH", "/users", {"GET", "HEAD", "POST"}),
    ("POST", "/users/x", {"GET", "HEAD", "PUT", "DELETE"}),
    ("PATCH", "/users/x/assignments", {"GET", "HEAD", "POST"}),
    ("GET", "/users/x/assignments/y", {"PUT", "DELETE"}),
    ("DELETE", "/roles", {"GET", "HEAD", "POST"}),
    ("POST", "/roles/r", {"GET", "HEAD", "PUT", "DELETE"}),
    ("GET", "/permissions/check", {"POST"}),
    ("POST", "/permissions/user/x", {"GET", "HEAD"}),
    ("DELETE", "/audit", {"GET", "HEAD"}),
])
def test_wrong_method_is_405_with_allow(mstack, api, method, path, allow):
    r = api.request(method, mstack.url(path))
    assert_problem(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].split(", ")) == allow


# MARK: Roles


def test_roles_crud(mstack, api):
    name = f"role-{uuid.uuid4().hex[:8]}"
    u = mstack.url
    r = api.post(u("/roles"), json={"name": name, "description": "Reads things",
                                    "permissions": ["read:data", "user:read", "read:data"]})
    assert r.status_code == 201, r.text
    assert r.json() == {"name": name, "description": "Reads things", "permissions": ["read:data", "user:read"]}
    assert_problem(api.post(u("/roles"), json={"name": name, "permissions": []}), 409, "conflict")
    assert api.get(u(f"/roles/{name}")).json() == r.json()
    r = api.post(u("/roles"), json={"name": name + "-b", "permissions": []})
    assert r.status_code == 201 and r.json() == {"name": name + "-b", "description": "", "permissions": []}

    # PUT replaces the whole role (200), or creates it (201).
    r = api.put(u(f"/roles/{name}"), json={"permissions": ["assets:*"]})
    assert r.status_code == 200 and r.json() == {"name": name, "description": "", "permissions": ["assets:*"]}
    r = api.put(u(f"/roles/{name}-c"), json={"name": f"{name}-c", "description": "New", "permissions": ["*:*"]})
    assert r.status_code == 201 and r.json()["permissions"] == ["*:*"]

    names = [role["name"] for role in walk(mstack, api, "/roles", 2)[0]]
    assert names == sorted(names) and len(names) == len(set(names))
    assert {name, name + "-b", name + "-c"} <= set(names)

    for n in (name, name + "-b", name + "-c"):
        assert api.delete(u(f"/roles/{n}")).status_code == 204
    assert_problem(api.get(u(f"/roles/{name}")), 404, "not_found")
    assert_problem(api.delete(u(f"/roles/{name}")), 404, "not_found")


def test_role_validation(mstack, api):
    u = mstack.url
    fields = error_fields(api.post(u("/roles"), json={"name": "Bad Name", "permissions": ["read:data", "nocolon",
                                                                                            "a:b:c", ":x"]}))
    assert set(fields) == {"name", "permissions[1]", "permissions[2]", "permissions[3]"}
    for bad in ("", "UPPER", "x" * 65, "dots.no", "slash/no"):
        r = api.post(u("/roles"), json={"name": bad, "permissions": []})
        assert "name" in error_fields(r), bad
    assert error_fields(api.post(u("/roles"), json={"name": "ok"})) == {"permissions": "is required"}
    assert_problem(api.post(u("/roles"), json={"name": "ok", "permissions": "read:data"}), 400, "invalid_request")
    assert "description" in error_fields(api.post(u("/roles"), json={"name": "ok", "description": "d" * 501,
                                                                        "permissions": []}))
    assert "name" in error_fields(api.put(u("/roles/BAD"), json={"permissions": []}))
    assert "name" in error_fields(api.put(u("/roles/some-role"), json={"name": "other", "permissions": []}))
    assert "permissions[0]" in error_fields(api.put(u("/roles/some-role"), json={"permissions": ["bad perm"]}))
    assert_problem(api.get(u("/roles/some-role")), 404, "not_found")
    assert_problem(api.get(u("/roles/ok")), 404, "not_found")


# MARK: Assignments


def test_assignments_crud(mstack, api):
    ensure_role(mstack, api, "field-engineer", ["field:manage"])
    ensure_role(mstack, api, "viewer", ["read:data"])
    user = create_user(mstack, api)
    base = mstack.url(f"/users/{user['id']}/assignments")
    assert api.get(base).json() == {"items": [], "next_cursor": None}

    r = api.post(base, json={"zone": "ZoneA", "department": "FieldTeam", "role": "field-engineer",
                             "rules": {"hours": {"tz": "Europe/Berlin", "days": ["mon", "fri"],
                                                       "from": "08:00", "to": "18:00"}}})
    assert r.status_code == 201, r.text
    first = r.json()
    assert set(first) == ASSIGNMENT_KEYS
    assert first["primary"] is True and first["active"] is True and first["rules"] == {"hours": {
        "tz": "Europe/Berlin", "days": ["mon", "fri"], "from": "08:00", "to": "18:00"}}
    r = api.post(base, json={"zone": "ZoneB", "department": "Office", "role": "viewer"})
    second = r.json()
    assert r.status_code == 201 and second["primary"] is False and second["rules"] == {}

    # One primary: making the second primary clears the first.
    r = api.post(base, json={"zone": "ZoneC", "department": "Office", "role": "viewer", "primary": True,
                             "active": False})
    third = r.json()
    assert third["primary"] is True and third["active"] is False
    items = api.get(base).json()["items"]
    assert [a["id"] for a in items if a["primary"]] == [third["id"]] and len(items) == 3

    # Partial update.
    r = api.put(f"{base}/{first['id']}", json={"primary": True, "role": "viewer"})
    assert r.status_code == 200, r.text
    assert r.json() == first | {"primary": True, "role": "viewer"}
    items = api.get(base).json()["items"]
    assert [a["id"] for a in items if a["primary"]] == [first["id"]]
    assert items[0]["id"] == first["id"]

    # Errors.
    assert_problem(api.post(base, json={"zone": "ZoneA", "department": "FieldTeam", "role": "viewer"}), 409, "conflict")
    assert_problem(api.put(f"{base}/{second['id']}", json={"zone": "ZoneA", "department": "FieldTeam"}), 409,
                   "conflict")
    assert error_fields(api.post(base, json={"zone": "Z", "department": "D", "role": "ghost"})) == {
        "role": "unknown role: ghost"}
    assert set(error_fields(api.post(base, json={"role": "viewer"}))) == {"zone", "department"}
    assert set(error_fields(api.post(base, json={"zone": " ", "department": "a/b", "role": "viewer"}))) == {
        "zone", "department"}
    assert "role" in error_fields(api.put(f"{base}/{second['id']}", json={"role": "ghost"}))
    body = assert_problem(api.post(base, json={"zone": "Z", "department": "D", "role": "viewer", "rules": "x"}),
                          400, "invalid_request")
    assert body["errors"] == [{"field": "rules", "message": "must be an object"}]
    assert_problem(api.put(f"{base}/{second['id']}", json={"rules": [1]}), 400, "invalid_request")
    assert_problem(api.put(f"{base}/{uuid.uuid4()}", json={"active": False}), 404, "not_found")
    other = create_user(mstack, api)
    assert_problem(api.put(mstack.url(f"/users/{other['id']}/assignments/{first['id']}"), json={}), 404, "not_found")
    assert_problem(api.delete(mstack.url(f"/users/{other['id']}/assignments/{first['id']}")), 404, "not_found")

    # Delete.
    assert api.delete(f"{base}/{second['id']}").status_code == 204
    assert_problem(api.delete(f"{base}/{second['id']}"), 404, "not_found")
    assert {a["id"] for a in api.get(base).json()["items"]} == {first["id"], third["id"]}


# MARK: Permissions


@pytest.fixture(scope="module")
def assigned(mstack, api):
    """A user with the global role `reader` (read:data), an active primary assignment in ZoneA/FieldTeam as
    field-engineer (field:manage) and an inactive one in ZoneB/Office as auditor (audit:read)."""
    ensure_role(mstack, api, "reader", ["read:data"])
    ensure_role(mstack, api, "field-engineer", ["field:manage"])
    ensure_role(mstack, api, "auditor", ["audit:read"])
    user = create_user(mstack, api, roles=["reader"])
    base = mstack.url(f"/users/{user['id']}/assignments")
    a = api.post(base, json={"zone": "ZoneA", "department": "FieldTeam", "role": "field-engineer"}).json()
    b = api.post(base, json={"zone": "ZoneB", "department": "Office", "role": "auditor", "active": False}).json()
    tokens = login(mstack, user["email"])
    return {"user": user, "a": a, "b": b, "api": client(mstack, tokens["access_token"])}


def test_effective_permissions_of_a_user(mstack, api, assigned):
    user, a, b = assigned["user"], assigned["a"], assigned["b"]
    r = api.get(mstack.url(f"/permissions/user/{user['id']}"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "user_id": user["id"],
        "global": {"roles": ["reader"], "permissions": ["read:data"]},
        "assignments": [
            {"id": a["id"], "zone": "ZoneA", "department": "FieldTeam", "role": "field-engineer", "primary": True,
             "active": True, "rules": {}, "permissions": ["field:manage", "read:data"]},
            {"id": b["id"], "zone": "ZoneB", "department": "Office", "role": "auditor", "primary": False,
             "active": False, "rules": {}, "permissions": ["read:data"]},
        ],
    }


def check(mstack, api, **body):
    r = api.post(mstack.url("/permissions/check"), json=body)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"allowed", "reason"} and r.json()["reason"]
    return r.json()


def test_permission_check(mstack, api, assigned, admin):
    uid = assigned["user"]["id"]
    me = assigned["api"]
    # Another user's permissions, as an administrator.
    assert check(mstack, api, permission="field:manage", zone="ZoneA", department="FieldTeam", user_id=uid) == {
        "allowed": True, "reason": "granted by field:manage of the role field-engineer in ZoneA/FieldTeam"}
    result = check(mstack, api, permission="audit:read", zone="ZoneB", department="Office", user_id=uid)
    assert result["allowed"] is False and "inactive" in result["reason"]
    result = check(mstack, api, permission="field:manage", zone="ZoneC", department="Office", user_id=uid)
    assert result["allowed"] is False and "no assignment" in result["reason"]
    assert check(mstack, api, permission="read:data", zone="ZoneC", department="Office", user_id=uid) == {
        "allowed": True, "reason": "granted by read:data of the global role reader"}
    # Without a zone: global roles plus the primary active assignment.
    assert check(mstack, api, permission="field:manage", user_id=uid)["allowed"]
    assert not check(mstack, api, permission="audit:read", user_id=uid)["allowed"]
    # The caller's own token: the admin's *:* grants anything.
    result = check(mstack, api, permission="anything:at-all")
    assert result["allowed"] and "*:*" in result["reason"]
    # The user checks themselves, by token and by context, with or without their own id.
    assert check(mstack, me, permission="field:manage")["allowed"]
    assert check(mstack, me, permission="read:data", user_id=uid)["allowed"]
    assert not check(mstack, me, permission="users:read")["allowed"]
    assert not check(mstack, me, permission="audit:read", zone="ZoneB", department="Office")["allowed"]
    # Another user's permissions need users:read.
    assert_problem(me.post(mstack.url("/permissions/check"), json={"permission": "read:data",
                                                                   "user_id": admin["id"]}), 403, "forbidden")
    # Validation.
    assert "permission" in error_fields(me.post(mstack.url("/permissions/check"), json={"permission": "nope"}))
    assert error_fields(me.post(mstack.url("/permissions/check"), json={})) == {"permission": "is required"}
    assert "department" in error_fields(me.post(mstack.url("/permissions/check"),
                                                json={"permission": "read:data", "zone": "ZoneA"}))
    assert_problem(api.post(mstack.url("/permissions/check"), json={"permission": "read:data",
                                                                    "user_id": str(uuid.uuid4())}), 404, "not_found")


def test_permission_check_of_a_disabled_user(mstack, api):
    ensure_role(mstack, api, "reader", ["read:data"])
    user = create_user(mstack, api, roles=["reader"], is_active=False)
    result = check(mstack, api, permission="read:data", user_id=user["id"])
    assert result == {"allowed": False, "reason": "the account is disabled"}


def test_context_permissions(mstack, assigned):
    me = assigned["api"]
    r = me.get(mstack.url("/permissions/context/ZoneA/FieldTeam"))
    assert r.status_code == 200, r.text
    assert r.json() == {"zone": "ZoneA", "department": "FieldTeam", "roles": ["reader", "field-engineer"],
                        "permissions": ["field:manage", "read:data"], "assignment": assigned["a"]}
    for zone, department in (("ZoneB", "Office"), ("Nowhere", "At%20All")):
        r = me.get(mstack.url(f"/permissions/context/{zone}/{department}"))
        assert r.status_code == 200
        assert r.json() == {"zone": zone, "department": department.replace("%20", " "), "roles": ["reader"],
                            "permissions": ["read:data"], "assignment": None}


# MARK: Audit


def test_audit_records_every_change_with_actor_ip_and_agent(mstack, api, admin):
    ensure_role(mstack, api, "viewer", ["read:data"])
    role = f"audited-{uuid.uuid4().hex[:6]}"
    assert api.post(mstack.url("/roles"), json={"name": role, "permissions": ["read:x"]}).status_code == 201
    assert api.put(mstack.url(f"/roles/{role}"), json={"permissions": ["read:y"]}).status_code == 200
    user = create_user(mstack, api, roles=["viewer"])
    uid = user["id"]
    api.put(mstack.url(f"/users/{uid}"), json={"name": "Audited", "roles": [role]})
    a = api.post(mstack.url(f"/users/{uid}/assignments"), json={"zone": "Z", "department": "D", "role": role}).json()
    api.put(mstack.url(f"/users/{uid}/assignments/{a['id']}"), json={"active": False})
    api.delete(mstack.url(f"/users/{uid}/assignments/{a['id']}"))
    api.put(mstack.url(f"/users/{uid}"), json={"is_active": False})
    assert api.delete(mstack.url(f"/roles/{role}")).status_code == 204
    assert api.delete(mstack.url(f"/users/{uid}")).status_code == 204

    r = api.get(mstack.url("/audit"), params={"user_id": uid})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [e["event"] for e in items] == [
        "user.deleted", "user.deactivated", "user.updated", "assignment.deleted", "assignment.updated",
        "assignment.created", "user.updated", "user.created"]
    assert [e["id"] for e in items] == sorted((e["id"] for e in items), reverse=True)
    for entry in items:
        assert set(entry) == {"id", "at", "event", "actor_id", "user_id", "ip", "user_agent", "details"}
        assert entry["actor_id"] == admin["id"] and entry["user_id"] == uid
        assert entry["ip"] == "127.0.0.1" and entry["user_agent"] == AGENT and entry["at"].endswith("Z")
    assert items[-1]["details"]["email"] == user["email"]
    assert items[-2]["details"]["fields"] == "name,roles" and items[-2]["details"]["roles"] == role
    assert items[3]["details"]["zone"] == "Z"

    events = api.get(mstack.url("/audit"), params={"event": "role.created", "limit": 200}).json()["items"]
    mine = [e for e in events if e["details"].get("role") == role]
    assert len(mine) == 1 and mine[0]["actor_id"] == admin["id"] and mine[0]["details"]["permissions"] == "read:x"
    assert all(e["event"] == "role.created" for e in events)
    recent = api.get(mstack.url("/audit"), params={"limit": 200}).json()["items"]
    assert [e["event"] for e in recent if e["event"].startswith("role.") and e["details"].get("role") == role] == [
        "role.deleted", "role.updated", "role.created"]


def test_audit_paging_and_validation(mstack, api):
    entries, pages = walk(mstack, api, "/audit", 5)
    ids = [e["id"] for e in entries]
    assert ids == sorted(set(ids), reverse=True) and pages >= 2
    assert "limit" in error_fields(api.get(mstack.url("/audit"), params={"limit": "500"}))
    assert "cursor" in error_fields(api.get(mstack.url("/audit"), params={"cursor": "???"}))
    assert api.get(mstack.url("/audit"), params={"event": "no.such.event"}).json() == {"items": [], "next_cursor": None}


# MARK: No escalation through the management routes


def test_no_one_hands_out_more_than_they_hold(mstack, api, admin):
    u = mstack.url
    ensure_role(mstack, api, "reader", ["read:data"])
    ensure_role(mstack, api, "usermgr", ["users:read", "users:write", "users:delete"])
    ensure_role(mstack, api, "rolemgr", ["roles:write", "read:data"])
    manager = create_user(mstack, api, roles=["usermgr", "rolemgr"])
    me = client(mstack, login(mstack, manager["email"])["access_token"])

    # Granting roles: only those whose permissions the caller holds.
    body = assert_problem(me.post(u("/users"), json={"email": unique_email(), "roles": ["admin"]}), 403, "forbidden")
    assert "*:*" in body["detail"]
    r = me.post(u("/users"), json={"email": unique_email(), "password": PASSWORD, "roles": ["reader", "usermgr"]})
    assert r.status_code == 201, r.text
    junior = r.json()
    assert_problem(me.put(u(f"/users/{manager['id']}"), json={"roles": ["usermgr", "rolemgr", "admin"]}), 403,
                   "forbidden")
    assert_problem(me.put(u(f"/users/{junior['id']}"), json={"roles": ["admin"]}), 403, "forbidden")
    assert me.put(u(f"/users/{junior['id']}"), json={"roles": ["reader"]}).status_code == 200
    base = u(f"/users/{junior['id']}/assignments")
    assert_problem(me.post(base, json={"zone": "Z", "department": "D", "role": "admin"}), 403, "forbidden")
    a = me.post(base, json={"zone": "Z", "department": "D", "role": "reader", "active": False}).json()
    assert_problem(me.put(f"{base}/{a['id']}", json={"role": "admin"}), 403, "forbidden")
    assert me.put(f"{base}/{a['id']}", json={"active": True}).status_code == 200

    # Accounts that hold more than the caller: no password, email, activation, roles or deletion.
    for change in ({"password": "taken over passphrase"}, {"email": unique_email()}, {"is_active": False},
                   {"roles": []}):
        assert_problem(me.put(u(f"/users/{admin['id']}"), json=change), 403, "forbidden")
    assert_problem(me.delete(u(f"/users/{admin['id']}")), 403, "forbidden")
    assert me.put(u(f"/users/{junior['id']}"), json={"password": "junior passphrase 2"}).status_code == 200
    assert me.delete(u(f"/users/{junior['id']}")).status_code == 204

    # Roles: no permission the caller lacks.
    name = f"esc-{uuid.uuid4().hex[:6]}"
    assert_problem(me.post(u("/roles"), json={"name": name, "permissions": ["*:*"]}), 403, "forbidden")
    assert me.post(u("/roles"), json={"name": name, "permissions": ["read:data"]}).status_code == 201
    assert_problem(me.put(u(f"/roles/{name}"), json={"permissions": ["read:data", "audit:read"]}), 403, "forbidden")
    assert_problem(me.put(u("/roles/reader"), json={"permissions": ["read:*"]}), 403, "forbidden")
    assert me.put(u(f"/roles/{name}"), json={"permissions": []}).status_code == 200
    assert api.get(u("/roles/reader")).json()["permissions"] == ["read:data"]


def test_setting_your_own_password_keeps_your_session(mstack):
    me = make_admin(mstack)
    api = client(mstack, me["token"])
    other_session = login(mstack, me["email"])["access_token"]
    assert api.put(mstack.url(f"/users/{me['id']}"), json={"password": "my new admin passphrase", "current_password": PASSWORD}).status_code == 200
    assert api.get(mstack.url(f"/users/{me['id']}")).status_code == 200
    r = mstack.session().get(mstack.url("/auth/verify"), headers={"Authorization": f"Bearer {other_session}"})
    assert_problem(r, 401, "token_revoked")
    login(mstack, me["email"], "my new admin passphrase")
