"""`gatehouse users import`, `gatehouse roles import` and `gatehouse db copy` against a running stack (API.md
"Command line"), checked through nginx: imported users log in, imported roles show up, a bad file changes nothing,
an installation copied to PostgreSQL and back holds the same rows and its users log in."""
import json
import os
import re
import sqlite3
import subprocess
import uuid
from contextlib import closing

import pytest
from argon2 import PasswordHasher, Type

from conftest import BACKEND, POSTGRES_URL, SHARED_SETTINGS, Stack, create_postgres_database

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


# MARK: db copy


def copied_counts(stdout):
    """{table: rows} from `db copy`'s output: one `table rows` line per table, then a summary line."""
    lines = stdout.strip().splitlines()
    assert lines[-1].startswith("copied "), stdout
    return {name: int(rows) for name, rows in (line.split(" ") for line in lines[:-1])}


def sqlite_rows(path):
    """Every table of a SQLite file but SQLite's own: its column names and its rows, each value with its type."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        names = [n for (n,) in db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
        tables = {}
        for name in names:
            cursor = db.execute(f'SELECT * FROM "{name}"')
            columns = [d[0] for d in cursor.description]
            tables[name] = (columns, sorted((tuple((type(v).__name__, v) for v in row) for row in cursor), key=repr))
        return tables


def populate(stack):
    """An installation's worth of rows, written through the HTTP API: users, roles, an assignment, sessions and
    rotated refresh tokens, a logout, a lockout, a reset request and its mail, branches, assets, settings, policies."""
    admin_email = f"{unique('copy-admin')}@example.com"
    out = stack.cli("create-admin", "--email", admin_email, "--password-stdin", input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    admin = stack.session()
    admin.headers["Authorization"] = "Bearer " + login(stack, admin_email)["access_token"]
    editor_permissions = ["assets:read", "assets:write", "branches:read", "branches:write", "settings:read",
                          "settings:write", "dashboard:read"]
    r = admin.put(stack.url("/roles/copy-editor"),
                  json={"description": "Edits ZoneA", "permissions": editor_permissions})
    assert r.status_code in (200, 201), r.text
    email = f"{unique('copy-editor')}@example.com"
    r = admin.post(stack.url("/users"), json={"email": email, "password": PASSWORD, "name": "Zoë \"Ed\" Itor"})
    assert r.status_code == 201, r.text
    r = admin.post(stack.url(f"/users/{r.json()['id']}/assignments"),
                   json={"zone": "ZoneA", "department": "Ops", "role": "copy-editor", "primary": True})
    assert r.status_code == 201, r.text

    tokens = login(stack, email)
    r = stack.session().post(stack.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    editor = stack.session()
    editor.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    r = editor.post(stack.url("/v1/branches"), json={"name": "Harbour", "address": "1 Quay St\nDock 4"})
    assert r.status_code == 201, r.text
    branch = r.json()
    assert editor.put(stack.url(f"/v1/branches/{branch['id']}"), json={"address": "2 Quay St"}).status_code == 200
    for tag, status, cents, bought in (("T-1", "in_service", 129900, "2024-02-29"), ("T-2", "in_service", 5, None),
                                       ("T-3", "in_repair", 0, None)):
        r = editor.post(stack.url("/v1/assets"), json={"branch_id": branch["id"], "tag": tag, "name": "Laptop",
                                                       "category": "it", "status": status, "value_cents": cents,
                                                       "purchased_at": bought, "notes": "ünïcødé 🔐"})
        assert r.status_code == 201, r.text
    assert editor.put(stack.url("/v1/settings/currency"), json={"value": "EUR"}).status_code == 200
    r = admin.put(stack.url("/policies"), json={"lines": ["p, copy-editor, ZoneA/*, reports, read",
                                                          f"g, {email}, copy-editor, ZoneA/Ops"]})
    assert r.status_code == 200, r.text

    leaving = login(stack, admin_email)
    assert stack.session().post(stack.url("/auth/logout"),
                                headers={"Authorization": "Bearer " + leaving["access_token"]}).status_code == 204
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": "not the password"})
    assert r.status_code == 401
    assert stack.session().post(stack.url("/auth/password/forgot"), json={"email": email}).status_code == 202
    return email


@pytest.mark.skipif(BACKEND != "sqlite" or not POSTGRES_URL,
                    reason="copies a SQLite installation to PostgreSQL and back (scripts/with-postgres.sh), once")
def test_db_copy_sqlite_to_postgresql_and_back(fresh_stack, tmp_path):
    source = fresh_stack(SHARED_SETTINGS)
    assert source.backend == "sqlite"
    email = populate(source)
    source.stop()
    source_db = source.setting("DATABASE_URL").removeprefix("sqlite://")
    original = sqlite_rows(source_db)
    for table in ("users", "roles", "role_permissions", "assignments", "sessions", "refresh_tokens", "lockouts",
                  "rate_limits", "audit_log", "password_reset_requests", "branches", "assets", "asset_counts",
                  "settings", "activity", "policies"):
        assert original[table][1], f"{table} is empty: the test writes nothing there"

    postgres = create_postgres_database("gh_copy")
    out = source.cli("db", "copy", "--to", postgres, check=False)
    assert out.returncode == 0, out.stderr
    counts = copied_counts(out.stdout)
    assert counts == {table: len(rows) for table, (_, rows) in original.items() if table != "schema_migrations"}

    # Back from PostgreSQL into a new SQLite file, with the configuration pointing at PostgreSQL.
    on_postgres = tmp_path / "on-postgres.env"
    on_postgres.write_text(source.config.read_text() + f"DATABASE_URL={postgres}\n")
    os.chmod(on_postgres, 0o600)
    final_db = tmp_path / "final.db"
    out = subprocess.run([source.bin, "db", "copy", "--to", f"sqlite://{final_db}", "--config", str(on_postgres)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert copied_counts(out.stdout) == counts
    assert sqlite_rows(final_db) == original

    # A second copy into the now full database is refused and changes nothing.
    out = source.cli("db", "copy", "--to", postgres, check=False)
    assert out.returncode == 1 and "not empty" in out.stderr, out
    assert sqlite_rows(final_db) == original

    # Users log in on both copies, and new rows get ids past the copied ones (audit log, activity).
    for url in (postgres, f"sqlite://{final_db}"):
        copy = fresh_stack({**SHARED_SETTINGS, "DATABASE_URL": url})
        tokens = login(copy, email)
        editor = copy.session()
        editor.headers["Authorization"] = "Bearer " + tokens["access_token"]
        r = editor.post(copy.url("/v1/branches"), json={"name": "After the copy"})
        assert r.status_code == 201, r.text
        copy.stop()


def test_db_copy_usage_and_refusals(cstack, api, tmp_path):
    for args in (("db",), ("db", "move"), ("db", "copy"), ("db", "copy", "--to"), ("db", "copy", "--to", "file:/x"),
                 ("db", "copy", "--to", str(tmp_path / "a.db"), "extra")):
        out = run(cstack, *args)
        assert out.returncode == 2, out
        assert out.stderr.startswith("gatehouse") and out.stdout == ""
    out = run(cstack, "db", "copy", "--to", cstack.setting("DATABASE_URL"))
    assert out.returncode == 1 and "configured database itself" in out.stderr, out

    target = tmp_path / "copy.db"
    out = run(cstack, "db", "copy", "--to", f"sqlite://{target}")
    assert out.returncode == 0, out.stderr
    assert copied_counts(out.stdout)["users"] >= 1
    out = run(cstack, "db", "copy", "--to", f"sqlite://{target}")
    assert out.returncode == 1 and "not empty" in out.stderr and "users holds" in out.stderr, out
    assert out.stdout == ""


def test_db_copy_never_prints_a_password(cstack):
    out = run(cstack, "db", "copy", "--to", "postgresql://gatehouse:s3cret-pw@127.0.0.1:1/none?connect_timeout=2")
    assert out.returncode == 1, out
    assert "s3cret-pw" not in out.stderr + out.stdout and "gatehouse:***@" in out.stderr, out.stderr
