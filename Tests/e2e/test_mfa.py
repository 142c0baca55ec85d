"""Second factors through the real stack: TOTP enrolment with codes from Debian's oathtool, the mfa_required login
step, recovery codes, the OTP lockout, an administrator's reset, and no secret in the logs or in clear in the
database."""
import base64
import re
import subprocess
import time
import urllib.parse

import pytest

from helpers import PASSWORD, assert_problem, bearer, claims_of, error_fields, import_roles, import_users, login, \
    new_user, unique_email

RECOVERY_CODE = re.compile(r"^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$")


def totp(secret: str, offset_steps: int = 0) -> str:
    """The code oathtool computes for `secret` at now + `offset_steps` × 30 s (RFC 6238 defaults: SHA-1, 6, 30 s)."""
    at = int(time.time()) + 30 * offset_steps
    out = subprocess.run(["oathtool", "--totp", "-b", "-N", f"@{at}", secret], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the codes of the steps around now."""
    near = {totp(secret, k) for k in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def api(stack, tokens):
    s = stack.session()
    s.headers.update(bearer(tokens))
    return s


def enrol(stack, tokens):
    """Enrols and confirms TOTP with the current code; returns (secret, recovery codes)."""
    s = api(stack, tokens)
    r = s.post(stack.url("/auth/mfa/totp/enroll"))
    assert r.status_code == 200, r.text
    secret = r.json()["secret"]
    r = s.post(stack.url("/auth/mfa/totp/confirm"), json={"code": totp(secret)})
    assert r.status_code == 200, r.text
    return secret, r.json()["recovery_codes"]


def mfa_login(stack, email, **extra):
    """The password step of a user with a second factor: the 401 mfa_required body."""
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": PASSWORD, **extra})
    return assert_problem(r, 401, "mfa_required")


def verify(stack, **body):
    return stack.session().post(stack.url("/auth/mfa/verify"), json=body)


def test_enrol_confirm_then_login_takes_a_second_step(stack):
    user, tokens = new_user(stack)
    s = api(stack, tokens)
    assert s.get(stack.url("/auth/mfa")).json() == {"totp": False, "recovery_codes_left": 0, "webauthn": []}
    r = s.post(stack.url("/auth/mfa/totp/enroll"))
    assert r.status_code == 200, r.text
    enrolment = r.json()
    secret = enrolment["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret) and len(base64.b32decode(secret)) == 20
    uri = urllib.parse.urlsplit(enrolment["otpauth_uri"])
    query = urllib.parse.parse_qs(uri.query)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert urllib.parse.unquote(uri.path) == f"/127.0.0.1:{user['email']}"
    assert query == {"secret": [secret], "issuer": ["127.0.0.1"], "algorithm": ["SHA1"], "digits": ["6"],
                     "period": ["30"]}
    # Enrolling again before confirming replaces the secret; the old one's codes no longer confirm.
    second = s.post(stack.url("/auth/mfa/totp/enroll")).json()["secret"]
    assert second != secret
    assert "code" in error_fields(s.post(stack.url("/auth/mfa/totp/confirm"), json={"code": wrong_code(second)}))
    # Not on until confirmed: a password alone still logs in.
    assert login(stack, user["email"])["access_token"]
    confirming = totp(second)
    r = s.post(stack.url("/auth/mfa/totp/confirm"), json={"code": confirming})
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10 and all(RECOVERY_CODE.match(c) for c in codes), codes
    assert s.get(stack.url("/auth/mfa")).json() == {"totp": True, "recovery_codes_left": 10, "webauthn": []}
    assert_problem(s.post(stack.url("/auth/mfa/totp/enroll")), 409, "conflict")

    step = mfa_login(stack, user["email"])
    assert step["methods"] == ["totp", "recovery_code"] and step["expires_in"] == 300
    assert "access_token" not in step
    token = step["mfa_token"]
    assert_problem(verify(stack, mfa_token=token, code=wrong_code(second)), 401, "invalid_credentials")
    # The confirming code counts as used.
    assert_problem(verify(stack, mfa_token=token, code=confirming), 401, "invalid_credentials")
    # A wrong code leaves the mfa_token usable; the next step's code (within ±1) passes.
    next_code = totp(second, 1)
    r = verify(stack, mfa_token=token, code=next_code)
    assert r.status_code == 200, r.text
    body = r.json()
    claims = claims_of(body["access_token"])
    assert claims["amr"] == ["pwd", "otp"] and claims["sub"] == user["id"]
    assert body["refresh_token"] and body["user"]["email"] == user["email"]
    assert stack.session().get(stack.url("/auth/me"), headers=bearer(body)).status_code == 200
    # The session keeps its methods on refresh.
    r = stack.session().post(stack.url("/auth/refresh"), json={"refresh_token": body["refresh_token"]})
    assert r.status_code == 200 and claims_of(r.json()["access_token"])["amr"] == ["pwd", "otp"]
    # The mfa_token is single use, and a code is accepted once: a new login cannot replay it.
    assert_problem(verify(stack, mfa_token=token, code=next_code), 401, "token_invalid")
    fresh = mfa_login(stack, user["email"])["mfa_token"]
    assert_problem(verify(stack, mfa_token=fresh, code=next_code), 401, "invalid_credentials")
    audit = {row[0] for row in stack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}'")}
    assert {"mfa.totp_enrolled", "mfa.totp_confirmed", "login.mfa_required", "mfa.otp_failure"} <= audit, audit


def test_a_login_without_second_factor_says_pwd(stack):
    _, tokens = new_user(stack)
    assert claims_of(tokens["access_token"])["amr"] == ["pwd"]


def test_browser_mode_is_kept_through_the_second_step(stack):
    user, tokens = new_user(stack)
    secret, _ = enrol(stack, tokens)
    step = stack.session().post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD},
                                headers={"X-Requested-With": "fetch"})
    token = assert_problem(step, 401, "mfa_required")["mfa_token"]
    assert "Set-Cookie" not in step.headers
    r = verify(stack, mfa_token=token, code=totp(secret, 1))
    assert r.status_code == 200, r.text
    assert "refresh_token" not in r.json() and r.headers["Set-Cookie"].startswith("gh_refresh="), r.headers


def test_recovery_codes_are_single_use_and_a_new_set_replaces_the_old(stack):
    user, tokens = new_user(stack)
    secret, codes = enrol(stack, tokens)
    s = api(stack, tokens)
    # Typed back in capitals without the hyphen, a code still works, once.
    r = verify(stack, mfa_token=mfa_login(stack, user["email"])["mfa_token"],
               recovery_code=codes[0].replace("-", "").upper())
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["access_token"])["amr"] == ["pwd", "otp"]
    assert s.get(stack.url("/auth/mfa")).json()["recovery_codes_left"] == 9
    token = mfa_login(stack, user["email"])["mfa_token"]
    assert_problem(verify(stack, mfa_token=token, recovery_code=codes[0]), 401, "invalid_credentials")
    assert_problem(verify(stack, mfa_token=token, recovery_code="not-a-code"), 401, "invalid_credentials")
    # A new set: a wrong password is 422 on password, a right one gives ten new codes and the old ones stop.
    assert "password" in error_fields(s.post(stack.url("/auth/mfa/recovery-codes"), json={"password": "wrong" * 3}))
    assert "code" in error_fields(s.post(stack.url("/auth/mfa/recovery-codes"), json={"code": wrong_code(secret)}))
    r = s.post(stack.url("/auth/mfa/recovery-codes"), json={"password": PASSWORD})
    assert r.status_code == 200, r.text
    fresh = r.json()["recovery_codes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes) and all(RECOVERY_CODE.match(c) for c in fresh)
    assert_problem(verify(stack, mfa_token=token, recovery_code=codes[1]), 401, "invalid_credentials")
    assert verify(stack, mfa_token=token, recovery_code=fresh[0]).status_code == 200
    # With a code as proof; the code is then used up.
    proof = totp(secret, 1)
    r = s.post(stack.url("/auth/mfa/recovery-codes"), json={"code": proof})
    assert r.status_code == 200, r.text
    assert "code" in error_fields(s.post(stack.url("/auth/mfa/recovery-codes"), json={"code": proof}))
    events = [row[0] for row in stack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}'")]
    assert events.count("mfa.recovery_code_used") == 2 and events.count("mfa.recovery_codes_regenerated") == 2


def test_turning_totp_off_needs_a_right_proof(stack):
    user, tokens = new_user(stack)
    secret, _ = enrol(stack, tokens)
    s = api(stack, tokens)
    assert "code" in error_fields(s.delete(stack.url("/auth/mfa/totp"), json={"code": wrong_code(secret)}))
    assert "password" in error_fields(s.delete(stack.url("/auth/mfa/totp"), json={"password": "not the password"}))
    assert set(error_fields(s.delete(stack.url("/auth/mfa/totp"), json={}))) == {"code", "password"}
    r = s.delete(stack.url("/auth/mfa/totp"), json={"code": totp(secret, 1)})
    assert r.status_code == 204, r.text
    assert s.get(stack.url("/auth/mfa")).json() == {"totp": False, "recovery_codes_left": 0, "webauthn": []}
    assert claims_of(login(stack, user["email"])["access_token"])["amr"] == ["pwd"]
    assert_problem(s.delete(stack.url("/auth/mfa/totp"), json={"password": PASSWORD}), 409, "conflict")


def test_verify_refuses_bad_requests(stack):
    user, tokens = new_user(stack)
    enrol(stack, tokens)
    token = mfa_login(stack, user["email"])["mfa_token"]
    assert set(error_fields(verify(stack, mfa_token=token))) == {"code", "recovery_code", "webauthn"}
    assert "recovery_code" in error_fields(verify(stack, mfa_token=token, code="123456", recovery_code="x"))
    assert "mfa_token" in error_fields(verify(stack, code="123456"))
    assert_problem(verify(stack, mfa_token=token, code=123456), 400, "invalid_request")
    assert_problem(verify(stack, mfa_token="A" * 43, code="123456"), 401, "token_invalid")
    assert_problem(verify(stack, mfa_token="short", code="123456"), 401, "token_invalid")
    # Without an access token the account routes are 401.
    assert_problem(stack.session().post(stack.url("/auth/mfa/totp/enroll")), 401, "token_missing")


def test_an_administrator_resets_factors_only_of_accounts_it_covers(stack, tmp_path):
    helpdesk, ops = f"helpdesk-{time.time_ns()}", f"ops-{time.time_ns()}"
    import_roles(stack, tmp_path, {helpdesk: ["users:write", "users:read"], ops: ["ops:read"]})
    desk_email, ops_email = unique_email("desk"), unique_email("opsuser")
    import_users(stack, tmp_path, [
        {"email": desk_email, "name": "Desk", "password": PASSWORD, "roles": [helpdesk], "is_active": True},
        {"email": ops_email, "name": "Ops", "password": PASSWORD, "roles": [ops], "is_active": True},
    ])
    desk = api(stack, login(stack, desk_email))
    plain, plain_tokens = new_user(stack)
    enrol(stack, plain_tokens)
    ops_tokens = login(stack, ops_email)
    enrol(stack, ops_tokens)
    ops_id = claims_of(ops_tokens["access_token"])["sub"]
    _, nobody_tokens = new_user(stack)

    assert_problem(api(stack, nobody_tokens).delete(stack.url(f"/users/{plain['id']}/mfa")), 403, "forbidden")
    # The help desk holds users:write but not ops:read, which the ops account has.
    assert_problem(desk.delete(stack.url(f"/users/{ops_id}/mfa")), 403, "forbidden")
    assert_problem(desk.delete(stack.url("/users/00000000-0000-4000-8000-000000000000/mfa")), 404, "not_found")
    r = desk.delete(stack.url(f"/users/{plain['id']}/mfa"))
    assert r.status_code == 204, r.text
    assert claims_of(login(stack, plain["email"])["access_token"])["amr"] == ["pwd"]
    assert api(stack, plain_tokens).get(stack.url("/auth/mfa")).json()["totp"] is False
    rows = stack.sql(f"SELECT actor_id, details FROM audit_log WHERE event = 'mfa.admin_reset' "
                     f"AND user_id = '{plain['id']}'")
    assert len(rows) == 1 and "totp" in rows[0][1], rows
    mfa_login(stack, ops_email)  # untouched


def test_no_secret_reaches_the_log_or_the_database_in_clear(stack):
    user, tokens = new_user(stack)
    secret, codes = enrol(stack, tokens)
    verify(stack, mfa_token=mfa_login(stack, user["email"])["mfa_token"], recovery_code=codes[0])
    log = stack.log()
    assert secret not in log and secret.lower() not in log
    assert not any(code in log for code in codes)
    raw = base64.b32decode(secret)
    stored = stack.sql(f"SELECT sealed_secret FROM mfa_totp WHERE user_id = '{user['id']}'")[0][0]
    stored_hex = stored.removeprefix("\\x") if stack.backend == "postgresql" else None
    if stored_hex is None:  # SQLite hands back the blob as text of its bytes
        stored_hex = stack.sql(f"SELECT hex(sealed_secret) FROM mfa_totp WHERE user_id = '{user['id']}'")[0][0]
    stored_bytes = bytes.fromhex(stored_hex)
    assert len(stored_bytes) == 1 + 12 + 20 + 16 and raw not in stored_bytes and secret.encode() not in stored_bytes
    hashes = [row[0] for row in stack.sql(f"SELECT code_hash FROM recovery_codes WHERE user_id = '{user['id']}'")]
    assert len(hashes) == 10 and not any(c.replace("-", "") in h for c in codes for h in hashes)


@pytest.fixture(scope="module")
def mstack(tmp_path_factory):
    """A stack with a short mfa_token lifetime and a low OTP lockout threshold."""
    from conftest import SHARED_SETTINGS, Stack
    directory = tmp_path_factory.mktemp("mfa")
    s = Stack(directory, {**SHARED_SETTINGS, "MFA_TOKEN_TTL": "2s", "OTP_LOCKOUT_THRESHOLD": "3",
                          "RATE_LIMIT_MFA": "1000/1m", "MFA_ISSUER": "Example Corp"})
    yield s
    s.stop()


def test_an_mfa_token_expires(mstack):
    user, tokens = new_user(mstack)
    secret, _ = enrol(mstack, tokens)
    step = mfa_login(mstack, user["email"])
    assert step["expires_in"] == 2
    time.sleep(2.5)
    assert_problem(verify(mstack, mfa_token=step["mfa_token"], code=totp(secret, 1)), 401, "token_expired")


def test_otp_failures_lock_the_second_step_only(mstack):
    user, tokens = new_user(mstack)
    enrolment = api(mstack, tokens).post(mstack.url("/auth/mfa/totp/enroll")).json()
    assert "issuer=Example%20Corp" in enrolment["otpauth_uri"]
    secret = enrolment["secret"]
    assert api(mstack, tokens).post(mstack.url("/auth/mfa/totp/confirm"), json={"code": totp(secret)}).ok
    for _ in range(3):
        token = mfa_login(mstack, user["email"])["mfa_token"]
        assert_problem(verify(mstack, mfa_token=token, code=wrong_code(secret)), 401, "invalid_credentials")
    # Locked: even the right code is 429, with Retry-After; the password step still answers mfa_required.
    token = mfa_login(mstack, user["email"])["mfa_token"]
    r = verify(mstack, mfa_token=token, code=totp(secret, 1))
    assert_problem(r, 429, "account_locked")
    assert int(r.headers["Retry-After"]) > 0
    # Turning TOTP off with a code is locked as well; the existing session keeps working.
    assert_problem(api(mstack, tokens).delete(mstack.url("/auth/mfa/totp"), json={"code": totp(secret, 1)}), 429,
                   "account_locked")
    assert api(mstack, tokens).get(mstack.url("/auth/me")).status_code == 200
    events = [row[0] for row in mstack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}'")]
    assert events.count("mfa.otp_failure") == 3 and events.count("mfa.otp_locked") == 1, events
