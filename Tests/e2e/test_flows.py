"""The flows of the five source designs, each as one test, through nginx over HTTPS."""
import jwt

from helpers import PASSWORD, bearer, claims_of, import_roles, import_users, login, register, unique_email
from test_auth import reset_token_from_mail


def test_resource_action_permissions_flow(stack, tmp_path):
    """login → protected → admin 403 → refresh, with `resource:action` permissions from roles."""
    import_roles(stack, tmp_path, {"field-engineer": ["user:read", "field:manage"]})
    email = unique_email("engineer")
    import_users(stack, tmp_path, [{"email": email, "name": "Field Engineer", "password": PASSWORD,
                                    "roles": ["field-engineer"], "is_active": True}])
    tokens = login(stack, email)
    assert sorted(tokens["user"]["permissions"]) == ["field:manage", "user:read"]
    s = stack.session()
    r = s.get(stack.url("/app/work-orders"), headers=bearer(tokens))
    assert r.status_code == 200
    assert r.json()["headers"]["x-user-roles"] == "field-engineer"
    assert s.get(stack.url("/app/admin/"), headers=bearer(tokens)).status_code == 403
    r = s.get(stack.url("/auth/verify"), headers={**bearer(tokens), "X-Required-Permission": "user:read,field:manage"})
    assert r.status_code == 204
    r = s.get(stack.url("/auth/verify"), headers={**bearer(tokens), "X-Required-Permission": "user:read,user:delete"})
    assert r.status_code == 403
    fresh = s.post(stack.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]}).json()
    assert sorted(claims_of(fresh["access_token"])["permissions"]) == ["field:manage", "user:read"]
    assert s.get(stack.url("/app/work-orders"), headers=bearer(fresh)).status_code == 200


def test_local_hs256_validation_flow(fresh_stack):
    """login → a service holding JWT_SECRET validates the token locally (the 'foundation' service design)."""
    secret = "a-shared-secret-of-at-least-32-bytes!"
    stack = fresh_stack({"JWT_ALG": "HS256", "JWT_SECRET": f"{secret},another-secret-only-for-verifying-xx",
                         "REGISTRATION_OPEN": "true"})
    user = register(stack)
    tokens = login(stack, user["email"])
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "HS256" and "kid" not in header
    claims = jwt.decode(tokens["access_token"], secret, algorithms=["HS256"], audience="gatehouse",
                        issuer=stack.setting("JWT_ISSUER"))
    assert claims["sub"] == user["id"]
    assert stack.session().get(stack.url("/.well-known/jwks.json")).json() == {"keys": []}
    discovery = stack.session().get(stack.url("/.well-known/openid-configuration")).json()
    assert discovery["id_token_signing_alg_values_supported"] == []
    # A token signed by the second (verify-only) secret is accepted; a token under another secret is not.
    other = jwt.encode(claims, "another-secret-only-for-verifying-xx", algorithm="HS256")
    assert stack.session().get(stack.url("/auth/verify"), headers={"Authorization": f"Bearer {other}"}).status_code == 204
    forged = jwt.encode(claims, "not-the-secret-but-long-enough-000000", algorithm="HS256")
    assert stack.session().get(stack.url("/auth/verify"), headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_register_login_rotate_logout_flow(stack):
    """register → login → refresh rotation → logout (the auth-microservice design)."""
    user = register(stack)
    tokens = login(stack, user["email"])
    s = stack.session()
    chain = [tokens]
    for _ in range(3):
        r = s.post(stack.url("/auth/refresh"), json={"refresh_token": chain[-1]["refresh_token"]})
        assert r.status_code == 200
        chain.append(r.json())
    assert len({t["refresh_token"] for t in chain}) == 4
    assert len({claims_of(t["access_token"])["sid"] for t in chain}) == 1
    sessions = s.get(stack.url("/auth/sessions"), headers=bearer(chain[-1])).json()["items"]
    assert len(sessions) == 1
    assert s.post(stack.url("/auth/logout"), headers=bearer(chain[-1])).status_code == 204
    r = s.post(stack.url("/auth/refresh"), json={"refresh_token": chain[-1]["refresh_token"]})
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"


def test_forgot_reset_flow(stack):
    """password forgot → reset: the mail goes through MAILER_COMMAND, every session ends, the new password works."""
    user = register(stack)
    tokens = login(stack, user["email"])
    assert stack.session().post(stack.url("/auth/password/forgot"), json={"email": user["email"]}).status_code == 202
    token = reset_token_from_mail(stack, user["email"])
    r = stack.session().post(stack.url("/auth/password/reset"), json={"token": token, "new_password": "brand new passphrase"})
    assert r.status_code == 204
    assert stack.session().get(stack.url("/auth/verify"), headers=bearer(tokens)).status_code == 401
    login(stack, user["email"], "brand new passphrase")


def test_create_admin_then_users_crud_flow(stack):
    """create-admin → users CRUD (the single-source-of-truth design's admin side)."""
    email = unique_email("admin")
    out = stack.cli("create-admin", "--email", email)
    assert out.returncode == 0, out.stderr
    password = out.stdout.split("password: ")[1].strip()
    admin = login(stack, email, password)
    assert admin["user"]["permissions"] == ["*:*"]
    s = stack.session()
    created = s.post(stack.url("/users"), headers=bearer(admin),
                     json={"email": unique_email("crud"), "password": PASSWORD, "name": "Crud", "roles": [], "is_active": True})
    assert created.status_code == 201, created.text
    uid = created.json()["id"]
    assert s.get(stack.url(f"/users/{uid}"), headers=bearer(admin)).json()["name"] == "Crud"
    updated = s.put(stack.url(f"/users/{uid}"), headers=bearer(admin), json={"name": "Crud Renamed"})
    assert updated.status_code == 200 and updated.json()["name"] == "Crud Renamed"
    assert s.delete(stack.url(f"/users/{uid}"), headers=bearer(admin)).status_code == 204
    assert s.get(stack.url(f"/users/{uid}"), headers=bearer(admin)).status_code == 404
