"""A WebSocket upstream behind the shipped snippets (nginx/dev/nginx.conf.in, location /ws/): nginx checks the
upgrade request once with auth_request, and the socket service trusts the identity headers it received on connect."""
import json
import ssl

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from helpers import bearer, new_user


def ws_url(stack, path="/ws/chat"):
    return f"wss://127.0.0.1:{stack.port}{path}"


def tls(stack) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=stack.cert)


def open_socket(stack, headers: dict, path="/ws/chat"):
    return connect(ws_url(stack, path), ssl=tls(stack), additional_headers=headers, open_timeout=10)


UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


def refused_status(stack, headers: dict) -> tuple[int, dict]:
    """The status and problem body of an upgrade request nginx refuses. Sent as a plain HTTP/1.1 request with the
    upgrade headers, as a browser's WebSocket sends it: a refusal is an ordinary HTTP answer, and the suite saw
    the WebSocket client library stall once, under load, waiting for such an answer that nginx never logged."""
    r = stack.session().get(stack.url("/ws/chat"), headers={**UPGRADE, **headers}, timeout=10)
    assert r.status_code != 101, "the upgrade went through"
    assert r.headers["content-type"] == "application/problem+json"
    return r.status_code, r.json()


def test_the_websocket_client_sees_a_refused_upgrade_as_401(stack):
    with pytest.raises(InvalidStatus) as refused:
        with open_socket(stack, {}):
            pass
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["code"] == "token_missing"


def test_a_valid_token_connects_and_receives_its_identity_once(stack):
    user, tokens = new_user(stack)
    with open_socket(stack, bearer(tokens)) as socket:
        hello = json.loads(socket.recv(timeout=10))
        assert hello["path"] == "/ws/chat"
        headers = hello["headers"]
        assert headers["x-user-id"] == user["id"]
        assert headers["x-user-email"] == user["email"]
        assert headers["x-session-id"]
        assert headers["x-auth-context"] and headers["x-auth-context-signature"]
        # No credential of ours reaches the socket service.
        assert "authorization" not in headers
        # After the greeting the service only echoes: the identity came once, with the upgrade.
        socket.send("ping")
        assert socket.recv(timeout=10) == "ping"
        socket.send("pong")
        assert socket.recv(timeout=10) == "pong"


def test_without_a_token_the_upgrade_is_refused(stack):
    status, body = refused_status(stack, {})
    assert status == 401
    assert body["code"] == "token_missing"


def test_with_a_bad_token_the_upgrade_is_refused(stack):
    status, body = refused_status(stack, {"Authorization": "Bearer a.b.c"})
    assert status == 401
    assert body["code"] == "token_invalid"


def test_with_a_revoked_token_the_upgrade_is_refused(stack):
    _, tokens = new_user(stack)
    with open_socket(stack, bearer(tokens)) as socket:
        json.loads(socket.recv(timeout=10))
    r = stack.session().post(stack.url("/auth/logout"), headers=bearer(tokens))
    assert r.status_code == 204, r.text
    status, body = refused_status(stack, bearer(tokens))
    assert status == 401
    assert body["code"] == "token_revoked"


def test_client_forged_identity_headers_never_reach_the_socket_service(stack):
    user, tokens = new_user(stack)
    forged = {"X-User-Id": "00000000-0000-0000-0000-000000000000", "X-User-Permissions": "*:*",
              "X-Client-Id": "forged-client", "X-Client-Name": "Forged", "X-Auth-Context": "forged"}
    with open_socket(stack, {**forged, **bearer(tokens)}) as socket:
        headers = json.loads(socket.recv(timeout=10))["headers"]
    assert headers["x-user-id"] == user["id"]
    assert headers.get("x-user-permissions", "") == ""
    assert "x-client-id" not in headers and "x-client-name" not in headers
    assert headers["x-auth-context"] != "forged"
    # Without a token the forged headers get nowhere.
    status, _ = refused_status(stack, forged)
    assert status == 401
