"""A software WebAuthn authenticator and client: keys from `cryptography`, data structures from `fido2`.

It plays both the authenticator (authenticator data, attestation, signature counter, UP/UV flags) and the browser
(client data JSON, the Level 3 JSON serialisation of responses). Knobs let tests forge what a hostile client
would: another origin or rp id, cross-origin frames, missing user verification, a counter that goes backwards.
"""
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from fido2 import cbor, cose
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT, FLAG_ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80
ALGORITHMS = {-7: "ES256", -8: "EdDSA", -257: "RS256"}


class SoftAuthenticator:
    """One credential on a software authenticator."""

    def __init__(self, alg: int = -7, credential_id: bytes | None = None, aaguid: bytes = bytes(16),
                 private_key=None):
        self.alg = alg
        if private_key is None:
            if alg == -7:
                private_key = ec.generate_private_key(ec.SECP256R1())
            elif alg == -8:
                private_key = ed25519.Ed25519PrivateKey.generate()
            elif alg == -257:
                private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            else:
                raise ValueError(alg)
        self.private_key = private_key
        self.credential_id = credential_id or os.urandom(32)
        self.aaguid = aaguid
        self.counter = 0
        self.cose_key = {
            -7: cose.ES256, -8: cose.EdDSA, -257: cose.RS256,
        }[alg].from_cryptography_key(private_key.public_key())

    def sign(self, message: bytes) -> bytes:
        if self.alg == -7:
            return self.private_key.sign(message, ec.ECDSA(hashes.SHA256()))
        if self.alg == -8:
            return self.private_key.sign(message)
        return self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    @property
    def id(self) -> str:
        return websafe_encode(self.credential_id)

    def _auth_data(self, rp_id: str, flags: int, counter: int, attested: bool) -> AuthenticatorData:
        credential = b""
        if attested:
            credential = AttestedCredentialData.create(self.aaguid, self.credential_id, self.cose_key)
            flags |= FLAG_AT
        return AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, counter, credential)

    def register(self, options: dict, origin: str, *, rp_id: str | None = None, fmt: str = "none",
                 uv: bool = True, cross_origin: bool = False, ceremony: str = "webauthn.create",
                 flags: int | None = None) -> dict:
        """A RegistrationResponseJSON for PublicKeyCredentialCreationOptionsJSON `options`."""
        rp_id = rp_id or options["rp"]["id"]
        client_data = CollectedClientData.create(ceremony, options["challenge"], origin, cross_origin)
        if flags is None:
            flags = FLAG_UP | (FLAG_UV if uv else 0)
        auth_data = self._auth_data(rp_id, flags, self.counter, attested=True)
        if fmt == "none":
            statement = {}
        elif fmt == "packed":
            statement = {"alg": self.alg, "sig": self.sign(bytes(auth_data) + client_data.hash)}
        else:
            raise ValueError(fmt)
        attestation = AttestationObject.create(fmt, auth_data, statement)
        return {
            "id": self.id, "rawId": self.id, "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {}, "authenticatorAttachment": "platform",
        }

    def authenticate(self, options: dict, origin: str, *, rp_id: str | None = None, uv: bool = True,
                     counter: int | None = None, cross_origin: bool = False, ceremony: str = "webauthn.get",
                     tamper: bool = False, user_handle: bytes | None = None) -> dict:
        """An AuthenticationResponseJSON for PublicKeyCredentialRequestOptionsJSON `options`. The counter goes up
        by one per signature unless `counter` says otherwise."""
        rp_id = rp_id or options["rpId"]
        if counter is None:
            self.counter += 1
            counter = self.counter
        client_data = CollectedClientData.create(ceremony, options["challenge"], origin, cross_origin)
        auth_data = self._auth_data(rp_id, FLAG_UP | (FLAG_UV if uv else 0), counter, attested=False)
        signature = self.sign(bytes(auth_data) + client_data.hash)
        if tamper:
            signature = bytearray(signature)
            signature[-1] ^= 0x01
            signature = bytes(signature)
        response = {
            "clientDataJSON": websafe_encode(client_data),
            "authenticatorData": websafe_encode(auth_data),
            "signature": websafe_encode(signature),
        }
        if user_handle is not None:
            response["userHandle"] = websafe_encode(user_handle)
        return {"id": self.id, "rawId": self.id, "type": "public-key", "response": response,
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}


__all__ = ["SoftAuthenticator", "ALGORITHMS", "websafe_decode", "websafe_encode", "cbor", "json", "struct"]
