"""POST /connection/rpc through nginx (API.md "Operations", docs/RPC.md), on the backend under test.

The allowlist is the stack's own: on SQLite query files written into its RPC_DIR before it starts, on PostgreSQL
functions created in its database's `gatehouse_rpc` schema after it started (looked up per call). The same
function names behave the same on both backends.
"""
import json
import os
import signal
import subprocess
import time

import pytest
import yaml

from conftest import BACKEND, SHARED_SETTINGS, Stack, psql
from helpers import PASSWORD, assert_problem, bearer, error_fields, login, unique_email
from test_openapi import SPEC_PATH, check_route_response

RPC_TIMEOUT_MS = 500

QUERY_FILES = {
    # `address`, not `email`: on PostgreSQL a parameter may not share its name with a result column.
    "user_by_email.sql": """
        -- The email and name of one user.
        -- :address text
        SELECT email, name FROM users WHERE email = :address
        """,
    "add.sql": """
        -- :a integer
        -- :b integer
        SELECT :a + :b AS sum
        """,
    "slow.sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS done FROM c\n",
}

FUNCTIONS = """
    CREATE SCHEMA gatehouse_rpc;
    CREATE TABLE gatehouse_rpc.notes (note text);
    CREATE FUNCTION gatehouse_rpc.user_by_email(address text) RETURNS TABLE (email text, name text)
        LANGUAGE sql STABLE AS 'SELECT u.email, u.name FROM users u WHERE u.email = address';
    CREATE FUNCTION gatehouse_rpc.add(a integer, b integer) RETURNS TABLE (sum integer)
        LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
    CREATE FUNCTION gatehouse_rpc.slow() RETURNS TABLE (done integer)
        LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(30)';
    CREATE FUNCTION gatehouse_rpc.remember(note text) RETURNS integer LANGUAGE plpgsql
        AS 'BEGIN INSERT INTO gatehouse_rpc.notes VALUES (note); RETURN 1; END';
    CREATE FUNCTION gatehouse_rpc.twice(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a';
    CREATE FUNCTION gatehouse_rpc.twice(a text) RETURNS text LANGUAGE sql AS 'SELECT a';
"""


class Context:
    def __init__(self, stack):
        self.stack = stack
        self.url = stack.url("/connection/rpc")
        self.admin_email = unique_email("rpc-admin")
        out = stack.cli("create-admin", "--email", self.admin_email, "--password-stdin", input=PASSWORD + "\n")
        assert out.returncode == 0, out.stderr
        self.admin = bearer(login(stack, self.admin_email))
        # A user whose only permission is connection:rpc.
        r = stack.session().put(stack.url("/roles/rpc-operator"), headers=self.admin,
                                json={"description": "RPC", "permissions": ["connection:rpc"]})
        assert r.status_code == 201, r.text
        self.operator_email = unique_email("rpc-operator")
        r = stack.session().post(stack.url("/users"), headers=self.admin, json={
            "email": self.operator_email, "password": PASSWORD, "name": "Operator", "roles": ["rpc-operator"]})
        assert r.status_code == 201, r.text
        self.operator = bearer(login(stack, self.operator_email))
        self.plain = bearer(login(stack, self.register_plain()))

    def register_plain(self):
        email = unique_email("rpc-plain")
        r = self.stack.session().post(self.stack.url("/users"), headers=self.admin,
                                      json={"email": email, "password": PASSWORD, "name": "Plain"})
        assert r.status_code == 201, r.text
        return email

    def call(self, function, args=None, headers=None, **kwargs):
        body = {"function": function} if args is None else {"function": function, "args": args}
        return self.stack.session().post(self.url, json=body, headers=self.admin if headers is None else headers,
                                         **kwargs)


@pytest.fixture(scope="module")
def rpc(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rpc-stack")
    if BACKEND == "sqlite":
        folder = directory / "rpc"
        folder.mkdir(mode=0o755)
        for name, text in QUERY_FILES.items():
            (folder / name).write_text(text)
            (folder / name).chmod(0o644)
    stack = Stack(directory, {**SHARED_SETTINGS, "RPC_TIMEOUT": f"{RPC_TIMEOUT_MS}ms", "WORKERS": "2"})
    try:
        if stack.backend == "postgresql":
            psql(stack.setting("DATABASE_URL"), FUNCTIONS)
        yield Context(stack)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_PATH.read_text())


def test_an_allowed_call_returns_rows(rpc, spec):
    r = rpc.call("user_by_email", {"address": rpc.admin_email})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    rows = r.json()["rows"]
    assert len(rows) == 1 and set(rows[0]) == {"email", "name"} and rows[0]["email"] == rpc.admin_email, rows
    check_route_response(spec, "POST", "/connection/rpc", r)
    assert rpc.call("user_by_email", {"address": "nobody@example.com"}).json() == {"rows": []}
    # connection:rpc alone is enough.
    r = rpc.call("add", {"a": 2, "b": 40}, headers=rpc.operator)
    assert r.status_code == 200 and r.json() == {"rows": [{"sum": 42}]}, r.text


def test_the_same_call_with_curl(rpc):
    token = rpc.admin["Authorization"]
    out = subprocess.run(
        ["curl", "-s", "--cacert", rpc.stack.cert, rpc.url, "-H", f"Authorization: {token}",
         "-H", "Content-Type: application/json", "-d", '{"function": "add", "args": {"a": 1, "b": 2}}',
         "-w", "\n%{http_code}"], capture_output=True, text=True, check=True)
    body, status = out.stdout.rsplit("\n", 1)
    assert status == "200" and json.loads(body) == {"rows": [{"sum": 3}]}, out.stdout


def test_who_may_call(rpc, spec):
    r = rpc.call("add", {"a": 1, "b": 1}, headers={})
    assert_problem(r, 401, "token_missing")
    check_route_response(spec, "POST", "/connection/rpc", r)
    r = rpc.call("add", {"a": 1, "b": 1}, headers=rpc.plain)
    assert_problem(r, 403, "forbidden")
    check_route_response(spec, "POST", "/connection/rpc", r)


@pytest.mark.parametrize("name", ["missing", "../add", "add.sql", "/etc/passwd", "pg_catalog.pg_sleep", "pg_sleep",
                                  "ADD", 'add"(a => 1); --', "x" * 5000])
def test_names_outside_the_allowlist_are_404(rpc, spec, name):
    r = rpc.call(name, {})
    body = assert_problem(r, 404, "not_found")
    assert len(body["detail"]) < 200 and "--" not in body["detail"], body
    check_route_response(spec, "POST", "/connection/rpc", r)


def test_bad_arguments_are_422_naming_each(rpc, spec):
    r = rpc.call("add", {"a": "two", "c": 1})
    assert error_fields(r) == {"args.a": "must be an integer", "args.b": "is required",
                               "args.c": "is not an argument of add"}
    check_route_response(spec, "POST", "/connection/rpc", r)
    big = rpc.call("add", {"a": 1, "b": 2 ** 40})
    if BACKEND == "postgresql":  # integer is 32 bits there; SQLite's integers are 64
        assert error_fields(big) == {"args.b": "must be an integer from -2147483648 to 2147483647"}
    else:
        assert big.json() == {"rows": [{"sum": 2 ** 40 + 1}]}, big.text
    assert error_fields(rpc.call("add", {"a": 1.5, "b": True})) == {
        "args.a": "must be an integer", "args.b": "must be an integer"}
    assert error_fields(rpc.call("user_by_email")) == {"args.address": "is required"}
    assert error_fields(rpc.call("user_by_email", {"address": ["a"]})) == {"args.address": "must be a string"}


@pytest.mark.parametrize("body,status,code", [
    ("{not json", 400, "invalid_request"), ("[]", 400, "invalid_request"),
    ('{"function": "add", "args": [1, 2]}', 400, "invalid_request"), ('{"function": 7}', 400, "invalid_request"),
    ('{"args": {"a": 1}}', 422, "validation_failed"),
])
def test_a_body_of_another_shape_is_refused(rpc, spec, body, status, code):
    r = rpc.stack.session().post(rpc.url, data=body, headers={**rpc.admin, "Content-Type": "application/json"})
    assert_problem(r, status, code)
    check_route_response(spec, "POST", "/connection/rpc", r)


def test_a_call_past_rpc_timeout_is_503_and_the_worker_goes_on(rpc, spec):
    started = time.monotonic()
    r = rpc.call("slow", {})
    elapsed = time.monotonic() - started
    assert_problem(r, 503, "unavailable")
    assert r.headers["Retry-After"] == "1"
    assert RPC_TIMEOUT_MS / 1000 * 0.8 <= elapsed < RPC_TIMEOUT_MS / 1000 + 3, elapsed
    check_route_response(spec, "POST", "/connection/rpc", r)
    for _ in range(4):  # every worker, whichever took the slow call
        assert rpc.call("add", {"a": 1, "b": 1}).json() == {"rows": [{"sum": 2}]}


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite refuses a writing query file at load (below)")
def test_a_function_that_writes_is_403_and_writes_nothing(rpc, spec):
    r = rpc.call("remember", {"note": "x"})
    assert_problem(r, 403, "forbidden")
    check_route_response(spec, "POST", "/connection/rpc", r)
    assert rpc.stack.sql("SELECT count(*) FROM gatehouse_rpc.notes") == [("0",)]


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's allowlist is the live catalog")
def test_postgresql_functions_come_and_go_with_the_catalog(rpc):
    # An overloaded name is not guessed at.
    assert_problem(rpc.call("twice", {"a": 1}), 404, "not_found")
    url = rpc.stack.setting("DATABASE_URL")
    psql(url, "CREATE FUNCTION gatehouse_rpc.hello(who text DEFAULT 'world') RETURNS TABLE (greeting text) "
              "LANGUAGE sql AS $$SELECT 'hello ' || who$$")
    assert rpc.call("hello").json() == {"rows": [{"greeting": "hello world"}]}
    assert rpc.call("hello", {"who": "ada"}).json() == {"rows": [{"greeting": "hello ada"}]}
    psql(url, "DROP FUNCTION gatehouse_rpc.hello(text)")
    assert_problem(rpc.call("hello"), 404, "not_found")


@pytest.mark.skipif(BACKEND != "sqlite", reason="query files are SQLite's allowlist")
def test_query_files_are_checked_at_check_config_and_reload(rpc):
    stack = rpc.stack
    folder = stack.dir / "rpc"
    bad = folder / "wipe.sql"
    bad.write_text("WITH x AS (SELECT 1) DELETE FROM users\n")
    bad.chmod(0o644)
    try:
        out = stack.cli("check-config", check=False)
        assert out.returncode == 1 and "RPC_DIR" in out.stderr and "wipe.sql" in out.stderr, out.stderr
        workers = stack.worker_pids()
        os.kill(stack.supervisor_pid, signal.SIGHUP)
        time.sleep(0.5)
        assert stack.worker_pids() == workers
        assert "Reload refused" in stack.log() and "wipe.sql" in stack.log()
        assert rpc.call("add", {"a": 1, "b": 1}).status_code == 200
        assert_problem(rpc.call("wipe"), 404, "not_found")
    finally:
        bad.unlink()
    # A new file is read by the workers a reload starts.
    (folder / "hello.sql").write_text("SELECT 'hello' AS greeting\n")
    (folder / "hello.sql").chmod(0o644)
    assert stack.cli("check-config").returncode == 0
    before = stack.worker_pids()
    os.kill(stack.supervisor_pid, signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and (stack.worker_pids() & before):
        time.sleep(0.1)
    assert not (stack.worker_pids() & before)
    assert rpc.call("hello").json() == {"rows": [{"greeting": "hello"}]}
