"""POST /internal/validate: a backend service holding SERVICE_SECRET asks whether an access token is good."""
import time

import jwt

from helpers import assert_problem, bearer, claims_of, new_user


def service(stack) -> dict:
    return {"X-Service-Token": stack.setting("SERVICE_SECRET")}


def validate(stack, body, headers=None, **kwargs):
    return stack.session().post(stack.url("/internal/validate"), json=body,
                                headers=service(stack) if headers is None else headers, **kwargs)


def validations(stack) -> int:
    text = stack.session().get(stack.url("/metrics")).text
    line = next(line for line in text.splitlines() if line.startswith("auth_token_validations_total "))
    return int(line.split()[1])


def test_a_valid_token_answers_its_claims(stack):
    user, tokens = new_user(stack)
    before = validations(stack)
    r = validate(stack, {"token": tokens["access_token"]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["valid"] is True and "code" not in body
    # The verified claims exactly as the token carries them (and as /auth/verify's X-Auth-Context).
    assert body["claims"] == claims_of(tokens["access_token"])
    assert body["claims"]["sub"] == user["id"]
    assert validations(stack) > before


def test_a_bad_token_is_a_valid_false_answer_with_its_code(stack):
    r = validate(stack, {"token": "a.b.c"})
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is False and r.json()["code"] == "token_invalid"
    assert "claims" not in r.json()


def test_a_revoked_token_is_token_revoked(stack):
    _, tokens = new_user(stack)
    assert validate(stack, {"token": tokens["access_token"]}).json()["valid"] is True
    assert stack.session().post(stack.url("/auth/logout"), headers=bearer(tokens)).status_code == 204
    r = validate(stack, {"token": tokens["access_token"]})
    assert r.status_code == 200
    assert r.json() == {"valid": False, "code": "token_revoked", "detail": r.json()["detail"]}


def test_an_expired_token_is_token_expired(fresh_stack):
    secret = "a shared HS256 secret of 32 or more bytes for this test"
    stack = fresh_stack({"JWT_ALG": "HS256", "JWT_SECRET": secret, "REGISTRATION_OPEN": "true"})
    _, tokens = new_user(stack)
    now = int(time.time())
    expired = jwt.encode({**claims_of(tokens["access_token"]), "iat": now - 1000, "nbf": now - 1000, "exp": now - 100},
                         secret, algorithm="HS256")
    r = validate(stack, {"token": expired})
    assert r.status_code == 200, r.text
    assert r.json()["valid"] is False and r.json()["code"] == "token_expired"
    assert validate(stack, {"token": tokens["access_token"]}).json()["valid"] is True


def test_the_service_token_is_required_and_checked(stack):
    _, tokens = new_user(stack)
    missing = validate(stack, {"token": tokens["access_token"]}, headers={})
    assert_problem(missing, 401, "token_missing")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = validate(stack, {"token": tokens["access_token"]}, headers={"X-Service-Token": "x" * 64})
    assert_problem(wrong, 401, "token_invalid")
    # A user's bearer token is not a service token.
    assert_problem(validate(stack, {"token": tokens["access_token"]}, headers=bearer(tokens)), 401, "token_missing")


def test_a_body_that_is_not_a_token_object_is_refused(stack):
    assert validate(stack, {}).status_code == 422
    assert validate(stack, {"token": ""}).status_code == 422
    assert_problem(validate(stack, {"token": 5}), 400, "invalid_request")
    assert_problem(validate(stack, ["token"]), 400, "invalid_request")
    r = stack.session().post(stack.url("/internal/validate"), data="{not json",
                             headers={**service(stack), "Content-Type": "application/json"})
    assert_problem(r, 400, "invalid_request")
    assert_problem(validate(stack, {"token": "a.b.c", "ip": "not an address"}), 422, "validation_failed")


def test_without_service_secret_every_service_token_is_wrong(fresh_stack):
    stack = fresh_stack({"SERVICE_SECRET": ""})
    assert_problem(validate(stack, {"token": "a.b.c"}, headers={"X-Service-Token": "x" * 64}), 401, "token_invalid")
    assert_problem(validate(stack, {"token": "a.b.c"}, headers={}), 401, "token_missing")
