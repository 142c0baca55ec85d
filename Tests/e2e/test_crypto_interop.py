"""Interop of the Crypto module with real clients: PyJWT, argon2-cffi and oathtool.

Needs: pip install pyjwt cryptography argon2-cffi pytest; oathtool (Debian package oathtool).
"""

import base64
import hashlib
import json
import subprocess
import time
import urllib.parse

import argon2
import jwt
import pytest

from gatehouse_bench import Bench, bench_binary

ISSUER = "https://auth.example.com"
AUDIENCE = "gatehouse"
ASYMMETRIC = ["EdDSA", "ES256", "RS256"]
HS256_SECRETS = ["first shared secret of at least 32 bytes!", "second shared secret, also 32+ bytes long"]


@pytest.fixture(scope="module")
def bench() -> Bench:
    return Bench(bench_binary())


@pytest.fixture(scope="module")
def keys_dirs(bench, tmp_path_factory):
    """One key directory per asymmetric algorithm, each with an active key."""
    dirs = {}
    for alg in ASYMMETRIC:
        directory = tmp_path_factory.mktemp(f"keys-{alg}")
        kid = bench.out("keys-generate", "--keys-dir", str(directory), "--alg", alg)
        dirs[alg] = (directory, kid)
    return dirs


def claims(**extra) -> dict:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", "iat": now,
            "nbf": now, "exp": now + 900, "roles": ["field-engineer"], "permissions": ["user:read"], **extra}


def thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    required = {"OKP": ["crv", "kty", "x"], "EC": ["crv", "kty", "x", "y"], "RSA": ["e", "kty", "n"]}[jwk["kty"]]
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


# JWS and JWKS


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_jwks_publishes_the_public_key_with_kid_use_and_alg(bench, keys_dirs, alg):
    directory, kid = keys_dirs[alg]
    document = json.loads(bench.out("jwks", "--keys-dir", str(directory)))
    assert len(document["keys"]) == 1
    jwk = document["keys"][0]
    assert jwk["kid"] == kid == thumbprint(jwk)
    assert jwk["use"] == "sig" and jwk["alg"] == alg
    assert jwk["kty"] == {"EdDSA": "OKP", "ES256": "EC", "RS256": "RSA"}[alg]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_pyjwt_verifies_our_tokens_with_our_jwks(bench, keys_dirs, alg):
    directory, kid = keys_dirs[alg]
    token = bench.out("jwt-sign", "--keys-dir", str(directory), "--claims", json.dumps(claims()))
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": kid, "typ": "JWT"}
    jwks = jwt.PyJWKSet.from_dict(json.loads(bench.out("jwks", "--keys-dir", str(directory))))
    key = jwks[header["kid"]]
    decoded = jwt.decode(token, key.key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)
    assert decoded["roles"] == ["field-engineer"]


def test_pyjwt_verifies_our_hs256_tokens(bench):
    token = bench.out("jwt-sign", "--hs256-secret", HS256_SECRETS[0], "--claims", json.dumps(claims()))
    decoded = jwt.decode(token, HS256_SECRETS[0], algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert decoded["sub"] == claims()["sub"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, HS256_SECRETS[1], algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_we_verify_tokens_pyjwt_signed_with_our_keys(bench, keys_dirs, alg):
    directory, kid = keys_dirs[alg]
    private_pem = (directory / f"{kid}.pem").read_bytes()
    token = jwt.encode(claims(name="Zoë"), private_pem, algorithm=alg, headers={"kid": kid})
    result = bench.run("jwt-verify", "--keys-dir", str(directory), "--token", token,
                       "--issuer", ISSUER, "--audience", AUDIENCE)
    assert json.loads(result.stdout)["name"] == "Zoë"


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_we_refuse_pyjwt_tokens_that_are_expired_tampered_or_for_another_audience(bench, keys_dirs, alg):
    directory, kid = keys_dirs[alg]
    private_pem = (directory / f"{kid}.pem").read_bytes()

    def verify(token):
        return bench.run("jwt-verify", "--keys-dir", str(directory), "--token", token,
                         "--issuer", ISSUER, "--audience", AUDIENCE, check=False)

    expired = jwt.encode(claims(exp=int(time.time()) - 3600), private_pem, algorithm=alg, headers={"kid": kid})
    assert verify(expired).returncode == 1 and "tokenExpired" in verify(expired).stderr
    other = jwt.encode(claims(aud="someone-else"), private_pem, algorithm=alg, headers={"kid": kid})
    assert "wrongAudience" in verify(other).stderr
    no_kid = jwt.encode(claims(), private_pem, algorithm=alg)
    assert "unknownKey" in verify(no_kid).stderr
    good = jwt.encode(claims(), private_pem, algorithm=alg, headers={"kid": kid})
    head, payload, signature = good.split(".")
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims(roles=["admin"])).encode()).rstrip(b"=").decode()
    assert "badSignature" in verify(f"{head}.{forged_payload}.{signature}").stderr


def test_we_verify_pyjwt_hs256_tokens_with_any_configured_secret(bench):
    for secret in HS256_SECRETS:
        token = jwt.encode(claims(), secret, algorithm="HS256")
        result = bench.run("jwt-verify", *sum((["--hs256-secret", s] for s in HS256_SECRETS), []),
                           "--token", token, "--issuer", ISSUER, "--audience", AUDIENCE)
        assert json.loads(result.stdout)["iss"] == ISSUER
    stranger = jwt.encode(claims(), "a third secret nobody configured, 32+ b", algorithm="HS256")
    result = bench.run("jwt-verify", "--hs256-secret", HS256_SECRETS[0], "--token", stranger,
                       "--audience", AUDIENCE, check=False)
    assert result.returncode == 1 and "badSignature" in result.stderr


def test_pyjwt_sees_old_and_new_keys_in_jwks_after_rotation(bench, tmp_path):
    directory = str(tmp_path / "keys")
    old_kid = bench.out("keys-generate", "--keys-dir", directory)
    old_token = bench.out("jwt-sign", "--keys-dir", directory, "--claims", json.dumps(claims()))
    new_kid = bench.out("keys-rotate", "--keys-dir", directory, "--alg", "ES256")
    new_token = bench.out("jwt-sign", "--keys-dir", directory, "--claims", json.dumps(claims()))
    jwks = jwt.PyJWKSet.from_dict(json.loads(bench.out("jwks", "--keys-dir", directory)))
    assert [key.key_id for key in jwks.keys] == [new_kid, old_kid]
    for token, alg in [(old_token, "EdDSA"), (new_token, "ES256")]:
        kid = jwt.get_unverified_header(token)["kid"]
        jwt.decode(token, jwks[kid].key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER)


# Argon2


def test_argon2_cffi_verifies_our_hashes(bench):
    encoded = bench.out("argon2-hash", "--password", "correct horse battery staple")
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    hasher = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)
    assert hasher.verify(encoded, "correct horse battery staple")
    assert not hasher.check_needs_rehash(encoded)
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        hasher.verify(encoded, "Correct horse battery staple")


@pytest.mark.parametrize("hasher", [
    argon2.PasswordHasher(),  # argon2-cffi's defaults: m=65536, t=3, p=4
    argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16),  # ours
    argon2.PasswordHasher(time_cost=3, memory_cost=4096, parallelism=2, type=argon2.Type.I),  # an older argon2i
], ids=["argon2-cffi-defaults", "gatehouse-defaults", "argon2i"])
def test_we_verify_argon2_cffi_hashes(bench, hasher):
    encoded = hasher.hash("pässwörd ✓")
    assert bench.run("argon2-verify", "--password", "pässwörd ✓", "--hash", encoded).stdout.strip() == "match"
    wrong = bench.run("argon2-verify", "--password", "passwörd ✓", "--hash", encoded, check=False)
    assert wrong.returncode == 1 and wrong.stdout.strip() == "mismatch"


def test_we_refuse_an_imported_hash_over_the_cap(bench):
    encoded = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    over = encoded.replace("m=8,", "m=1048576,")
    result = bench.run("argon2-verify", "--password", "pw", "--hash", over, check=False)
    assert result.returncode == 1 and "hashParametersOverCap" in result.stderr


# TOTP


def oathtool(*args: str) -> str:
    return subprocess.run(["oathtool", *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.parametrize("alg,digits", [("SHA1", 6), ("SHA256", 6), ("SHA512", 8), ("SHA1", 8)])
def test_we_produce_and_accept_oathtools_totp_codes(bench, alg, digits):
    secret_bytes = {"SHA1": 20, "SHA256": 32, "SHA512": 64}[alg]
    secret = base64.b32encode(bytes(range(1, secret_bytes + 1))).decode()
    for moment in [59, 1_111_111_109, 1_234_567_890, 2_000_000_000, int(time.time())]:
        expected = oathtool(f"--totp={alg.lower()}", "-b", "-d", str(digits), "-N", f"@{moment}", secret)
        ours = bench.out("totp", "--secret", secret.rstrip("="), "--time", str(moment), "--alg", alg,
                         "--digits", str(digits))
        assert ours == expected, f"at {moment}"
        step = bench.out("totp-verify", "--secret", secret, "--time", str(moment + 30), "--code", expected,
                         "--alg", alg, "--digits", str(digits))
        assert int(step) == moment // 30  # one step late is inside the window, and the step is reported
        late = bench.run("totp-verify", "--secret", secret, "--time", str(moment + 90), "--code", expected,
                         "--alg", alg, "--digits", str(digits), check=False)
        assert late.returncode == 1


def test_hotp_matches_oathtool(bench):
    secret = base64.b32encode(b"12345678901234567890").decode()
    for counter in [0, 1, 9, 1000]:
        expected = oathtool("--hotp", "-b", "-c", str(counter), secret)
        assert bench.out("hotp", "--secret", secret, "--counter", str(counter)) == expected


def test_otpauth_uri_round_trips_through_a_uri_parser(bench):
    secret = base64.b32encode(bytes(range(20))).decode()
    uri = bench.out("totp-uri", "--secret", secret, "--account", "zoë+1@example.com", "--issuer", "ACME Co:")
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert urllib.parse.unquote(parsed.path) == "/ACME Co::zoë+1@example.com"
    query = urllib.parse.parse_qs(parsed.query)
    assert query == {"secret": [secret], "issuer": ["ACME Co:"], "algorithm": ["SHA1"], "digits": ["6"],
                     "period": ["30"]}
    code = bench.out("totp", "--secret", query["secret"][0], "--time", "1234567890")
    assert code == oathtool("--totp", "-b", "-N", "@1234567890", secret)
