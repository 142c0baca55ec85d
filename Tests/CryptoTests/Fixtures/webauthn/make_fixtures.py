"""Makes the WebAuthn fixtures of CryptoTests with the software authenticator of the e2e suite, and checks every
one with python-fido2's own relying-party implementation (Fido2Server) before writing it.

    .build-venv/bin/python Tests/CryptoTests/Fixtures/webauthn/make_fixtures.py
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "e2e"))

from fido2.server import Fido2Server  # noqa: E402
from fido2.webauthn import AttestedCredentialData, AuthenticatorData, AttestationObject  # noqa: E402
from softauthn import SoftAuthenticator, websafe_decode, websafe_encode  # noqa: E402

RP_ID, ORIGIN = "example.com", "https://example.com"
REGISTER_CHALLENGE = bytes(range(32))
LOGIN_CHALLENGE = bytes(range(32, 64))

for alg, name in [(-7, "es256"), (-8, "eddsa"), (-257, "rs256")]:
    for fmt in ["none", "packed"]:
        authenticator = SoftAuthenticator(alg, credential_id=f"{name}-{fmt}-credential".encode())
        server = Fido2Server({"id": RP_ID, "name": "Example"}, verify_origin=lambda o: o == ORIGIN)
        options = {"rp": {"id": RP_ID}, "challenge": websafe_encode(REGISTER_CHALLENGE)}
        registration = authenticator.register(options, ORIGIN, fmt=fmt)
        state = {"challenge": websafe_encode(REGISTER_CHALLENGE), "user_verification": "required"}
        auth_data = server.register_complete(state, registration)
        credential = auth_data.credential_data
        assertion = authenticator.authenticate({"rpId": RP_ID, "challenge": websafe_encode(LOGIN_CHALLENGE)}, ORIGIN)
        server.authenticate_complete(
            {"challenge": websafe_encode(LOGIN_CHALLENGE), "user_verification": "required"}, [credential], assertion)
        attestation = AttestationObject(websafe_decode(registration["response"]["attestationObject"]))
        fixture = {
            "algorithm": alg, "format": fmt, "rpId": RP_ID, "origin": ORIGIN,
            "registration": {
                "challenge": websafe_encode(REGISTER_CHALLENGE),
                "clientDataJSON": registration["response"]["clientDataJSON"],
                "attestationObject": registration["response"]["attestationObject"],
                "authenticatorData": websafe_encode(bytes(attestation.auth_data)),
                "credentialId": websafe_encode(credential.credential_id),
                "publicKey": websafe_encode(bytes(credential)[18 + len(credential.credential_id):]),
                "signCount": 0,
            },
            "assertion": {
                "challenge": websafe_encode(LOGIN_CHALLENGE),
                "clientDataJSON": assertion["response"]["clientDataJSON"],
                "authenticatorData": assertion["response"]["authenticatorData"],
                "signature": assertion["response"]["signature"],
                "signCount": AuthenticatorData(websafe_decode(assertion["response"]["authenticatorData"])).counter,
            },
        }
        (HERE / f"{name}-{fmt}.json").write_text(json.dumps(fixture, indent=2) + "\n")
        print(f"{name}-{fmt}.json: checked by Fido2Server")
