"""WebAuthn passkeys through nginx over HTTPS (API.md "MFA"), with a software authenticator (softauthn.py: keys from
`cryptography`, authenticator and client data from python-fido2) registering and signing ES256 and EdDSA
credentials. The relying party is the dev stack's: rp id localhost, origin https://localhost:PORT (the requests
themselves go to 127.0.0.1: what a ceremony checks is the client data the authenticator signs).
"""
import json
import uuid

import pytest

from conftest import SHARED_SETTINGS, Stack
from helpers import (PASSWORD, assert_problem, bearer, claims_of, error_fields, import_roles, import_users, login,
                     new_user, unique_email)
from softauthn import SoftAuthenticator, websafe_encode

ALGORITHMS = [-7, -8]


@pytest.fixture(scope="module")
def wstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("webauthn"), {**SHARED_SETTINGS, "LOCKOUT_THRESHOLD": "3"})
    yield s
    s.stop()


def origin(stack):
    return f"https://localhost:{stack.port}"


def register_passkey(stack, tokens, authenticator, name=None, fmt="none"):
    s = stack.session()
    options = s.post(stack.url("/auth/webauthn/register/options"), headers=bearer(tokens)).json()
    credential = authenticator.register(options, origin(stack), fmt=fmt)
    body = {"credential": credential, **({"name": name} if name else {})}
    return s.post(stack.url("/auth/webauthn/register"), json=body, headers=bearer(tokens))


def login_options(stack, email=None):
    r = stack.session().post(stack.url("/auth/webauthn/login/options"), json={"email": email} if email else {})
    assert r.status_code == 200, r.text
    return r.json()


def passkey_login(stack, authenticator, email=None, **knobs):
    options = login_options(stack, email)
    credential = authenticator.authenticate(options["options"], origin(stack), **knobs)
    return stack.session().post(
        stack.url("/auth/webauthn/login"), json={"challenge_token": options["challenge_token"], "credential": credential})


def user_with_passkey(stack, alg=-7, fmt="none"):
    user, tokens = new_user(stack)
    authenticator = SoftAuthenticator(alg)
    r = register_passkey(stack, tokens, authenticator, fmt=fmt)
    assert r.status_code == 201, r.text
    return user, tokens, authenticator


@pytest.mark.parametrize("alg", ALGORITHMS)
@pytest.mark.parametrize("fmt", ["none", "packed"])
def test_register_list_login_and_delete(wstack, alg, fmt):
    user, tokens = new_user(wstack)
    s = wstack.session()
    options = s.post(wstack.url("/auth/webauthn/register/options"), headers=bearer(tokens)).json()
    assert options["rp"]["id"] == "localhost"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert options["excludeCredentials"] == []
    assert options["attestation"] == "none"
    authenticator = SoftAuthenticator(alg)
    r = s.post(wstack.url("/auth/webauthn/register"), headers=bearer(tokens),
               json={"credential": authenticator.register(options, origin(wstack), fmt=fmt), "name": "Laptop"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == "Laptop" and set(created) == {"id", "name", "created_at", "last_used_at"}

    listed = s.get(wstack.url("/auth/webauthn/credentials"), headers=bearer(tokens)).json()
    assert [c["id"] for c in listed["items"]] == [created["id"]] and listed["next_cursor"] is None
    again = s.post(wstack.url("/auth/webauthn/register/options"), headers=bearer(tokens)).json()
    assert again["excludeCredentials"] == [{"type": "public-key", "id": authenticator.id}]

    for email in [user["email"], None]:
        r = passkey_login(wstack, authenticator, email)
        assert r.status_code == 200, r.text
        assert claims_of(r.json()["access_token"])["sub"] == user["id"]
    listed = s.get(wstack.url("/auth/webauthn/credentials"), headers=bearer(tokens)).json()
    assert listed["items"][0]["last_used_at"] is not None

    audit = wstack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}' ORDER BY id")
    events = [row[0] for row in audit]
    assert "webauthn.registered" in events and events.count("login.success") >= 2

    r = s.delete(wstack.url(f"/auth/webauthn/credentials/{created['id']}"), headers=bearer(tokens))
    assert r.status_code == 204
    assert_problem(passkey_login(wstack, authenticator), 401, "invalid_credentials")
    assert "webauthn.deleted" in [row[0] for row in wstack.sql(
        f"SELECT event FROM audit_log WHERE user_id = '{user['id']}'")]
    # Adding and removing a passkey are events too (committed with the change), naming the passkey, never its key.
    written = [json.loads(row[0]) for row in wstack.sql("SELECT body FROM events ORDER BY seq")]
    mine = [(e["type"], e["data"]) for e in written if e["subject"] == {"type": "user", "id": user["id"]}
            and e["type"].startswith("mfa.")]
    assert mine == [("mfa.enabled", {"method": "webauthn", "credential_id": created["id"]}),
                    ("mfa.disabled", {"method": "webauthn", "credential_id": created["id"]})]


def test_login_options_look_the_same_for_unknown_and_known_emails(wstack):
    user, _, authenticator = user_with_passkey(wstack)
    known = login_options(wstack, user["email"])
    unknown = login_options(wstack, unique_email("nobody"))
    _, no_passkey = new_user(wstack)
    without = login_options(wstack, claims_of(no_passkey["access_token"])["email"])
    for answer in [known, unknown, without]:
        assert set(answer) == {"challenge_token", "options"}
        assert set(answer["options"]) == {"challenge", "timeout", "rpId", "allowCredentials", "userVerification"}
        assert answer["options"]["userVerification"] == "required"
        assert 1 <= len(answer["options"]["allowCredentials"]) <= 3
    assert known["options"]["allowCredentials"] == [{"type": "public-key", "id": authenticator.id}]
    # Unknown emails get one to three stand-ins, so an account's count of passkeys does not tell it from none.
    counts = {len(login_options(wstack, unique_email("count"))["options"]["allowCredentials"]) for _ in range(12)}
    assert counts <= {1, 2, 3} and len(counts) > 1
    # A decoy id is stable for one email (asking twice tells nothing) and differs between emails.
    email = unique_email("stable")
    first = login_options(wstack, email)["options"]["allowCredentials"]
    assert first == login_options(wstack, email)["options"]["allowCredentials"]
    assert first != unknown["options"]["allowCredentials"]
    assert len(first[0]["id"]) == len(websafe_encode(bytes(32)))
    assert login_options(wstack)["options"]["allowCredentials"] == []


def test_refusals(wstack):
    user, tokens, authenticator = user_with_passkey(wstack, alg=-8)
    email = user["email"]
    # Another rp id, a cross-origin frame, a registration ceremony's client data, a tampered signature, no user
    # verification, another origin: each refused (a success in between resets the account's lockout counter).
    for knobs in [{"rp_id": "evil.example"}, {"cross_origin": True}, {"ceremony": "webauthn.create"},
                  {"tamper": True}, {"uv": False}]:
        o = login_options(wstack, email)
        credential = authenticator.authenticate(o["options"], origin(wstack), **knobs)
        r = wstack.session().post(wstack.url("/auth/webauthn/login"),
                                  json={"challenge_token": o["challenge_token"], "credential": credential})
        assert_problem(r, 401, "invalid_credentials")
        assert passkey_login(wstack, authenticator, email).status_code == 200
    o = login_options(wstack, email)
    credential = authenticator.authenticate(o["options"], "https://evil.example")
    r = wstack.session().post(wstack.url("/auth/webauthn/login"),
                              json={"challenge_token": o["challenge_token"], "credential": credential})
    assert_problem(r, 401, "invalid_credentials")

    # A replayed challenge token (and so a replayed assertion) is refused.
    o = login_options(wstack, email)
    credential = authenticator.authenticate(o["options"], origin(wstack))
    body = {"challenge_token": o["challenge_token"], "credential": credential}
    assert wstack.session().post(wstack.url("/auth/webauthn/login"), json=body).status_code == 200
    assert_problem(wstack.session().post(wstack.url("/auth/webauthn/login"), json=body), 401, "token_invalid")

    reasons = [row[0] for row in wstack.sql(
        f"SELECT details FROM audit_log WHERE user_id = '{user['id']}' AND event = 'login.failure'")]
    assert any("user_not_verified" in r for r in reasons) and any("bad_signature" in r for r in reasons)
    assert any("ceremony_mismatch" in r for r in reasons)


def test_counter_going_backwards_refuses_and_is_audited(wstack):
    user, _, authenticator = user_with_passkey(wstack)
    assert passkey_login(wstack, authenticator, counter=10).status_code == 200
    assert_problem(passkey_login(wstack, authenticator, counter=10), 401, "invalid_credentials")
    assert_problem(passkey_login(wstack, authenticator, counter=3), 401, "invalid_credentials")
    assert passkey_login(wstack, authenticator, counter=11).status_code == 200
    events = [row[0] for row in wstack.sql(
        f"SELECT event FROM audit_log WHERE user_id = '{user['id']}' AND event = 'webauthn.counter_regressed'")]
    assert len(events) == 2


def test_another_users_credential_is_refused(wstack):
    alice, alice_tokens, alice_key = user_with_passkey(wstack)
    bob, bob_tokens, bob_key = user_with_passkey(wstack)
    # Bob's passkey against a challenge issued for Alice's email.
    assert_problem(passkey_login(wstack, bob_key, alice["email"]), 401, "invalid_credentials")
    # Bob's passkey presented with Alice's user handle.
    assert_problem(passkey_login(wstack, bob_key, user_handle=alice["id"].encode()), 401, "invalid_credentials")
    # Bob cannot delete Alice's passkey: it is not his (404).
    alice_id = wstack.session().get(wstack.url("/auth/webauthn/credentials"), headers=bearer(alice_tokens)).json()["items"][0]["id"]
    r = wstack.session().delete(wstack.url(f"/auth/webauthn/credentials/{alice_id}"), headers=bearer(bob_tokens))
    assert_problem(r, 404, "not_found")
    # Registering Alice's credential id again (by Bob) is a conflict.
    r = register_passkey(wstack, bob_tokens, alice_key)
    assert_problem(r, 409, "conflict")


def test_failures_count_toward_the_password_lockout(wstack):
    user, _, authenticator = user_with_passkey(wstack)
    for _ in range(3):
        assert_problem(passkey_login(wstack, authenticator, user["email"], uv=False), 401, "invalid_credentials")
    # Locked: neither the passkey nor the password gets in now.
    assert_problem(passkey_login(wstack, authenticator, user["email"]), 429, "account_locked")
    r = wstack.session().post(wstack.url("/auth/login"), json={"email": user["email"], "password": "correct horse battery staple"})
    assert_problem(r, 429, "account_locked")


def test_registration_refusals(wstack):
    user, tokens = new_user(wstack)
    s = wstack.session()
    authenticator = SoftAuthenticator(-7)
    options = s.post(wstack.url("/auth/webauthn/register/options"), headers=bearer(tokens)).json()
    # Wrong origin, then the same challenge again: single use, so the second is refused for its challenge.
    wrong = authenticator.register(options, "https://evil.example")
    r = s.post(wstack.url("/auth/webauthn/register"), json={"credential": wrong}, headers=bearer(tokens))
    assert "origin" in error_fields(r)["credential"]
    right = authenticator.register(options, origin(wstack))
    r = s.post(wstack.url("/auth/webauthn/register"), json={"credential": right}, headers=bearer(tokens))
    assert "challenge" in error_fields(r)["credential"]
    # Wrong rp id.
    options = s.post(wstack.url("/auth/webauthn/register/options"), headers=bearer(tokens)).json()
    r = s.post(wstack.url("/auth/webauthn/register"), headers=bearer(tokens),
               json={"credential": authenticator.register(options, origin(wstack), rp_id="evil.example")})
    assert "rpIdHash" in error_fields(r)["credential"]
    # A challenge issued to another user.
    _, other = new_user(wstack)
    options = s.post(wstack.url("/auth/webauthn/register/options"), headers=bearer(other)).json()
    r = s.post(wstack.url("/auth/webauthn/register"), headers=bearer(tokens),
               json={"credential": authenticator.register(options, origin(wstack))})
    assert "challenge" in error_fields(r)["credential"]
    # Not base64url, not JSON of the right shape, no token.
    r = s.post(wstack.url("/auth/webauthn/register"), headers=bearer(tokens),
               json={"credential": {"id": "!", "rawId": "!", "type": "public-key", "response": {"clientDataJSON": "!"}}})
    assert "credential.rawId" in error_fields(r)
    assert_problem(s.post(wstack.url("/auth/webauthn/register"), headers=bearer(tokens), json={"credential": 1}),
                   400, "invalid_request")
    assert_problem(s.post(wstack.url("/auth/webauthn/register/options")), 401, "token_missing")
    assert_problem(s.get(wstack.url("/auth/webauthn/credentials")), 401, "token_missing")


def test_challenge_rows_are_bounded_by_the_login_rate_limit(fresh_stack):
    stack = fresh_stack({"RATE_LIMIT_LOGIN": "5/1m"})
    codes = [stack.session().post(stack.url("/auth/webauthn/login/options"), json={}).status_code for _ in range(8)]
    assert codes.count(200) == 5 and codes.count(429) == 3
    assert stack.count("webauthn_challenges") == 5


# The second step of a password login (API.md "MFA"): a passkey is a second factor as soon as it is registered.

def password_step(stack, email):
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": PASSWORD})
    return assert_problem(r, 401, "mfa_required")


def mfa_with_passkey(stack, token, authenticator, **knobs):
    r = stack.session().post(stack.url("/auth/mfa/webauthn/options"), json={"mfa_token": token})
    assert r.status_code == 200, r.text
    options = r.json()
    assert options["allowCredentials"] == [{"type": "public-key", "id": authenticator.id}]
    credential = authenticator.authenticate(options, origin(stack), **knobs)
    return stack.session().post(stack.url("/auth/mfa/verify"), json={"mfa_token": token, "webauthn": credential}), credential


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_a_passkey_is_a_second_factor(wstack, alg):
    user, tokens, authenticator = user_with_passkey(wstack, alg)
    status = wstack.session().get(wstack.url("/auth/mfa"), headers=bearer(tokens)).json()
    assert status["totp"] is False and [p["name"] for p in status["webauthn"]] == ["Passkey"]
    # API.md's shape, last_used_at included (null: not used yet), as GET /auth/webauthn/credentials lists it.
    listed = wstack.session().get(wstack.url("/auth/webauthn/credentials"), headers=bearer(tokens)).json()["items"]
    assert status["webauthn"] == listed and listed[0]["last_used_at"] is None
    step = password_step(wstack, user["email"])
    assert step["methods"] == ["webauthn"]
    # User verification is not required after a password: user presence is enough.
    r, credential = mfa_with_passkey(wstack, step["mfa_token"], authenticator, uv=False)
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["access_token"])["amr"] == ["pwd", "hwk"]
    # The mfa_token and the WebAuthn challenge are both used up.
    r = wstack.session().post(wstack.url("/auth/mfa/verify"), json={"mfa_token": step["mfa_token"], "webauthn": credential})
    assert_problem(r, 401, "token_invalid")
    step = password_step(wstack, user["email"])
    r = wstack.session().post(wstack.url("/auth/mfa/verify"), json={"mfa_token": step["mfa_token"], "webauthn": credential})
    assert_problem(r, 401, "invalid_credentials")
    # A tampered signature, another user's passkey, a counter going backwards: refused; the mfa_token stays usable.
    r, _ = mfa_with_passkey(wstack, step["mfa_token"], authenticator, tamper=True)
    assert_problem(r, 401, "invalid_credentials")
    _, _, other = user_with_passkey(wstack, alg)
    options = wstack.session().post(wstack.url("/auth/mfa/webauthn/options"), json={"mfa_token": step["mfa_token"]}).json()
    r = wstack.session().post(wstack.url("/auth/mfa/verify"), json={
        "mfa_token": step["mfa_token"], "webauthn": other.authenticate(options, origin(wstack))})
    assert_problem(r, 401, "invalid_credentials")
    r, _ = mfa_with_passkey(wstack, step["mfa_token"], authenticator, counter=1)
    assert_problem(r, 401, "invalid_credentials")
    r, _ = mfa_with_passkey(wstack, step["mfa_token"], authenticator)
    assert r.status_code == 200, r.text
    events = [row[0] for row in wstack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}'")]
    assert "webauthn.counter_regressed" in events and "mfa.otp_failure" in events


def test_second_step_refusals(wstack):
    _, no_passkey = new_user(wstack)
    assert_problem(wstack.session().post(wstack.url("/auth/mfa/webauthn/options"), json={"mfa_token": "x" * 43}),
                   401, "token_invalid")
    user, tokens, authenticator = user_with_passkey(wstack)
    step = password_step(wstack, user["email"])
    r = wstack.session().post(wstack.url("/auth/mfa/verify"), json={"mfa_token": step["mfa_token"], "code": "123456",
                                                                   "webauthn": {}})
    assert r.status_code in (400, 422)


def test_an_administrators_reset_removes_passkeys(wstack, tmp_path):
    helpdesk = f"helpdesk-{uuid.uuid4().hex[:8]}"
    import_roles(wstack, tmp_path, {helpdesk: ["users:write", "users:read"]})
    desk_email = unique_email("desk")
    import_users(wstack, tmp_path, [{"email": desk_email, "name": "Desk", "password": PASSWORD, "roles": [helpdesk],
                                     "is_active": True}])
    desk = login(wstack, desk_email)
    user, tokens, authenticator = user_with_passkey(wstack)
    password_step(wstack, user["email"])
    r = wstack.session().delete(wstack.url(f"/users/{user['id']}/mfa"), headers=bearer(desk))
    assert r.status_code == 204, r.text
    assert claims_of(login(wstack, user["email"])["access_token"])["amr"] == ["pwd"]
    assert wstack.session().get(wstack.url("/auth/webauthn/credentials"), headers=bearer(tokens)).json()["items"] == []
    rows = wstack.sql(f"SELECT details FROM audit_log WHERE event = 'mfa.admin_reset' AND user_id = '{user['id']}'")
    assert len(rows) == 1 and "webauthn" in rows[0][0], rows
