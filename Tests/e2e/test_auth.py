"""Authentication routes of API.md through nginx over HTTPS: success and error paths, bodies and codes."""
import concurrent.futures
import statistics
import time

import jwt
import pytest

from helpers import PASSWORD, assert_problem, bearer, claims_of, login, new_user, register, unique_email


def problem(r, status, code):
    return assert_problem(r, status, code)


# --- register ------------------------------------------------------------------------------------------


def test_register_returns_the_user(stack):
    email = unique_email("Reg")
    user = register(stack, email=f"  {email.upper()} ", name="Ada Lovelace")
    assert user["email"] == email.lower()
    assert user["name"] == "Ada Lovelace"
    assert user["is_active"] is True
    assert user["roles"] == []
    assert set(user) == {"id", "email", "name", "roles", "is_active", "profile", "created_at", "updated_at"}


@pytest.mark.parametrize("body,field", [
    ({"email": "not-an-email", "password": PASSWORD, "name": "x"}, "email"),
    ({"email": "a@example.com", "password": "short", "name": "x"}, "password"),
    ({"email": "a@example.com", "password": "password123", "name": "x"}, "password"),
    ({"email": "a@example.com", "password": PASSWORD}, "name"),
])
def test_register_validation(stack, body, field):
    body = problem(stack.session().post(stack.url("/auth/register"), json=body), 422, "validation_failed")
    assert field in [e["field"] for e in body["errors"]]


def test_register_password_equal_to_email_is_refused(stack):
    email = unique_email()
    body = problem(stack.session().post(stack.url("/auth/register"), json={"email": email, "password": email, "name": "x"}),
                   422, "validation_failed")
    assert body["errors"][0]["field"] == "password"


def test_register_duplicate_is_409(stack):
    user = register(stack)
    problem(stack.session().post(stack.url("/auth/register"),
                                 json={"email": user["email"].upper(), "password": PASSWORD, "name": "x"}), 409, "conflict")


def test_register_bad_json_and_media_type(stack):
    s = stack.session()
    problem(s.post(stack.url("/auth/register"), data="{nope", headers={"Content-Type": "application/json"}), 400,
            "invalid_request")
    problem(s.post(stack.url("/auth/register"), data="[]", headers={"Content-Type": "application/json"}), 400,
            "invalid_request")
    problem(s.post(stack.url("/auth/register"), json={"email": 5, "password": PASSWORD, "name": "x"}), 400,
            "invalid_request")
    problem(s.post(stack.url("/auth/register"), data="email=a", headers={"Content-Type": "application/x-www-form-urlencoded"}),
            415, "unsupported_media_type")


def test_registration_closed_by_default(fresh_stack):
    stack = fresh_stack()
    problem(stack.session().post(stack.url("/auth/register"), json={"email": unique_email(), "password": PASSWORD, "name": "x"}),
            403, "registration_closed")


# --- login ---------------------------------------------------------------------------------------------


def test_login_token_response_and_claims(stack):
    user, tokens = new_user(stack)
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in", "user"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    assert tokens["refresh_expires_in"] == 604800
    assert len(tokens["refresh_token"]) >= 43
    assert tokens["user"] == {"id": user["id"], "email": user["email"], "name": user["name"], "roles": [], "permissions": []}
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "EdDSA" and header["kid"]
    claims = claims_of(tokens["access_token"])
    assert claims["sub"] == user["id"] and claims["iss"] == stack.setting("JWT_ISSUER") and claims["aud"] == "gatehouse"
    assert claims["exp"] - claims["iat"] == 900 and claims["nbf"] == claims["iat"]
    for key in ("sid", "jti", "email", "name", "roles", "permissions"):
        assert key in claims
    assert "ctx" not in claims and "assignments" not in claims


def test_login_normalises_the_email_and_accepts_username(stack):
    user = register(stack)
    login(stack, "  " + user["email"].upper() + " ")
    r = stack.session().post(stack.url("/auth/login"), json={"username": user["email"], "password": PASSWORD})
    assert r.status_code == 200


def test_wrong_password_and_unknown_email_answer_alike(stack):
    # Two accounts, four wrong guesses each: below the lockout threshold of 5.
    users = [register(stack), register(stack)]
    s = stack.session()
    wrong, unknown = [], []
    for i in range(8):
        t = time.perf_counter()
        a = s.post(stack.url("/auth/login"), json={"email": users[i % 2]["email"], "password": "not the password"})
        wrong.append(time.perf_counter() - t)
        t = time.perf_counter()
        b = s.post(stack.url("/auth/login"), json={"email": unique_email("ghost"), "password": "not the password"})
        unknown.append(time.perf_counter() - t)
        assert a.status_code == b.status_code == 401
        assert a.json() == b.json()
        assert a.json()["code"] == "invalid_credentials"
    # An unknown account still pays an argon2 verification: not several times faster (a loose bound, as the
    # machine may be busy; without the dummy verification the unknown case is over ten times faster).
    assert statistics.median(unknown) > 0.25 * statistics.median(wrong), (wrong, unknown)


def test_login_missing_fields(stack):
    body = problem(stack.session().post(stack.url("/auth/login"), json={"email": "a@example.com"}), 422, "validation_failed")
    assert body["errors"] == [{"field": "password", "message": "is required"}]
    problem(stack.session().post(stack.url("/auth/login"), json={"password": "x"}), 422, "validation_failed")


def test_auth_responses_are_not_cached(stack):
    user = register(stack)
    r = stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": "wrong-password"})
    assert r.headers["cache-control"] == "no-store"
    r = stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
    assert r.headers["cache-control"] == "no-store"


def test_parallel_logins_queue_behind_argon2_concurrency(fresh_stack):
    """ARGON2_CONCURRENCY=1 with four workers: eight logins at once all succeed, and the hashes that had to wait
    for the one slot are counted (one hash at a time is checked across processes by ConcurrencyGateTests)."""
    stack = fresh_stack({"REGISTRATION_OPEN": "true", "WORKERS": "4", "ARGON2_CONCURRENCY": "1",
                         "RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m"})
    user = register(stack)

    def attempt(_):
        return stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(attempt, range(8)))
    assert [r.status_code for r in answers] == [200] * 8
    assert len({r.json()["refresh_token"] for r in answers}) == 8
    metrics = stack.session().get(stack.url("/metrics")).text
    waits = [line for line in metrics.splitlines() if line.startswith("auth_password_hash_waits_total ")]
    assert len(waits) == 1 and int(waits[0].split()[1]) >= 1, waits


# --- lockout -------------------------------------------------------------------------------------------


def test_parallel_wrong_logins_let_exactly_threshold_through(fresh_stack):
    stack = fresh_stack({"RATE_LIMIT_LOGIN": "10000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "10000/1m",
                         "REGISTRATION_OPEN": "true", "WORKERS": "8"})
    user = register(stack)

    def attempt(_):
        return stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": "wrong guess"})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(200)))
    codes = [r.json()["code"] for r in results]
    assert codes.count("invalid_credentials") == 5, {c: codes.count(c) for c in set(codes)}
    assert codes.count("account_locked") == 195
    for r in results:
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1
    r = stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
    problem(r, 429, "account_locked")
    log = stack.log()
    assert "database is locked" not in log and "busy" not in log.lower()
    assert "level=error" not in log


def test_lockout_does_not_log_the_victim_out(fresh_stack):
    stack = fresh_stack({"REGISTRATION_OPEN": "true", "RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m"})
    user, tokens = new_user(stack)
    for _ in range(6):
        stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": "wrong guess"})
    problem(stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD}), 429,
            "account_locked")
    assert stack.session().get(stack.url("/auth/verify"), headers=bearer(tokens)).status_code == 204
    r = stack.session().post(stack.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200


def test_login_rate_limit_per_ip(fresh_stack):
    stack = fresh_stack({"RATE_LIMIT_LOGIN": "3/1m"})
    s = stack.session()
    codes = [s.post(stack.url("/auth/login"), json={"email": unique_email(), "password": "x" * 10}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = s.post(stack.url("/auth/login"), json={"email": unique_email(), "password": "x" * 10})
    problem(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 60


def test_api_rate_limit_covers_management_routes(fresh_stack):
    stack = fresh_stack({"RATE_LIMIT_API": "3/1m"})
    s = stack.session()
    codes = [s.get(stack.url("/users")).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = s.get(stack.url("/roles"))
    problem(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1
    # Not the verify subrequest, nor health.
    assert s.get(stack.url("/health")).status_code == 200
    assert s.get(stack.url("/auth/verify")).status_code == 401


# --- refresh -------------------------------------------------------------------------------------------


def refresh(stack, token, **kw):
    return stack.session().post(stack.url("/auth/refresh"), json={"refresh_token": token}, **kw)


def test_refresh_rotates(stack):
    _, tokens = new_user(stack)
    r = refresh(stack, tokens["refresh_token"])
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert claims_of(fresh["access_token"])["sid"] == claims_of(tokens["access_token"])["sid"]
    assert refresh(stack, fresh["refresh_token"]).status_code == 200


def test_two_refreshes_at_once_both_succeed_with_the_same_successor(stack):
    _, tokens = new_user(stack)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: refresh(stack, tokens["refresh_token"]), range(2))
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    assert a.json()["refresh_token"] == b.json()["refresh_token"]


def test_reuse_after_grace_revokes_the_session(fresh_stack):
    stack = fresh_stack({"REGISTRATION_OPEN": "true", "REFRESH_GRACE": "1s"})
    _, tokens = new_user(stack)
    successor = refresh(stack, tokens["refresh_token"]).json()
    time.sleep(2.2)
    problem(refresh(stack, tokens["refresh_token"]), 401, "token_revoked")
    # The whole session is gone: the successor, and the access tokens at /auth/verify.
    problem(refresh(stack, successor["refresh_token"]), 401, "token_revoked")
    for access in (tokens["access_token"], successor["access_token"]):
        r = stack.session().get(stack.url("/auth/verify"), headers={"Authorization": f"Bearer {access}"})
        assert r.status_code == 401


def test_refresh_errors(stack):
    problem(refresh(stack, "A" * 43), 401, "token_invalid")
    problem(refresh(stack, "nonsense"), 401, "token_invalid")
    problem(stack.session().post(stack.url("/auth/refresh"), json={}), 401, "token_missing")


# --- browser (cookie) mode -----------------------------------------------------------------------------


def test_cookie_mode(stack):
    user = register(stack)
    s = stack.session()
    r = s.post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD},
               headers={"X-Requested-With": "fetch"})
    assert r.status_code == 200
    assert "refresh_token" not in r.json()
    cookie = r.headers["set-cookie"]
    for attribute in ("gh_refresh=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/auth"):
        assert attribute in cookie
    origin = stack.setting("ALLOWED_ORIGINS")
    # The cookie travels back; without an allowed Origin the refresh is refused.
    problem(s.post(stack.url("/auth/refresh")), 403, "origin_not_allowed")
    problem(s.post(stack.url("/auth/refresh"), headers={"Origin": "https://evil.example"}), 403, "origin_not_allowed")
    r = s.post(stack.url("/auth/refresh"), headers={"Origin": origin})
    assert r.status_code == 200 and "refresh_token" not in r.json()
    assert r.headers["access-control-allow-origin"] == origin
    r = s.post(stack.url("/auth/logout"), headers={"Origin": origin})
    assert r.status_code == 204
    assert "gh_refresh=;" in r.headers["set-cookie"]


def test_cors_preflight(stack):
    origin = stack.setting("ALLOWED_ORIGINS")
    r = stack.session().options(stack.url("/auth/login"), headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == origin
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-credentials"] == "true"
    r = stack.session().options(stack.url("/auth/login"), headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


# --- logout, me, permissions, sessions, password -------------------------------------------------------


def test_logout_with_access_token_revokes_at_once(stack):
    _, tokens = new_user(stack)
    assert stack.session().post(stack.url("/auth/logout"), headers=bearer(tokens)).status_code == 204
    problem(stack.session().get(stack.url("/auth/verify"), headers=bearer(tokens)), 401, "token_revoked")
    problem(refresh(stack, tokens["refresh_token"]), 401, "token_revoked")


def test_logout_with_refresh_token_and_all(stack):
    user, first = new_user(stack)
    second = login(stack, user["email"])
    third = login(stack, user["email"])
    r = stack.session().post(stack.url("/auth/logout"), json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 204
    problem(stack.session().get(stack.url("/auth/me"), headers=bearer(first)), 401, "token_revoked")
    assert stack.session().get(stack.url("/auth/me"), headers=bearer(second)).status_code == 200
    r = stack.session().post(stack.url("/auth/logout"), json={"all": True}, headers=bearer(second))
    assert r.status_code == 204
    for tokens in (second, third):
        problem(stack.session().get(stack.url("/auth/me"), headers=bearer(tokens)), 401, "token_revoked")


def test_logout_needs_a_token(stack):
    r = stack.session().post(stack.url("/auth/logout"))
    problem(r, 401, "token_missing")
    assert r.headers["www-authenticate"] == 'Bearer realm="gatehouse"'


def test_me_and_permissions(stack):
    user, tokens = new_user(stack)
    me = stack.session().get(stack.url("/auth/me"), headers=bearer(tokens)).json()
    assert me["id"] == user["id"] and me["email"] == user["email"]
    assert me["assignments"] == [] and me["roles"] == [] and me["permissions"] == []
    p = stack.session().get(stack.url("/auth/permissions"), headers=bearer(tokens)).json()
    assert p == {"permissions": [], "roles": []}


def test_token_errors_carry_www_authenticate(stack):
    s = stack.session()
    r = s.get(stack.url("/auth/me"))
    problem(r, 401, "token_missing")
    r = s.get(stack.url("/auth/me"), headers={"Authorization": "Bearer not.a.token"})
    problem(r, 401, "token_invalid")
    assert r.headers["www-authenticate"] == 'Bearer realm="gatehouse", error="invalid_token"'
    _, tokens = new_user(stack)
    head, payload, sig = tokens["access_token"].split(".")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    problem(s.get(stack.url("/auth/me"), headers={"Authorization": f"Bearer {head}.{payload}.{flipped}"}), 401,
            "token_invalid")


def signing_key(stack):
    pem = next((stack.dir / "keys").glob("*.pem"))
    return pem.read_bytes(), pem.stem


def test_expired_and_foreign_tokens(stack):
    user, tokens = new_user(stack)
    key, kid = signing_key(stack)
    claims = claims_of(tokens["access_token"])
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 1000, "nbf": now - 1000, "exp": now - 120}, key, algorithm="EdDSA",
                         headers={"kid": kid})
    problem(stack.session().get(stack.url("/auth/me"), headers={"Authorization": f"Bearer {expired}"}), 401, "token_expired")
    foreign = jwt.encode({**claims, "iss": "https://someone-else.example"}, key, algorithm="EdDSA", headers={"kid": kid})
    problem(stack.session().get(stack.url("/auth/me"), headers={"Authorization": f"Bearer {foreign}"}), 401, "token_invalid")
    future = jwt.encode({**claims, "nbf": now + 600}, key, algorithm="EdDSA", headers={"kid": kid})
    problem(stack.session().get(stack.url("/auth/me"), headers={"Authorization": f"Bearer {future}"}), 401, "token_invalid")


def test_sessions_list_and_revoke(stack):
    user, first = new_user(stack)
    second = login(stack, user["email"])
    r = stack.session().get(stack.url("/auth/sessions"), headers=bearer(first))
    items = r.json()["items"]
    assert len(items) == 2 and r.json()["next_cursor"] is None
    current = [i for i in items if i["current"]]
    assert len(current) == 1 and current[0]["id"] == claims_of(first["access_token"])["sid"]
    assert set(items[0]) == {"id", "created_at", "last_used_at", "expires_at", "ip", "user_agent", "current"}
    assert items[0]["ip"] == "127.0.0.1"
    other = claims_of(second["access_token"])["sid"]
    assert stack.session().delete(stack.url(f"/auth/sessions/{other}"), headers=bearer(first)).status_code == 204
    problem(stack.session().get(stack.url("/auth/me"), headers=bearer(second)), 401, "token_revoked")
    problem(stack.session().delete(stack.url(f"/auth/sessions/{other}"), headers=bearer(first)), 404, "not_found")
    _, stranger = new_user(stack)
    mine = claims_of(first["access_token"])["sid"]
    problem(stack.session().delete(stack.url(f"/auth/sessions/{mine}"), headers=bearer(stranger)), 404, "not_found")


def test_password_change(stack):
    user, tokens = new_user(stack)
    other = login(stack, user["email"])
    s = stack.session()
    body = problem(s.put(stack.url("/auth/password"), headers=bearer(tokens),
                         json={"current_password": "wrong one!", "new_password": "a whole new password"}), 422,
                   "validation_failed")
    assert body["errors"][0]["field"] == "current_password"
    body = problem(s.put(stack.url("/auth/password"), headers=bearer(tokens),
                         json={"current_password": PASSWORD, "new_password": "short"}), 422, "validation_failed")
    assert body["errors"][0]["field"] == "new_password"
    r = s.put(stack.url("/auth/password"), headers=bearer(tokens),
              json={"current_password": PASSWORD, "new_password": "a whole new password"})
    assert r.status_code == 204
    # The other session is revoked, this one kept.
    problem(s.get(stack.url("/auth/me"), headers=bearer(other)), 401, "token_revoked")
    assert s.get(stack.url("/auth/me"), headers=bearer(tokens)).status_code == 200
    login(stack, user["email"], "a whole new password")
    r = s.put(stack.url("/users/me/password"), headers=bearer(tokens),
              json={"current_password": "a whole new password", "new_password": "yet another passphrase"})
    assert r.status_code == 204


# --- forgot / reset --------------------------------------------------------------------------------------


def reset_token_from_mail(stack, email, timeout=10):
    deadline = time.time() + timeout
    path = stack.dir / "mail.txt"
    while time.time() < deadline:
        if path.exists():
            for message in path.read_text().split("=== end of message ===")[::-1]:
                if f"To: {email}" in message and "token=" in message:
                    return message.split("token=")[1].split()[0]
        time.sleep(0.2)
    raise AssertionError(f"no reset mail for {email}")


def test_forgot_and_reset_flow(stack):
    user, tokens = new_user(stack)
    r = stack.session().post(stack.url("/auth/password/forgot"), json={"email": user["email"].upper()})
    assert r.status_code == 202
    r2 = stack.session().post(stack.url("/auth/password/forgot"), json={"email": unique_email("nobody")})
    assert r2.status_code == 202 and r2.json() == r.json()
    token = reset_token_from_mail(stack, user["email"])
    s = stack.session()
    body = problem(s.post(stack.url("/auth/password/reset"), json={"token": token, "new_password": "short"}), 422,
                   "validation_failed")
    assert body["errors"][0]["field"] == "new_password"
    assert s.post(stack.url("/auth/password/reset"), json={"token": token, "new_password": "reset passphrase ok"}).status_code == 204
    # Single use, all sessions revoked, the new password works and the old does not.
    problem(s.post(stack.url("/auth/password/reset"), json={"token": token, "new_password": "another passphrase"}), 422,
            "validation_failed")
    problem(s.get(stack.url("/auth/me"), headers=bearer(tokens)), 401, "token_revoked")
    login(stack, user["email"], "reset passphrase ok")
    r = s.post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
    problem(r, 401, "invalid_credentials")


def test_reset_with_unknown_token(stack):
    problem(stack.session().post(stack.url("/auth/password/reset"),
                                 json={"token": "B" * 43, "new_password": "a fine new passphrase"}), 422, "validation_failed")


# --- well-known ----------------------------------------------------------------------------------------


def test_jwks_verifies_our_tokens_with_pyjwt(stack):
    _, tokens = new_user(stack)
    conf = stack.session().get(stack.url("/.well-known/openid-configuration")).json()
    assert conf["issuer"] == stack.setting("JWT_ISSUER")
    assert conf["jwks_uri"].endswith("/.well-known/jwks.json")
    assert conf["id_token_signing_alg_values_supported"] == ["EdDSA"]
    jwks = stack.session().get(stack.url("/.well-known/jwks.json")).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(tokens["access_token"], key, algorithms=["EdDSA"], audience="gatehouse",
                        issuer=stack.setting("JWT_ISSUER"))
    assert claims["email"] == tokens["user"]["email"]
