"""Helpers for the end-to-end tests: accounts, logins and tokens through the real stack."""
import base64
import json
import uuid


def unique_email(prefix="user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


PASSWORD = "correct horse battery staple"


def register(stack, email=None, password=PASSWORD, name="Test User"):
    email = email or unique_email()
    r = stack.session().post(stack.url("/auth/register"), json={"email": email, "password": password, "name": name})
    assert r.status_code == 201, r.text
    return r.json()


def login(stack, email, password=PASSWORD, **extra):
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": password, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def new_user(stack, **kwargs):
    """A registered user and its token response."""
    user = register(stack, **kwargs)
    return user, login(stack, user["email"], kwargs.get("password", PASSWORD))


def bearer(tokens) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def import_roles(stack, tmp_path, roles: dict):
    path = tmp_path / f"roles-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps({"roles": roles}))
    out = stack.cli("roles", "import", str(path))
    assert out.returncode == 0, out.stderr


def import_users(stack, tmp_path, users: list):
    path = tmp_path / f"users-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps({"users": users}))
    out = stack.cli("users", "import", str(path))
    assert out.returncode == 0, out.stderr


def assert_problem(r, status, code):
    """Asserts a problem+json answer (API.md "Errors") with this status and code; returns its body."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["code"] == code, body
    return body


def error_fields(r):
    """The field errors of a 422 `validation_failed`, as {field: message}."""
    body = assert_problem(r, 422, "validation_failed")
    return {e["field"]: e["message"] for e in body["errors"]}
