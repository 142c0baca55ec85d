"""`gatehouse users import` and `gatehouse roles import` against a running stack (API.md "Command line"),
checked through nginx: imported users log in, imported roles show up, a bad file changes nothing."""
import json
import re
import uuid

import pytest
from argon2 import PasswordHasher, Type

from conftest import Stack

RELAXED = {"RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m"}
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def cstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("cli"), RELAXED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def api(cstack):
    email = f"cli-admin-{uuid.uuid4().hex[:8]}@example.com"
    cstack.cli("create-admin", "--email", email, "--password-stdin", input=PASSWORD + "\n")
    s = cstack.session()
    s.headers["Authorization"] = "Bearer " + login(cstack, email)["access_token"]
    return s


def login(stack, email, password=PASSWORD):
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def unique(tag):
    return f"{tag}-{uuid.uuid4().hex[:10]}"


def write(tmp_path, document, name="import.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def run(stack, *args):
    return stack.cli(*args, check=False)


def find_user(stack, api, email):
    items = api.get(stack.url("/users"), params={"q": email}).json()["items"]
    return next((u for u in items if u["email"] == email), None)


# MARK: roles import


def test_roles_import_creates_then_replaces(cstack, api, tmp_path):
    admin, viewer = unique("admin"), unique("viewer")
    path = write(tmp_path, {"roles": {admin: ["read:admin_panel", "*:*"],
                                      viewer: {"description": "Reads data", "permissions": ["read:data"]}}})
    out = run(cstack, "roles", "import", path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "created 2, updated 0"
    assert api.get(cstack.url(f"/roles/{admin}")).json() == {
        "name": admin, "description": "", "permissions": ["*:*", "read:admin_panel"]}
    assert api.get(cstack.url(f"/roles/{viewer}")).json()["description"] == "Reads data"

    # Again: the listed permissions replace the old ones; a bare list keeps the description.
    path = write(tmp_path, {"roles": {admin: ["*:*"], viewer: ["read:data", "read:reports"]}})
    out = run(cstack, "roles", "import", path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "created 0, updated 2"
    assert api.get(cstack.url(f"/roles/{admin}")).json()["permissions"] == ["*:*"]
    assert api.get(cstack.url(f"/roles/{viewer}")).json() == {
        "name": viewer, "description": "Reads data", "permissions": ["read:data", "read:reports"]}
    events = api.get(cstack.url("/audit"), params={"limit": 20}).json()["items"]
    assert [e["event"] for e in events if e["details"].get("role") == viewer] == ["role.updated", "role.created"]


@pytest.mark.parametrize("roles,where", [
    ({"BAD NAME": ["read:data"]}, "roles.BAD NAME"),
    ({"fine": ["read:data", "not a permission"]}, "roles.fine[1]"),
    ({"fine": "read:data"}, "roles.fine"),
    ({"fine": {"permissions": ["read:data"], "colour": "red"}}, "roles.fine.colour"),
    ({"fine": {"description": "no permissions"}}, "roles.fine.permissions"),
])
def test_roles_import_refuses_a_bad_file_whole(cstack, api, tmp_path, roles, where):
    good = unique("good")
    path = write(tmp_path, {"roles": {good: ["read:data"], **roles}})
    out = run(cstack, "roles", "import", path)
    assert out.returncode == 1, out
    assert "nothing was imported" in out.stderr and where + ":" in out.stderr, out.stderr
    assert out.stdout == ""
    assert api.get(cstack.url(f"/roles/{good}")).status_code == 404
    assert api.get(cstack.url("/roles/fine")).status_code == 404


# MARK: users import


def test_users_import_plaintext_and_phc_then_log_in(cstack, api, tmp_path):
    role = unique("imported")
    assert run(cstack, "roles", "import", write(tmp_path, {"roles": {role: ["read:data"]}}, "roles.json")).returncode == 0
    plain, hashed, legacy = (f"{unique(t)}@example.com" for t in ("plain", "hashed", "legacy"))
    entries = [
        {"email": plain.upper(), "name": "Plain Text", "password": PASSWORD, "roles": [role], "is_active": True},
        # argon2-cffi's defaults: argon2id, m=65536, t=3, p=4 (within the default cap).
        {"email": hashed, "name": "Hashed", "password_hash": PasswordHasher().hash("hashed secret 1"), "roles": [role]},
        {"email": legacy, "password_hash": PasswordHasher(type=Type.I, memory_cost=8192).hash("legacy secret 1")},
    ]
    out = run(cstack, "users", "import", write(tmp_path, {"users": entries}))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "created 3, updated 0"

    tokens = login(cstack, plain)
    assert tokens["user"]["email"] == plain and tokens["user"]["roles"] == [role]
    assert tokens["user"]["permissions"] == ["read:data"]
    assert login(cstack, hashed, "hashed secret 1")["user"]["name"] == "Hashed"
    assert login(cstack, legacy, "legacy secret 1")["user"]["roles"] == []
    r = cstack.session().post(cstack.url("/auth/login"), json={"email": hashed, "password": "wrong secret 1"})
    assert r.status_code == 401
    user = find_user(cstack, api, plain)
    assert user["name"] == "Plain Text" and user["is_active"] is True and user["roles"] == [role]
    events = api.get(cstack.url("/audit"), params={"user_id": user["id"]}).json()["items"]
    assert events[-1]["event"] == "user.created" and events[-1]["details"]["via"] == "import"


def test_users_import_updates_existing_emails(cstack, api, tmp_path):
    role = unique("upd")
    run(cstack, "roles", "import", write(tmp_path, {"roles": {role: ["read:data"]}}, "roles.json"))
    email = f"{unique('existing')}@example.com"
    out = run(cstack, "users", "import", write(tmp_path, {"users": [{"email": email, "name": "Before",
                                                                     "password": PASSWORD}]}))
    assert out.stdout.strip() == "created 1, updated 0", out.stderr
    token = login(cstack, email)["access_token"]

    # Only the fields given change; is_active false revokes the user's sessions.
    out = run(cstack, "users", "import", write(tmp_path, {"users": [{"email": email, "roles": [role],
                                                                     "is_active": False}]}))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "created 0, updated 1"
    user = find_user(cstack, api, email)
    assert user["name"] == "Before" and user["roles"] == [role] and user["is_active"] is False
    r = cstack.session().get(cstack.url("/auth/verify"), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    r = cstack.session().post(cstack.url("/auth/login"), json={"email": email, "password": PASSWORD})
    assert r.status_code == 403 and r.json()["code"] == "account_disabled"

    # A new password, reactivation, roles cleared.
    out = run(cstack, "users", "import", write(tmp_path, {"users": [{"email": email, "password": "a fresh passphrase",
                                                                     "is_active": True, "roles": []}]}))
    assert out.stdout.strip() == "created 0, updated 1", out.stderr
    assert login(cstack, email, "a fresh passphrase")["user"]["roles"] == []


@pytest.mark.parametrize("bad,where", [
    ({"password": "short"}, "users[1].password"),
    ({"password": PASSWORD, "roles": ["no-such-role"]}, "users[1].roles"),
    ({"password": PASSWORD, "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}, "users[1]"),
    ({"password_hash": "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}, "users[1].password_hash"),
    ({"password": PASSWORD, "is_active": "yes"}, "users[1].is_active"),
    ({"password": PASSWORD, "roles": "viewer"}, "users[1].roles"),
    ({"password": PASSWORD, "passwd": "typo"}, "users[1].passwd"),
    ({"password": PASSWORD, "name": "   "}, "users[1].name"),
    ({"email": "not-an-email"}, "users[1].email"),
    ({"email": None}, "users[1].email"),
])
def test_users_import_bad_entry_writes_nothing(cstack, api, tmp_path, bad, where):
    good = f"{unique('good')}@example.com"
    entries = [{"email": good, "password": PASSWORD}, {"email": f"{unique('bad')}@example.com"} | bad]
    out = run(cstack, "users", "import", write(tmp_path, {"users": entries}))
    assert out.returncode == 1, out
    assert out.stdout == ""
    assert "nothing was imported" in out.stderr and f"  {where}:" in out.stderr, out.stderr
    assert find_user(cstack, api, good) is None


def test_users_import_duplicate_email_in_file(cstack, api, tmp_path):
    email = f"{unique('twice')}@example.com"
    out = run(cstack, "users", "import", write(tmp_path, {"users": [{"email": email}, {"email": " " + email.upper()}]}))
    assert out.returncode == 1 and f"users[1].email: {email} is also users[0]" in out.stderr, out.stderr
    assert find_user(cstack, api, email) is None


def test_users_import_refuses_a_hash_over_the_memory_cap(cstack, api, tmp_path):
    good = f"{unique('good')}@example.com"
    heavy = f"{unique('heavy')}@example.com"
    # A real hash with its memory cost rewritten past ARGON2_MAX_MEMORY_KIB (262144 by default): still a
    # well-formed PHC string, and nothing has to compute it for the import to refuse it.
    phc = re.sub(r"m=\d+", "m=1048576", PasswordHasher().hash("heavy secret 1"))
    entries = [{"email": good, "password": PASSWORD}, {"email": heavy, "password_hash": phc}]
    out = run(cstack, "users", "import", write(tmp_path, {"users": entries}))
    assert out.returncode == 1, out
    assert "users[1].password_hash:" in out.stderr and "ARGON2_MAX_MEMORY_KIB" in out.stderr, out.stderr
    assert find_user(cstack, api, good) is None and find_user(cstack, api, heavy) is None


def test_users_import_reports_every_problem(cstack, tmp_path):
    entries = [{"email": "one", "password": "x"}, "not an object", {"name": "no email"}]
    out = run(cstack, "users", "import", write(tmp_path, {"users": entries, "extra": 1}))
    assert out.returncode == 1
    for where in ("extra:", "users[0].email:", "users[0].password:", "users[1]: must be an object",
                  "users[2].email: is required"):
        assert where in out.stderr, out.stderr


@pytest.mark.parametrize("args,status", [
    (("users",), 2),
    (("users", "import"), 2),
    (("users", "export", "x.json"), 2),
    (("users", "import", "a.json", "b.json"), 2),
    (("roles",), 2),
    (("roles", "import"), 2),
    (("users", "import", "/nonexistent/users.json"), 1),
    (("roles", "import", "/nonexistent/roles.json"), 1),
])
def test_import_usage_and_missing_files(cstack, args, status):
    out = run(cstack, *args)
    assert out.returncode == status, out
    assert out.stderr.startswith("gatehouse")


@pytest.mark.parametrize("command,document", [
    ("users", "{not json"), ("users", "[]"), ("users", '{"users": {}}'),
    ("roles", "{not json"), ("roles", '{"roles": []}'), ("roles", '{"roles": {}, "users": []}'),
])
def test_import_refuses_malformed_documents(cstack, tmp_path, command, document):
    out = run(cstack, command, "import", write(tmp_path, document))
    assert out.returncode == 1, out
    assert "nothing was imported" in out.stderr


def test_empty_imports_succeed(cstack, tmp_path):
    assert run(cstack, "users", "import", write(tmp_path, {"users": []})).stdout.strip() == "created 0, updated 0"
    assert run(cstack, "roles", "import", write(tmp_path, {"roles": {}})).stdout.strip() == "created 0, updated 0"
