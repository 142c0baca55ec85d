"""docs/openapi.yaml stays in sync with the code.

1. The document is valid OpenAPI 3.1.
2. Its (method, path) pairs are exactly what `gatehouse routes` prints for the running configuration (HEAD and
   OPTIONS aside, path templates compared literally). Until the binary serves a /v1 route, /v1 paths that only
   the document has are tolerated (the business routes are described ahead of their implementation); from the
   first served /v1 route on, the sets must be equal.
3. Real responses of the running stack validate against the schema and headers the document declares for
   their route and status.
"""
import base64
import json
import subprocess
import time
import urllib.parse
import uuid

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from conftest import ROOT
from helpers import PASSWORD, unique_email

SPEC_PATH = ROOT / "docs/openapi.yaml"
BASE_URI = "urn:gatehouse:openapi"
# Operation keys of a path item; HEAD and OPTIONS are answered for every route and not compared.
OPERATIONS = ("get", "put", "post", "delete", "patch", "trace")


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_PATH.read_text())


# MARK: 1. A valid OpenAPI 3.1 document


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1"), spec["openapi"]
    validate_openapi(spec)


def test_document_version_is_the_binary_version(spec, stack):
    out = stack.cli("version")
    assert out.stdout.strip() == f"gatehouse {spec['info']['version']}", out.stdout


# MARK: 2. The same routes as the binary


def served_routes(stack) -> set[tuple[str, str]]:
    out = stack.cli("routes")
    routes = set()
    for line in out.stdout.splitlines():
        if not line.strip():
            continue
        method, path = line.split(None, 1)
        if method.upper() not in ("HEAD", "OPTIONS"):
            routes.add((method.upper(), path.strip()))
    return routes


def documented_routes(spec) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in OPERATIONS}


def is_business(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


def route_differences(served, documented):
    """(served but undocumented, documented but not served), with the /v1 tolerance applied."""
    undocumented = served - documented
    unserved = documented - served
    if not any(is_business(path) for _, path in served):
        # The business routes are not in this binary yet: their description may run ahead of the code.
        unserved = {(method, path) for method, path in unserved if not is_business(path)}
    return undocumented, unserved


def test_documented_routes_are_exactly_the_served_routes(spec, stack):
    served = served_routes(stack)
    assert len(served) >= 30, f"`gatehouse routes` printed too little to compare:\n{sorted(served)}"
    undocumented, unserved = route_differences(served, documented_routes(spec))
    assert not undocumented, f"served by the binary but missing from docs/openapi.yaml: {sorted(undocumented)}"
    assert not unserved, f"in docs/openapi.yaml but not served by the binary: {sorted(unserved)}"


def test_business_route_tolerance_ends_with_the_first_v1_route():
    documented = {("GET", "/health"), ("GET", "/v1/assets"), ("GET", "/v1/branches")}
    # No /v1 route served: the document's /v1 routes are tolerated, nothing else is.
    assert route_differences({("GET", "/health")}, documented) == (set(), set())
    assert route_differences(set(), documented) == (set(), {("GET", "/health")})
    # One /v1 route served: every documented /v1 route must be served too, and every served one documented.
    assert route_differences({("GET", "/health"), ("GET", "/v1/assets")}, documented) == (
        set(), {("GET", "/v1/branches")})
    assert route_differences({("GET", "/health"), ("GET", "/v1/dashboard")}, documented) == (
        {("GET", "/v1/dashboard")}, {("GET", "/v1/assets"), ("GET", "/v1/branches")})


# MARK: 3. Real responses match the document


def pointer_escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def pointer_unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def lookup(spec, pointer: list[str]):
    node = spec
    for segment in pointer:
        node = node[segment]
    return node


def follow(spec, pointer: list[str]):
    """The object at `pointer`, following local `$ref`s; returns (final pointer, object)."""
    node = lookup(spec, pointer)
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected: {ref}"
        pointer = [pointer_unescape(s) for s in ref[2:].split("/")]
        node = lookup(spec, pointer)
    return pointer, node


class SchemaChecker:
    """Validates JSON values against schemas inside the document, resolving `$ref`s within it."""

    def __init__(self, spec):
        self.registry = Registry().with_resource(BASE_URI, DRAFT202012.create_resource(spec))

    def errors(self, value, pointer: list[str]) -> list[str]:
        fragment = urllib.parse.quote("/" + "/".join(pointer_escape(s) for s in pointer), safe="/~+")
        validator = Draft202012Validator(
            {"$ref": f"{BASE_URI}#{fragment}"}, registry=self.registry, format_checker=FormatChecker())
        return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(value)]


def media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def check_response(spec, response_pointer: list[str], r, label: str):
    """Checks `r` against the response object at `response_pointer`: body schema and documented headers."""
    checker = SchemaChecker(spec)
    pointer, declared = follow(spec, response_pointer)
    content = declared.get("content", {})
    if not content:
        assert r.content == b"", f"{label}: the document declares no body, the server sent {r.text!r}"
    else:
        sent = media_type(r.headers.get("content-type", ""))
        matches = [key for key in content if media_type(key) == sent]
        assert matches, f"{label}: Content-Type {sent!r} is not among the documented {sorted(content)}"
        schema_pointer = pointer + ["content", matches[0], "schema"]
        body = r.json() if sent.endswith("json") else r.text
        errors = checker.errors(body, schema_pointer)
        assert not errors, f"{label}: the body does not match the document:\n" + "\n".join(errors) + f"\n{r.text}"
    for name, header in declared.get("headers", {}).items():
        header_pointer, header = follow(spec, pointer + ["headers", name])
        value = r.headers.get(name)
        if value is None:
            assert not header.get("required"), f"{label}: the documented header {name} is missing"
            continue
        if "schema" not in header:
            continue
        _, schema = follow(spec, header_pointer + ["schema"])
        typed = int(value) if schema.get("type") == "integer" else value
        errors = checker.errors(typed, header_pointer + ["schema"])
        assert not errors, f"{label}: header {name}: {value!r} does not match the document: {errors}"


def check_route_response(spec, method: str, template: str, r):
    label = f"{method} {template} → {r.status_code}"
    operation = spec["paths"].get(template, {}).get(method.lower())
    documented = operation is not None
    assert documented, f"{method} {template} is not in the document"
    assert str(r.status_code) in operation["responses"], (
        f"{label}: the document does not declare this status for the route; it has {sorted(operation['responses'])}")
    check_response(spec, ["paths", template, method.lower(), "responses", str(r.status_code)], r, label)


class Context:
    """Accounts and objects the cases below read and change; made once for the module."""

    def __init__(self, stack):
        self.stack = stack
        self.url = stack.url
        self.admin_email = unique_email("oas-admin")
        out = stack.cli("create-admin", "--email", self.admin_email, "--password-stdin", input=PASSWORD + "\n")
        assert out.returncode == 0, out.stderr
        self.admin_tokens = self.login(self.admin_email)
        self.admin = self.client(self.admin_tokens["access_token"])
        # A user without management permissions, registered through the open registration of the shared stack.
        self.plain_email = unique_email("oas-plain")
        r = stack.session().post(
            self.url("/auth/register"), json={"email": self.plain_email, "password": PASSWORD, "name": "Plain"})
        assert r.status_code == 201, r.text
        self.plain_id = r.json()["id"]
        self.plain = self.client(self.login(self.plain_email)["access_token"])
        self.role = f"oas-{uuid.uuid4().hex[:8]}"
        r = self.admin.put(self.url(f"/roles/{self.role}"), json={"description": "OpenAPI test", "permissions": ["read:data"]})
        assert r.status_code == 201, r.text
        # A managed user with a global role and an assignment (so its tokens carry ctx and assignments).
        self.user_email = unique_email("oas-user")
        r = self.admin.post(self.url("/users"), json={
            "email": self.user_email, "password": PASSWORD, "name": "Managed", "roles": [self.role]})
        assert r.status_code == 201, r.text
        self.user_id = r.json()["id"]
        r = self.admin.post(self.url(f"/users/{self.user_id}/assignments"),
                            json={"zone": "ZoneA", "department": "FieldTeam", "role": self.role})
        assert r.status_code == 201, r.text
        self.assignment_id = r.json()["id"]

    def stack_user(self):
        """A newly registered user's email."""
        email = unique_email("oas-new")
        r = self.stack.session().post(self.url("/auth/register"), json={"email": email, "password": PASSWORD, "name": "New"})
        assert r.status_code == 201, r.text
        return email

    def login(self, email, **extra):
        r = self.stack.session().post(self.url("/auth/login"), json={"email": email, "password": PASSWORD, **extra})
        assert r.status_code == 200, r.text
        return r.json()

    def client(self, token=None):
        s = self.stack.session()
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        return s


@pytest.fixture(scope="module")
def ctx(stack):
    return Context(stack)


CASES = []


def case(method, template, status):
    """Registers a request that should answer `status` on the route `method template`."""
    def register(make):
        CASES.append(pytest.param(make, method, template, status, id=f"{method} {template} {status} {make.__name__}"))
        return make
    return register


@case("POST", "/auth/login", 200)
def login_tokens(c):
    return c.stack.session().post(c.url("/auth/login"), json={"email": c.admin_email, "password": PASSWORD})


@case("POST", "/auth/login", 200)
def login_cookie_mode(c):
    r = c.stack.session().post(c.url("/auth/login"), json={"email": c.plain_email, "password": PASSWORD},
                               headers={"X-Requested-With": "fetch"})
    assert "refresh_token" not in r.json() and r.headers["Set-Cookie"].startswith("gh_refresh="), r.headers
    return r


@case("POST", "/auth/login", 401)
def login_wrong_password(c):
    return c.stack.session().post(c.url("/auth/login"), json={"email": unique_email("nobody"), "password": "x" * 12})


@case("POST", "/auth/login", 400)
def login_not_json(c):
    return c.stack.session().post(c.url("/auth/login"), data="{not json",
                                  headers={"Content-Type": "application/json"})


@case("POST", "/auth/login", 415)
def login_wrong_media_type(c):
    return c.stack.session().post(c.url("/auth/login"), data="email=a", headers={"Content-Type": "text/plain"})


@case("POST", "/auth/login", 422)
def login_without_email(c):
    return c.stack.session().post(c.url("/auth/login"), json={"password": PASSWORD})


def mfa_user(c):
    """A new user with TOTP on: (client with its token, secret, recovery codes, email). Codes come from oathtool."""
    email = unique_email("oas-mfa")
    r = c.stack.session().post(c.url("/auth/register"), json={"email": email, "password": PASSWORD, "name": "MFA"})
    assert r.status_code == 201, r.text
    client = c.client(c.login(email)["access_token"])
    secret = client.post(c.url("/auth/mfa/totp/enroll")).json()["secret"]
    r = client.post(c.url("/auth/mfa/totp/confirm"), json={"code": oath_code(secret)})
    assert r.status_code == 200, r.text
    return client, secret, r.json()["recovery_codes"], email


def oath_code(secret, offset_steps=0):
    at = int(time.time()) + 30 * offset_steps
    return subprocess.run(["oathtool", "--totp", "-b", "-N", f"@{at}", secret], capture_output=True, text=True,
                          check=True).stdout.strip()


@case("POST", "/auth/mfa/totp/enroll", 200)
def mfa_enroll(c):
    return c.plain.post(c.url("/auth/mfa/totp/enroll"))


@case("POST", "/auth/mfa/totp/confirm", 200)
def mfa_confirm(c):
    client = c.client(c.login(c.stack_user())["access_token"])
    secret = client.post(c.url("/auth/mfa/totp/enroll")).json()["secret"]
    return client.post(c.url("/auth/mfa/totp/confirm"), json={"code": oath_code(secret)})


@case("POST", "/auth/mfa/totp/confirm", 422)
def mfa_confirm_wrong(c):
    client = c.client(c.login(c.stack_user())["access_token"])
    client.post(c.url("/auth/mfa/totp/enroll"))
    return client.post(c.url("/auth/mfa/totp/confirm"), json={"code": "12"})


@case("GET", "/auth/mfa", 200)
def mfa_status(c):
    return mfa_user(c)[0].get(c.url("/auth/mfa"))


@case("POST", "/auth/login", 401)
def login_mfa_required(c):
    _, _, _, email = mfa_user(c)
    return c.stack.session().post(c.url("/auth/login"), json={"email": email, "password": PASSWORD})


@case("POST", "/auth/mfa/verify", 200)
def mfa_verify(c):
    _, secret, _, email = mfa_user(c)
    token = c.stack.session().post(c.url("/auth/login"), json={"email": email, "password": PASSWORD}).json()["mfa_token"]
    return c.stack.session().post(c.url("/auth/mfa/verify"), json={"mfa_token": token, "code": oath_code(secret, 1)})


@case("POST", "/auth/mfa/verify", 401)
def mfa_verify_unknown_token(c):
    return c.stack.session().post(c.url("/auth/mfa/verify"), json={"mfa_token": "A" * 43, "code": "123456"})


@case("POST", "/auth/mfa/recovery-codes", 200)
def mfa_regenerate(c):
    return mfa_user(c)[0].post(c.url("/auth/mfa/recovery-codes"), json={"password": PASSWORD})


@case("DELETE", "/auth/mfa/totp", 204)
def mfa_disable(c):
    return mfa_user(c)[0].delete(c.url("/auth/mfa/totp"), json={"password": PASSWORD})


@case("DELETE", "/users/{id}/mfa", 204)
def mfa_admin_reset(c):
    client, _, _, _ = mfa_user(c)
    user_id = client.get(c.url("/auth/me")).json()["id"]
    return c.admin.delete(c.url(f"/users/{user_id}/mfa"))


@case("POST", "/auth/refresh", 200)
def refresh(c):
    tokens = c.login(c.plain_email)
    return c.stack.session().post(c.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]})


@case("POST", "/auth/refresh", 401)
def refresh_unknown(c):
    return c.stack.session().post(c.url("/auth/refresh"), json={"refresh_token": "A" * 43})


@case("POST", "/auth/register", 409)
def register_taken(c):
    return c.stack.session().post(
        c.url("/auth/register"), json={"email": c.plain_email, "password": PASSWORD, "name": "Again"})


@case("GET", "/auth/me", 200)
def me(c):
    return c.admin.get(c.url("/auth/me"))


@case("GET", "/auth/me", 200)
def me_with_assignment(c):
    r = c.client(c.login(c.user_email)["access_token"]).get(c.url("/auth/me"))
    assert r.json()["ctx"]["zone"] == "ZoneA" and len(r.json()["assignments"]) == 1, r.text
    return r


@case("GET", "/auth/me", 401)
def me_without_token(c):
    r = c.client().get(c.url("/auth/me"))
    assert r.json()["code"] == "token_missing"
    return r


@case("GET", "/auth/me", 401)
def me_with_bad_token(c):
    r = c.client("not.a.token").get(c.url("/auth/me"))
    assert r.json()["code"] == "token_invalid"
    return r


@case("GET", "/auth/permissions", 200)
def my_permissions(c):
    return c.plain.get(c.url("/auth/permissions"))


@case("GET", "/auth/sessions", 200)
def my_sessions(c):
    return c.admin.get(c.url("/auth/sessions"))


@case("DELETE", "/auth/sessions/{id}", 404)
def revoke_unknown_session(c):
    return c.admin.delete(c.url(f"/auth/sessions/{uuid.uuid4()}"))


@case("PUT", "/auth/password", 422)
def change_password_wrong_current(c):
    r = c.plain.put(c.url("/auth/password"), json={"current_password": "not the password", "new_password": PASSWORD})
    assert [e["field"] for e in r.json()["errors"]] == ["current_password"]
    return r


@case("POST", "/auth/password/forgot", 202)
def forgot_password(c):
    return c.stack.session().post(c.url("/auth/password/forgot"), json={"email": unique_email("nobody")})


@case("POST", "/auth/password/reset", 422)
def reset_with_bad_token(c):
    return c.stack.session().post(c.url("/auth/password/reset"), json={"token": "nope", "new_password": PASSWORD})


@case("GET", "/auth/verify", 204)
def verify(c):
    return c.admin.get(c.url("/auth/verify"))


@case("GET", "/auth/verify", 403)
def verify_missing_permission(c):
    return c.plain.get(c.url("/auth/verify"), headers={"X-Required-Permission": "admin:access"})


@case("GET", "/auth/verify", 401)
def verify_without_token(c):
    return c.client().get(c.url("/auth/verify"))


@case("GET", "/.well-known/jwks.json", 200)
def jwks(c):
    return c.client().get(c.url("/.well-known/jwks.json"))


@case("GET", "/.well-known/openid-configuration", 200)
def openid_configuration(c):
    return c.client().get(c.url("/.well-known/openid-configuration"))


@case("GET", "/health", 200)
def health(c):
    return c.client().get(c.url("/health"))


@case("GET", "/connection/test", 200)
def connection_test(c):
    return c.client().get(c.url("/connection/test"))


@case("GET", "/connection/stats", 200)
def connection_stats(c):
    return c.admin.get(c.url("/connection/stats"))


@case("GET", "/connection/stats", 403)
def connection_stats_forbidden(c):
    return c.plain.get(c.url("/connection/stats"))


@case("GET", "/metrics", 200)
def metrics(c):
    return c.client().get(c.url("/metrics"))


def service_client(c, secret=None):
    s = c.client()
    s.headers["X-Service-Token"] = c.stack.setting("SERVICE_SECRET") if secret is None else secret
    return s


@case("POST", "/internal/validate", 200)
def validate_good_token(c):
    # The managed user's token carries ctx and assignments: the whole claims schema is exercised.
    r = service_client(c).post(c.url("/internal/validate"), json={"token": c.login(c.user_email)["access_token"]})
    assert r.json()["valid"] is True, r.text
    return r


@case("POST", "/internal/validate", 200)
def validate_bad_token(c):
    r = service_client(c).post(c.url("/internal/validate"), json={"token": "a.b.c"})
    assert r.json()["valid"] is False, r.text
    return r


@case("POST", "/internal/validate", 401)
def validate_wrong_service_token(c):
    return service_client(c, "wrong").post(c.url("/internal/validate"), json={"token": "a.b.c"})


@case("POST", "/internal/validate", 400)
def validate_wrong_type(c):
    return service_client(c).post(c.url("/internal/validate"), json={"token": 1})


@case("POST", "/internal/validate", 422)
def validate_no_token(c):
    return service_client(c).post(c.url("/internal/validate"), json={})


@case("GET", "/users", 200)
def list_users(c):
    return c.admin.get(c.url("/users"), params={"limit": 2})


@case("GET", "/users", 403)
def list_users_forbidden(c):
    return c.plain.get(c.url("/users"))


@case("GET", "/users", 422)
def list_users_bad_limit(c):
    return c.admin.get(c.url("/users"), params={"limit": 201})


@case("POST", "/users", 201)
def create_user(c):
    return c.admin.post(c.url("/users"), json={"email": unique_email("oas-new"), "name": "New", "profile": {"a": 1}})


@case("POST", "/users", 422)
def create_user_invalid(c):
    r = c.admin.post(c.url("/users"), json={"email": "not an email", "password": "short"})
    assert {e["field"] for e in r.json()["errors"]} == {"email", "password"}
    return r


@case("GET", "/users/{id}", 200)
def read_user(c):
    return c.admin.get(c.url(f"/users/{c.user_id}"))


@case("GET", "/users/{id}", 404)
def read_unknown_user(c):
    return c.admin.get(c.url(f"/users/{uuid.uuid4()}"))


@case("PUT", "/users/{id}", 200)
def update_own_name(c):
    return c.plain.put(c.url(f"/users/{c.plain_id}"), json={"name": "Plain Renamed"})


@case("PUT", "/users/{id}", 403)
def update_own_roles(c):
    return c.plain.put(c.url(f"/users/{c.plain_id}"), json={"roles": ["admin"]})


@case("DELETE", "/users/{id}", 409)
def delete_self(c):
    return c.admin.delete(c.url(f"/users/{c.admin_tokens['user']['id']}"))


@case("GET", "/users/{id}/assignments", 200)
def list_assignments(c):
    return c.admin.get(c.url(f"/users/{c.user_id}/assignments"))


@case("POST", "/users/{id}/assignments", 409)
def duplicate_assignment(c):
    return c.admin.post(c.url(f"/users/{c.user_id}/assignments"),
                        json={"zone": "ZoneA", "department": "FieldTeam", "role": c.role})


@case("PUT", "/users/{id}/assignments/{aid}", 200)
def update_assignment(c):
    return c.admin.put(c.url(f"/users/{c.user_id}/assignments/{c.assignment_id}"), json={"rules": {"cidrs": ["0.0.0.0/0", "::/0"]}})


@case("GET", "/roles", 200)
def list_roles(c):
    return c.admin.get(c.url("/roles"))


@case("GET", "/roles/{name}", 200)
def read_role(c):
    return c.admin.get(c.url(f"/roles/{c.role}"))


@case("PUT", "/roles/{name}", 200)
def replace_role(c):
    return c.admin.put(c.url(f"/roles/{c.role}"), json={"description": "OpenAPI test", "permissions": ["read:data"]})


@case("POST", "/roles", 409)
def create_taken_role(c):
    return c.admin.post(c.url("/roles"), json={"name": c.role, "permissions": []})


@case("GET", "/permissions/user/{id}", 200)
def user_permissions(c):
    return c.admin.get(c.url(f"/permissions/user/{c.user_id}"))


@case("POST", "/permissions/check", 200)
def check_permission(c):
    return c.admin.post(c.url("/permissions/check"), json={
        "permission": "read:data", "zone": "ZoneA", "department": "FieldTeam", "user_id": c.user_id})


@case("GET", "/permissions/context/{zone}/{department}", 200)
def context_permissions(c):
    return c.plain.get(c.url("/permissions/context/ZoneA/FieldTeam"))


@case("GET", "/audit", 200)
def audit(c):
    return c.admin.get(c.url("/audit"), params={"limit": 5})


@case("POST", "/auth/logout", 204)
def logout(c):
    tokens = c.login(c.plain_email)
    return c.client(tokens["access_token"]).post(c.url("/auth/logout"))


def new_client(c, **fields):
    r = c.admin.post(c.url("/clients"), json={"name": f"oas-client-{uuid.uuid4().hex[:8]}",
                                              "ip_allowlist": ["127.0.0.1/32"], **fields})
    assert r.status_code == 201, r.text
    return r.json()


@case("POST", "/clients", 201)
def client_created(c):
    return c.admin.post(c.url("/clients"), json={"name": "oas", "ip_allowlist": ["127.0.0.1/32", "2001:db8::/32"],
                                                 "origin_allowlist": ["https://app.example"]})


@case("POST", "/clients", 422)
def client_bad_cidr(c):
    return c.admin.post(c.url("/clients"), json={"name": "oas", "ip_allowlist": ["10.0.0.0/99"]})


@case("GET", "/clients", 200)
def clients_listed(c):
    new_client(c)
    return c.admin.get(c.url("/clients?limit=2"))


@case("GET", "/clients/{id}", 200)
def client_read(c):
    return c.admin.get(c.url(f"/clients/{new_client(c)['client']['id']}"))


@case("GET", "/clients/{id}", 404)
def client_missing(c):
    return c.admin.get(c.url(f"/clients/{uuid.uuid4()}"))


@case("PUT", "/clients/{id}", 200)
def client_updated(c):
    return c.admin.put(c.url(f"/clients/{new_client(c)['client']['id']}"), json={"name": "renamed"})


@case("DELETE", "/clients/{id}", 204)
def client_deleted(c):
    return c.admin.delete(c.url(f"/clients/{new_client(c)['client']['id']}"))


@case("POST", "/clients/{id}/keys/rotate", 200)
def client_key_rotated(c):
    return c.admin.post(c.url(f"/clients/{new_client(c)['client']['id']}/keys/rotate"))


@case("DELETE", "/clients/{id}/keys/{kid}", 204)
def client_key_revoked(c):
    created = new_client(c)
    return c.admin.delete(c.url(f"/clients/{created['client']['id']}/keys/{created['client']['keys'][0]['kid']}"))


@case("GET", "/clients", 403)
def clients_forbidden(c):
    return c.plain.get(c.url("/clients"))


@case("POST", "/sdk/session", 200)
def sdk_session(c):
    key = new_client(c)["api_key"]
    return c.stack.session().post(c.url("/sdk/session"), headers={"X-API-Key": key},
                                  json={"external_user_id": "oas-ext", "email": "ext@example.com"})


@case("POST", "/sdk/session", 401)
def sdk_session_bad_key(c):
    return c.stack.session().post(c.url("/sdk/session"), headers={"X-API-Key": "gh_nope"},
                                  json={"external_user_id": "oas-ext"})


@case("POST", "/sdk/session", 403)
def sdk_session_outside_allowlist(c):
    key = new_client(c, ip_allowlist=["10.0.0.0/8"])["api_key"]
    return c.stack.session().post(c.url("/sdk/session"), headers={"X-API-Key": key},
                                  json={"external_user_id": "oas-ext"})


@case("POST", "/sdk/refresh", 200)
def sdk_refresh(c):
    key = new_client(c)["api_key"]
    tokens = c.stack.session().post(c.url("/sdk/session"), headers={"X-API-Key": key},
                                    json={"external_user_id": "oas-ext"}).json()
    return c.stack.session().post(c.url("/sdk/refresh"), json={"refresh_token": tokens["refresh_token"]})


@case("POST", "/sdk/logout", 204)
def sdk_logout(c):
    key = new_client(c)["api_key"]
    tokens = c.stack.session().post(c.url("/sdk/session"), headers={"X-API-Key": key},
                                    json={"external_user_id": "oas-ext"}).json()
    return c.client(tokens["access_token"]).post(c.url("/sdk/logout"))


@case("GET", "/auth/verify", 204)
def verify_api_key(c):
    r = c.stack.session().get(c.url("/auth/verify"), headers={"X-API-Key": new_client(c)["api_key"]})
    assert r.headers["X-Client-Id"], r.headers
    return r


@case("POST", "/internal/validate-api-key", 200)
def internal_validate_api_key(c):
    return c.stack.session().post(c.url("/internal/validate-api-key"),
                                  headers={"X-Service-Token": c.stack.setting("SERVICE_SECRET")},
                                  json={"api_key": new_client(c)["api_key"], "ip": "10.0.0.1"})


@case("POST", "/internal/validate-api-key", 401)
def internal_validate_api_key_without_token(c):
    return c.stack.session().post(c.url("/internal/validate-api-key"), json={"api_key": "x", "ip": "10.0.0.1"})


@case("POST", "/internal/validate-api-key", 422)
def internal_validate_api_key_without_ip(c):
    return c.stack.session().post(c.url("/internal/validate-api-key"),
                                  headers={"X-Service-Token": c.stack.setting("SERVICE_SECRET")},
                                  json={"api_key": "x"})


def new_webhook(c, **fields):
    # A closed loopback port, for an event no case writes: nothing is ever sent anywhere.
    r = c.admin.post(c.url("/webhooks"), json={"url": "http://127.0.0.1:9/hook", "events": ["webhook.deactivated"],
                                               **fields})
    assert r.status_code == 201, r.text
    return r


@case("GET", "/events", 200)
def events(c):
    return c.admin.get(c.url("/events"), params={"limit": 5})


@case("GET", "/events", 422)
def events_unknown_type(c):
    return c.admin.get(c.url("/events"), params={"type": "nope"})


@case("POST", "/webhooks", 201)
def webhook_created(c):
    return new_webhook(c)


@case("POST", "/webhooks", 422)
def webhook_invalid(c):
    return c.admin.post(c.url("/webhooks"), json={"url": "ftp://x", "events": ["nope"]})


@case("GET", "/webhooks", 200)
def webhooks(c):
    new_webhook(c)
    return c.admin.get(c.url("/webhooks"), params={"limit": 5})


@case("GET", "/webhooks", 403)
def webhooks_forbidden(c):
    return c.plain.get(c.url("/webhooks"))


@case("GET", "/webhooks/{id}", 200)
def webhook(c):
    return c.admin.get(c.url(f"/webhooks/{new_webhook(c).json()['id']}"))


@case("GET", "/webhooks/{id}", 404)
def webhook_missing(c):
    return c.admin.get(c.url(f"/webhooks/{uuid.uuid4()}"))


@case("PUT", "/webhooks/{id}", 200)
def webhook_updated(c):
    return c.admin.put(c.url(f"/webhooks/{new_webhook(c).json()['id']}"), json={"active": False})


@case("DELETE", "/webhooks/{id}", 204)
def webhook_deleted(c):
    return c.admin.delete(c.url(f"/webhooks/{new_webhook(c).json()['id']}"))


@case("POST", "/webhooks/{id}/secret/rotate", 200)
def webhook_rotated(c):
    return c.admin.post(c.url(f"/webhooks/{new_webhook(c).json()['id']}/secret/rotate"))


@case("GET", "/webhooks/{id}/deliveries", 200)
def webhook_deliveries(c):
    return c.admin.get(c.url(f"/webhooks/{new_webhook(c).json()['id']}/deliveries"))


@case("POST", "/webhooks/{id}/deliveries/{delivery_id}/redeliver", 404)
def webhook_redeliver_missing(c):
    return c.admin.post(c.url(f"/webhooks/{new_webhook(c).json()['id']}/deliveries/{uuid.uuid4()}/redeliver"))


@pytest.mark.parametrize("make,method,template,status", CASES)
def test_live_response_matches_document(spec, ctx, make, method, template, status):
    r = make(ctx)
    assert r.status_code == status, (r.status_code, r.text)
    check_route_response(spec, method, template, r)


def test_cases_cover_the_required_responses():
    covered = {(values[1], values[2], values[3]) for values in (p.values for p in CASES)}
    for wanted in [("POST", "/auth/login", 200), ("GET", "/auth/me", 200), ("GET", "/auth/me", 401),
                   ("POST", "/users", 422), ("GET", "/users", 200), ("GET", "/roles/{name}", 200),
                   ("GET", "/health", 200), ("GET", "/connection/test", 200), ("GET", "/.well-known/jwks.json", 200),
                   ("GET", "/.well-known/openid-configuration", 200)]:
        assert wanted in covered, wanted


def test_method_not_allowed_matches_document(spec, ctx):
    r = ctx.client().delete(ctx.url("/health"))
    assert r.status_code == 405, r.text
    assert r.headers["Allow"] == "GET, HEAD"
    check_response(spec, ["components", "responses", "MethodNotAllowed"], r, "DELETE /health → 405")


def decode_segment(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_access_token_claims_match_document(spec, ctx):
    checker = SchemaChecker(spec)
    claims_pointer = ["components", "schemas", "AccessClaims"]
    # A user with an assignment carries ctx and assignments; the admin has neither.
    for email in (ctx.admin_email, ctx.user_email):
        token = ctx.login(email)["access_token"]
        claims = decode_segment(token.split(".")[1])
        assert not checker.errors(claims, claims_pointer), checker.errors(claims, claims_pointer)
        verified = ctx.client(token).get(ctx.url("/auth/verify"))
        assert verified.status_code == 204, verified.text
        context = decode_segment(verified.headers["X-Auth-Context"])
        assert context == claims
    assert "ctx" in claims and "assignments" in claims, claims


def test_sdk_session_claims_match_document(spec, ctx):
    checker = SchemaChecker(spec)
    key = new_client(ctx)["api_key"]
    r = ctx.stack.session().post(ctx.url("/sdk/session"), headers={"X-API-Key": key},
                                 json={"external_user_id": "oas-claims", "email": "claims@example.com"})
    assert r.status_code == 200, r.text
    claims = decode_segment(r.json()["access_token"].split(".")[1])
    assert "tenant" in claims and claims["ext"] == "oas-claims"
    errors = checker.errors(claims, ["components", "schemas", "AccessClaims"])
    assert not errors, errors
