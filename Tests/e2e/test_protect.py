"""An upstream protected with the shipped snippets (gatehouse-auth.conf + gatehouse-protect.conf)."""
import base64
import hashlib
import hmac
import json

from helpers import bearer, claims_of, login, new_user, import_roles, import_users, register, unique_email, PASSWORD


def test_no_token_is_401_problem_json_and_never_reaches_the_upstream(stack):
    r = stack.session().get(stack.url("/app/hello"))
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "token_missing"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "path" not in r.json()  # the echo upstream's body would have it


def test_bad_token_is_401_with_its_code(stack):
    r = stack.session().get(stack.url("/app/hello"), headers={"Authorization": "Bearer a.b.c"})
    assert r.status_code == 401
    assert r.json()["code"] == "token_invalid"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_good_token_reaches_the_upstream_with_identity(stack):
    user, tokens = new_user(stack)
    r = stack.session().get(stack.url("/app/hello?x=1"), headers=bearer(tokens))
    assert r.status_code == 200
    seen = r.json()
    assert seen["path"] == "/app/hello?x=1"
    headers = seen["headers"]
    assert headers["x-user-id"] == user["id"]
    assert headers["x-user-email"] == user["email"]
    assert headers["x-session-id"]
    # The bearer token itself is not forwarded.
    assert "authorization" not in headers
    # The signed context: HMAC-SHA256 under SERVICE_SECRET of the exact X-Auth-Context value.
    context = headers["x-auth-context"]
    secret = stack.setting("SERVICE_SECRET").encode()
    expected = base64.urlsafe_b64encode(hmac.new(secret, context.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    assert headers["x-auth-context-signature"] == expected
    claims = json.loads(base64.urlsafe_b64decode(context + "=" * (-len(context) % 4)))
    assert claims["sub"] == user["id"]


def test_client_sent_identity_headers_never_reach_the_upstream(stack):
    user, tokens = new_user(stack)
    forged = {"X-User-Id": "00000000-0000-0000-0000-000000000000", "X-User-Permissions": "*:*",
              "X-Auth-Context": "forged", "X-Required-Permission": ""}
    r = stack.session().get(stack.url("/app/hello"), headers={**forged, **bearer(tokens)})
    headers = r.json()["headers"]
    assert headers["x-user-id"] == user["id"]
    # The user has no permissions: nginx sends no header at all rather than the client's.
    assert headers.get("x-user-permissions", "") == ""
    assert headers["x-auth-context"] != "forged"
    # Without a token the forged headers get nowhere.
    assert stack.session().get(stack.url("/app/hello"), headers=forged).status_code == 401


def test_missing_permission_is_403_and_granted_permission_passes(stack, tmp_path):
    import_roles(stack, tmp_path, {"site-admin": ["admin:access"]})
    plain_user, plain = new_user(stack)
    r = stack.session().get(stack.url("/app/admin/panel"), headers=bearer(plain))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    # A client cannot lift the requirement by sending the header itself.
    r = stack.session().get(stack.url("/app/admin/panel"), headers={**bearer(plain), "X-Required-Permission": ""})
    assert r.status_code == 403
    email = unique_email("siteadmin")
    import_users(stack, tmp_path, [{"email": email, "name": "Site Admin", "password": PASSWORD, "roles": ["site-admin"]}])
    admin = login(stack, email)
    r = stack.session().get(stack.url("/app/admin/panel"), headers=bearer(admin))
    assert r.status_code == 200
    assert r.json()["headers"]["x-user-permissions"] == "admin:access"


def test_after_logout_the_old_token_is_refused_at_once(stack):
    _, tokens = new_user(stack)
    assert stack.session().get(stack.url("/app/x"), headers=bearer(tokens)).status_code == 200
    assert stack.session().post(stack.url("/auth/logout"), headers=bearer(tokens)).status_code == 204
    r = stack.session().get(stack.url("/app/x"), headers=bearer(tokens))
    assert r.status_code == 401
    assert r.json()["code"] == "token_revoked"


def test_protected_static_files(stack):
    assert stack.session().get(stack.url("/files/hello.txt")).status_code == 401
    _, tokens = new_user(stack)
    r = stack.session().get(stack.url("/files/hello.txt"), headers=bearer(tokens))
    assert r.status_code == 200 and "signed-in" in r.text


def test_a_command_line_deactivation_is_refused_at_once(stack, tmp_path):
    email = unique_email("cli-off")
    import_users(stack, tmp_path, [{"email": email, "name": "Soon Off", "password": PASSWORD}])
    tokens = login(stack, email)
    s = stack.session()
    # Warm every worker's caches with this token first.
    for _ in range(12):
        assert s.get(stack.url("/app/x"), headers=bearer(tokens)).status_code == 200
    import_users(stack, tmp_path, [{"email": email, "is_active": False}])
    for _ in range(12):
        r = s.get(stack.url("/app/x"), headers=bearer(tokens))
        assert r.status_code == 401 and r.json()["code"] == "token_revoked"


def test_access_cookie_mode(fresh_stack):
    """ACCESS_COOKIE=true: a browser that logged in reaches protected pages with its cookie alone."""
    stack = fresh_stack({"REGISTRATION_OPEN": "true", "ACCESS_COOKIE": "true"})
    origin = stack.setting("ALLOWED_ORIGINS")
    user = register(stack)
    browser = stack.session()
    r = browser.post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD},
                     headers={"X-Requested-With": "fetch"})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]  # still in the body, for the page's own API calls
    cookies = r.raw.headers.getlist("Set-Cookie")
    assert f"gh_access={token}; Max-Age={r.json()['expires_in']}; Path=/; HttpOnly; Secure; SameSite=Strict" in cookies
    assert any(c.startswith("gh_refresh=") for c in cookies)

    # A page load with the cookie alone: identity reaches the upstream, the token does not; other cookies do.
    r = stack.session().get(stack.url("/app/page"), headers={"Cookie": f"theme=dark; gh_access={token}; lang=en"})
    assert r.status_code == 200, r.text
    seen = r.json()["headers"]
    assert seen["x-user-id"] == user["id"]
    assert seen["cookie"] == "theme=dark; lang=en"
    assert stack.session().get(stack.url("/files/hello.txt"), headers={"Cookie": f"gh_access={token}"}).status_code == 200

    # The browser sends the cookie whichever site started the request: a state-changing one needs an allowed Origin.
    for headers in ({}, {"Origin": "https://evil.example"}):
        r = stack.session().post(stack.url("/app/form"), headers={"Cookie": f"gh_access={token}", **headers})
        assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed", r.text
    r = stack.session().post(stack.url("/app/form"), headers={"Cookie": f"gh_access={token}", "Origin": origin})
    assert r.status_code == 200 and r.json()["method"] == "POST"

    # Logout clears both cookies, and the old access cookie is refused at once.
    r = browser.post(stack.url("/auth/logout"), headers={"Origin": origin})
    assert r.status_code == 204
    cleared = r.raw.headers.getlist("Set-Cookie")
    assert "gh_access=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict" in cleared
    assert any(c.startswith("gh_refresh=;") for c in cleared)
    r = stack.session().get(stack.url("/app/page"), headers={"Cookie": f"gh_access={token}"})
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"


def test_access_cookie_is_ignored_unless_enabled(stack):
    _, tokens = new_user(stack)
    r = stack.session().get(stack.url("/app/page"), headers={"Cookie": f"gh_access={tokens['access_token']}"})
    assert r.status_code == 401 and r.json()["code"] == "token_missing"
    r = stack.session().post(stack.url("/auth/login"), json={"email": claims_of(tokens["access_token"])["email"],
                             "password": PASSWORD}, headers={"X-Requested-With": "fetch"})
    assert not any(c.startswith("gh_access=") for c in r.raw.headers.getlist("Set-Cookie"))


def test_client_sent_client_headers_never_reach_either_upstream(stack):
    """X-Client-Id and X-Client-Name come only from Gatehouse (an API-key caller); a client's own never arrive."""
    _, tokens = new_user(stack)
    forged = {"X-Client-Id": "forged-client", "X-Client-Name": "Forged"}
    seen = stack.session().get(stack.url("/app/hello"), headers={**forged, **bearer(tokens)}).json()["headers"]
    assert "x-client-id" not in seen and "x-client-name" not in seen
    params = stack.session().get(stack.url("/fcgi/hello"), headers={**forged, **bearer(tokens)}).json()["params"]
    assert params.get("HTTP_X_CLIENT_ID", "") == "" and params.get("HTTP_X_CLIENT_NAME", "") == ""


def test_an_api_key_never_reaches_either_upstream(stack):
    """X-API-Key goes to /auth/verify only. Whether Gatehouse accepts this made-up key beside a good token or
    refuses it, the upstream never sees the key."""
    _, tokens = new_user(stack)
    key = {"X-API-Key": "gh_000000000000_" + "0" * 43 + "_000000"}
    r = stack.session().get(stack.url("/app/hello"), headers={**key, **bearer(tokens)})
    if r.status_code == 200:
        assert "x-api-key" not in r.json()["headers"]
    else:
        assert r.status_code == 401 and "path" not in r.json()
    r = stack.session().get(stack.url("/fcgi/hello"), headers={**key, **bearer(tokens)})
    if r.status_code == 200:
        assert r.json()["params"].get("HTTP_X_API_KEY", "") == ""
    else:
        assert r.status_code == 401 and "params" not in r.json()


def test_a_page_of_the_site_itself_may_post_with_its_origin_a_foreign_page_may_not(fresh_stack):
    # ORIGIN_VALIDATION_ENABLED is on by default and ALLOWED_ORIGINS lists other sites: a browser sends the site's
    # own origin on a same-site POST, which passes; another site's page is refused whatever token it carries.
    stack = fresh_stack({"REGISTRATION_OPEN": "true", "ALLOWED_ORIGINS": "https://other.example"})
    assert stack.setting("ORIGIN_VALIDATION_ENABLED") in ("", "true")
    _, tokens = new_user(stack)
    own = stack.url("/").rstrip("/")
    assert own not in (stack.setting("ALLOWED_ORIGINS") or "").split(",")
    r = stack.session().post(stack.url("/app/form"), headers={**bearer(tokens), "Origin": own})
    assert r.status_code == 200 and r.json()["method"] == "POST", r.text
    for foreign in ("https://evil.example", own.replace("https://", "http://") + "0", "null"):
        r = stack.session().post(stack.url("/app/form"), headers={**bearer(tokens), "Origin": foreign})
        assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed", (foreign, r.text)
