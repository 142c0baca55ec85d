"""Schemathesis against docs/openapi.yaml: every documented operation, through nginx, with generated requests.

Each operation runs as an administrator (a role holding `*:*`) and as a plain registered user, SCHEMATHESIS_EXAMPLES
(default 12) generated cases each (plus the document's own examples). A case passes when the answer is not a 5xx,
its status is one the document declares for the operation, its content type and headers are the declared ones,
its body validates against the declared schema, and it came within the timeout. Routes that land later are covered
as soon as they are in the document (test_openapi.py keeps the document equal to the served routes).

Runs once, on the SQLite backend (the answers do not depend on the backend; the PostgreSQL run skips it), on a
stack of its own: generated calls change roles, policies and users, which the shared stack's tests must not see.
The counts (operations, cases per role) are printed at the end and written to the stack directory.
"""
import json
import os
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import BACKEND, ROOT, SHARED_SETTINGS, Stack
from helpers import PASSWORD, unique_email

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="Schemathesis runs once, on the SQLite backend")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
TIMEOUT = 10  # seconds per request: an answer later than this fails the case
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

schema = schemathesis.openapi.from_path(str(ROOT / "docs/openapi.yaml"))

# Operations that end the caller's own session(s): they run with a throwaway login of the same account, so the
# token the other operations use stays valid. Not an exclusion: these operations are generated and checked too.
SESSION_ENDING = {("POST", "/auth/logout"), ("POST", "/sdk/logout"), ("PUT", "/auth/password"),
                  ("PUT", "/users/me/password")}

counts: Counter = Counter()
counts_lock = threading.Lock()


class Accounts:
    """The stack and its two callers, made once for the module."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.http = stack.session()
        role = f"root-{uuid.uuid4().hex[:8]}"  # not a name the document's examples use (`admin`)
        path = stack.dir / "roles.json"
        path.write_text(json.dumps({"roles": {role: ["*:*"]}}))
        stack.cli("roles", "import", str(path))
        self.emails = {"admin": unique_email("st-admin"), "user": unique_email("st-user")}
        users = stack.dir / "users.json"
        users.write_text(json.dumps({"users": [
            {"email": self.emails["admin"], "name": "Schema Admin", "password": PASSWORD, "roles": [role],
             "is_active": True},
            {"email": self.emails["user"], "name": "Schema User", "password": PASSWORD, "roles": [],
             "is_active": True}]}))
        stack.cli("users", "import", str(users))
        self.tokens = {who: self.login(who) for who in self.emails}

    def login(self, who: str) -> str:
        r = self.http.post(self.stack.url("/auth/login"), json={"email": self.emails[who], "password": PASSWORD},
                           timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def token(self, who: str, method: str, path: str) -> str:
        if (method, path) in SESSION_ENDING:
            return self.login(who)
        return self.tokens[who]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("schemathesis"), {
        **SHARED_SETTINGS, "RATE_LIMIT_API": "1000000/1m", "RATE_LIMIT_LOGIN": "100000/1m",
        # Generated subscriptions may name any address: their deliveries stay queued, nothing is ever sent.
        "WEBHOOK_CONCURRENCY": "0",
        "RATE_LIMIT_LOGIN_IDENTIFIER": "100000/1m", "RATE_LIMIT_REFRESH": "100000/1m",
        "RATE_LIMIT_RESET": "100000/1m", "RATE_LIMIT_REGISTER": "100000/1m"})
    yield Accounts(stack)
    stack.stop()
    report = {"operations": len({op for (op, _) in counts}),
              "cases": {who: sum(n for (_, w), n in counts.items() if w == who) for who in ("admin", "user")}}
    (stack.dir / "schemathesis-counts.json").write_text(json.dumps(report))
    print(f"\nschemathesis: {report['operations']} operations, cases as admin {report['cases']['admin']}, "
          f"as a plain user {report['cases']['user']}")


@pytest.mark.parametrize("who", ["admin", "user"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_operation(case, who, accounts):
    method, path = case.operation.method.upper(), case.operation.path
    headers = dict(case.headers or {})
    # The document's security requirement decides which credential a case carries; a generated header that
    # the case set itself (a wrong token, say) stays as generated.
    headers.setdefault("Authorization", f"Bearer {accounts.token(who, method, path)}")
    kwargs = case.as_transport_kwargs(base_url=accounts.stack.url(""), headers=headers)
    kwargs.pop("verify", None)
    started = time.monotonic()
    response = accounts.http.request(**kwargs, timeout=TIMEOUT)
    assert time.monotonic() - started < TIMEOUT
    with counts_lock:
        counts[(f"{method} {path}", who)] += 1
    case.validate_response(response, checks=CHECKS)
