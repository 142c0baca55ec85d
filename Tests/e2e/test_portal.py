"""The sign-in portal over HTTP (API.md "Browser sign-in portal"), without a browser: the nginx snippet's two
answers, the headers and caching of the pages and assets, escaping of stored values, the shared lockout, audit rows
and cookies. The browser itself is in test_portal_browser.py."""
import html.parser
import re
import urllib.parse

import pytest

from conftest import Stack
from helpers import PASSWORD, register, login

PORTAL = {"REGISTRATION_OPEN": "true", "ACCESS_COOKIE": "true", "PORTAL_REDIRECT_DOMAINS": "127.0.0.1",
          "RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_REGISTER": "1000/1m"}


@pytest.fixture(scope="module")
def pstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("portal"), PORTAL)
    yield s
    s.stop()


class Page(html.parser.HTMLParser):
    """What a parser sees in a page: its elements, their attributes, and its text."""

    def __init__(self, text):
        super().__init__()
        self.elements, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def own_origin(stack):
    return f"https://127.0.0.1:{stack.port}"


def form_token(session, stack, path="/auth/portal/login"):
    r = session.get(stack.url(path))
    assert r.status_code == 200, r.text
    return Page(r.text).find("input", name="csrf")[0]["value"]


def portal_login(session, stack, email, password=PASSWORD, rd=None, **headers):
    token = form_token(session, stack)
    data = {"csrf": token, "email": email, "password": password, **({"rd": rd} if rd else {})}
    return session.post(stack.url("/auth/portal/login"), data=data, allow_redirects=False,
                        headers={"Origin": own_origin(stack), **headers})


def test_snippet_sends_page_loads_to_the_portal_and_api_calls_get_the_401(pstack):
    s = pstack.session()
    r = s.get(pstack.url("/demo/a b?x=1&y=%2F"), headers={"Accept": "text/html,*/*"}, allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith("/auth/portal/login?rd=")
    rd = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["rd"][0]
    assert rd == f"https://127.0.0.1:{pstack.port}/demo/a%20b?x=1&y=%2F"  # the URL asked for, exactly
    # Not a page load: the problem+json 401 of every protected location, one WWW-Authenticate.
    r = s.get(pstack.url("/demo/a"), headers={"Accept": "application/json"}, allow_redirects=False)
    assert r.status_code == 401 and r.json()["code"] == "token_missing"
    assert r.headers["content-type"] == "application/problem+json"
    assert len(r.raw.headers.getlist("WWW-Authenticate")) == 1
    # A client cannot choose the original URL: nginx sets it.
    r = s.get(pstack.url("/demo/a"), headers={"Accept": "text/html", "X-Original-URL": "https://evil.example/"},
              allow_redirects=False)
    assert "evil.example" not in r.headers["Location"]


def test_sign_in_sets_lax_cookies_and_goes_back_to_rd(pstack):
    user = register(pstack)
    s = pstack.session()
    rd = f"https://127.0.0.1:{pstack.port}/demo/report?id=7"
    r = portal_login(s, pstack, user["email"], rd=rd)
    assert r.status_code == 303 and r.headers["Location"] == rd
    cookies = r.raw.headers.getlist("Set-Cookie")
    assert any(re.fullmatch(r"gh_access=[\w.-]+; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax", c) for c in cookies)
    assert any(re.fullmatch(r"gh_refresh=[\w-]+; Max-Age=604800; Path=/auth; HttpOnly; Secure; SameSite=Lax", c)
               for c in cookies)
    page = s.get(rd, headers={"Accept": "text/html"})
    assert page.status_code == 200 and f"Signed in as <strong>{user['email']}</strong>" in page.text
    # The same audit row as the JSON login.
    rows = pstack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}' ORDER BY id")
    assert ("login.success",) in rows


def test_pages_send_a_strict_csp_and_assets_are_cached_for_good(pstack):
    s = pstack.session()
    r = s.get(pstack.url("/auth/portal/login"))
    csp = r.raw.headers.getlist("Content-Security-Policy")
    ours = [c for c in csp if "default-src" in c][0]
    assert "default-src 'none'" in ours and "script-src 'self'" in ours and "style-src 'self'" in ours
    assert "unsafe-inline" not in ours and "form-action 'self' https://127.0.0.1:*" in ours
    assert r.headers["Cache-Control"] == "no-store"
    page = Page(r.text)
    assert not page.find("script") and not page.find("style")  # no inline script or style
    assert not any("style" in attrs or any(k.startswith("on") for k in attrs) for _, attrs in page.elements)
    css = page.find("link", rel="stylesheet")[0]["href"]
    assert re.fullmatch(r"/auth/portal/assets/portal\.[0-9a-f]{16}\.css", css)
    a = s.get(pstack.url(css))
    assert a.status_code == 200 and a.headers["Content-Type"] == "text/css; charset=utf-8"
    assert a.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert s.get(pstack.url(css), headers={"If-None-Match": a.headers["ETag"]}).status_code == 304
    assert s.get(pstack.url("/auth/portal/assets/portal.0000000000000000.css")).status_code == 404


def test_stored_values_are_text_on_the_account_page(pstack):
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    user = register(pstack, name=hostile)
    s = pstack.session()
    assert portal_login(s, pstack, user["email"], **{"User-Agent": hostile}).status_code == 303
    r = s.get(pstack.url("/auth/portal/account"))
    assert r.status_code == 200
    page = Page(r.text)
    assert not page.find("script") and not page.find("img")
    assert sum(hostile in t for t in page.text) >= 2  # the name and the session's user agent, shown as text


def test_wrong_passwords_lock_the_json_login_too(pstack):
    user = register(pstack)
    s = pstack.session()
    for _ in range(5):  # LOCKOUT_THRESHOLD
        r = portal_login(s, pstack, user["email"], password="wrong password")
        assert r.status_code == 401 and "Email or password is wrong." in r.text
    r = portal_login(s, pstack, user["email"])
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "Too many failed attempts" in r.text
    r = pstack.session().post(pstack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
    assert r.status_code == 429 and r.json()["code"] == "account_locked"
    reasons = pstack.sql(f"SELECT count(*) FROM audit_log WHERE user_id = '{user['id']}' AND event = 'login.failure'")
    assert reasons == [("5",)]


def test_forms_need_their_token_and_this_site_as_origin(pstack):
    user = register(pstack)
    s = pstack.session()
    token = form_token(s, pstack)
    data = {"csrf": token, "email": user["email"], "password": PASSWORD}
    url = pstack.url("/auth/portal/login")
    for headers, body in (({"Origin": "https://evil.example"}, data), ({}, data),
                          ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, data),
                          ({"Origin": own_origin(pstack)}, {**data, "csrf": "x" * 43}),
                          ({"Origin": own_origin(pstack)}, {k: v for k, v in data.items() if k != "csrf"})):
        r = s.post(url, data=body, headers=headers, allow_redirects=False)
        assert r.status_code == 403 and "Not accepted" in r.text, headers
    # The token of another browser's cookie does not fit this one's.
    other = pstack.session()
    r = other.post(url, data={**data, "csrf": form_token(other, pstack)}, allow_redirects=False,
                   headers={"Origin": own_origin(pstack)})
    assert r.status_code == 303
    r = s.post(url, data={**data, "csrf": form_token(other, pstack)}, allow_redirects=False,
               headers={"Origin": own_origin(pstack)})
    assert r.status_code == 403
    # Under Referrer-Policy: no-referrer a browser sends Origin: null with Sec-Fetch-Site: same-origin.
    r = s.post(url, data=data, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}, allow_redirects=False)
    assert r.status_code == 303


def test_account_actions_go_through_the_json_routes_rules(pstack):
    user = register(pstack)
    browser = pstack.session()
    assert portal_login(browser, pstack, user["email"]).status_code == 303
    other = login(pstack, user["email"])  # a second session, from the JSON route
    token = form_token(browser, pstack, "/auth/portal/account")
    post = lambda path, **data: browser.post(pstack.url(path), data={"csrf": token, **data}, allow_redirects=False,
                                             headers={"Origin": own_origin(pstack)})
    r = post("/auth/portal/account/password", current_password="wrong", new_password="another good passphrase")
    assert r.status_code == 422 and "The current password is not the current password." in r.text
    r = post("/auth/portal/account/password", current_password=PASSWORD, new_password="password")
    assert r.status_code == 422
    r = post("/auth/portal/account/sessions/revoke", session="00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404
    r = post("/auth/portal/account/password", current_password=PASSWORD, new_password="another good passphrase")
    assert r.status_code == 303 and r.headers["Location"] == "/auth/portal/account?done=password"
    # The other session ended (as PUT /auth/password does); this one goes on.
    assert pstack.session().get(pstack.url("/auth/me"), headers={"Authorization": f"Bearer {other['access_token']}"}
                                ).status_code == 401
    assert browser.get(pstack.url("/auth/portal/account")).status_code == 200
    rows = pstack.sql(f"SELECT event FROM audit_log WHERE user_id = '{user['id']}' AND event = 'password.changed'")
    assert rows == [("password.changed",)]


def test_cookie_domain_and_portal_off(fresh_stack):
    stack = fresh_stack({**PORTAL, "COOKIE_DOMAIN": "example.test"})
    user = register(stack)
    r = portal_login(stack.session(), stack, user["email"])
    assert r.status_code == 303
    cookies = r.raw.headers.getlist("Set-Cookie")
    assert sum("; Domain=example.test; " in c for c in cookies if c.startswith(("gh_access=", "gh_refresh="))) == 2
    assert not any("Domain" in c for c in cookies if c.startswith("__Host-"))
    # Without ACCESS_COOKIE the portal is off (/auth/verify would not accept its cookie).
    off = fresh_stack({"ACCESS_COOKIE": "false"})
    r = off.session().get(off.url("/auth/portal/login"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    # A portal-protected location then answers like any protected one: the 401, no redirect to a page that is off.
    r = off.session().get(off.url("/demo/x"), headers={"Accept": "text/html"}, allow_redirects=False)
    assert r.status_code == 401 and r.json()["code"] == "token_missing"


def test_passkeys_through_the_portal_forms(pstack):
    """The portal's passkey routes with a software authenticator (the browser test drives the same routes from
    Chromium): add, second step, passwordless, remove; refusals of forged, malformed and foreign requests. These
    requests go to https://127.0.0.1:PORT, which is not among the stack's WEBAUTHN_ORIGINS (https://localhost:PORT):
    the pages offer no passkey button there and load no script, and the routes still work for a client that can
    sign for the relying party (the authenticator writes the localhost origin into its client data)."""
    import json

    from softauthn import SoftAuthenticator

    user = register(pstack, name="Passkey User")
    origin = own_origin(pstack)
    party = f"https://localhost:{pstack.port}"
    s = pstack.session()
    page = s.get(pstack.url("/auth/portal/login"))
    assert "data-passkey" not in page.text and "<script" not in page.text
    assert portal_login(s, pstack, user["email"]).status_code == 303
    account = s.get(pstack.url("/auth/portal/account"))
    assert "Passkeys cannot be added at this address." in account.text and "<script" not in account.text
    token = Page(account.text).find("input", name="csrf")[0]["value"]
    post = lambda path, data, session=s, **h: session.post(  # noqa: E731
        pstack.url(path), data=data, allow_redirects=False, headers={"Origin": origin, **h})

    # The creation options: only for this site's forms with their token, only for a signed-in browser.
    assert post("/auth/portal/account/passkeys/options", {}).status_code == 403
    assert post("/auth/portal/account/passkeys/options", {"csrf": token}, Origin="https://evil.example").status_code == 403
    anonymous = pstack.session()
    anonymous_token = form_token(anonymous, pstack)
    r = post("/auth/portal/account/passkeys/options", {"csrf": anonymous_token}, session=anonymous)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = post("/auth/portal/account/passkeys/options", {"csrf": token})
    assert r.status_code == 200 and r.json()["user"]["name"] == user["email"]
    authenticator = SoftAuthenticator(-7)
    credential = authenticator.register(r.json(), party)

    # A malformed or foreign answer: a page that says so, nothing stored.
    for bad in ["", "{", "[]", json.dumps({**credential, "type": "x"}), "x" * 200_000]:
        r = post("/auth/portal/account/passkeys/register", {"csrf": token, "name": "Bad", "credential": bad})
        assert r.status_code in (413, 422), (bad[:20], r.status_code)
        if r.status_code == 422:
            assert "answer was not accepted" in r.text
    assert passkeys_of(pstack, user) == 0
    r = post("/auth/portal/account/passkeys/register",
             {"csrf": token, "name": "<b>Phone</b>", "credential": json.dumps(credential)})
    assert r.status_code == 303 and r.headers["Location"] == "/auth/portal/account?done=passkey_added"
    account = s.get(pstack.url("/auth/portal/account")).text
    assert "&lt;b&gt;Phone&lt;/b&gt;" in account and "<b>Phone" not in account
    [(passkey_id,)] = pstack.sql(f"SELECT id FROM webauthn_credentials WHERE user_id = '{user['id']}'")

    # The second step: the password answers with the second-step page (no button at this address), and the
    # assertion posted to it signs in.
    out = pstack.session()
    r = portal_login(out, pstack, user["email"], rd=f"{origin}/demo/after-passkey")
    assert r.status_code == 200 and "Your passkey cannot be used at this address" in r.text
    assert not Page(r.text).find("input", name="mfa_token")  # no form to post from this page
    step_token = form_token(out, pstack)
    # A client that can sign takes its mfa_token from the JSON login, and posts its assertion to the portal's step.
    answer = out.post(pstack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
    assert answer.status_code == 401 and answer.json()["methods"] == ["webauthn"]
    mfa_token = answer.json()["mfa_token"]
    options = out.post(pstack.url("/auth/mfa/webauthn/options"), json={"mfa_token": mfa_token}).json()
    wrong = authenticator.authenticate(options, party, tamper=True)
    r = post("/auth/portal/login/mfa", {"csrf": step_token, "mfa_token": mfa_token, "webauthn": json.dumps(wrong)},
             session=out)
    assert r.status_code == 401 and "That passkey was not accepted" in r.text and "gh_access" not in out.cookies
    options = out.post(pstack.url("/auth/mfa/webauthn/options"), json={"mfa_token": mfa_token}).json()
    right = authenticator.authenticate(options, party)
    r = post("/auth/portal/login/mfa", {"csrf": step_token, "mfa_token": mfa_token, "webauthn": json.dumps(right),
                                        "rd": f"{origin}/demo/after-passkey"}, session=out)
    assert r.status_code == 303 and r.headers["Location"] == f"{origin}/demo/after-passkey"
    assert "gh_access" in r.cookies and "gh_refresh" in r.cookies

    # Passwordless: options from the JSON route, the assertion through the sign-in page's form.
    anonymous = pstack.session()
    login_token = form_token(anonymous, pstack)
    options = anonymous.post(pstack.url("/auth/webauthn/login/options"), json={}).json()
    r = post("/auth/portal/login/passkey", {"csrf": login_token, "challenge_token": options["challenge_token"],
                                            "credential": json.dumps(authenticator.authenticate(options["options"], party))},
             session=anonymous)
    assert r.status_code == 303 and r.headers["Location"] == "/auth/portal/account" and "gh_access" in r.cookies
    # The same challenge again, a tampered signature, no token: refused on the sign-in page, no cookies.
    for challenge_token, knobs in [(options["challenge_token"], {}), (None, {"tamper": True}), ("", {})]:
        fresh = anonymous.post(pstack.url("/auth/webauthn/login/options"), json={}).json()
        r = post("/auth/portal/login/passkey", {
            "csrf": login_token, "challenge_token": fresh["challenge_token"] if challenge_token is None else challenge_token,
            "credential": json.dumps(authenticator.authenticate(fresh["options"], party, **knobs))},
            session=anonymous)
        assert r.status_code == 401 and "gh_access" not in r.cookies
        assert "The passkey request expired" in r.text or "That passkey was not accepted" in r.text
    assert post("/auth/portal/login/passkey", {"challenge_token": "x", "credential": "{}"}, session=anonymous).status_code == 403
    events = [e for (e,) in pstack.sql(
        f"SELECT event FROM audit_log WHERE user_id = '{user['id']}' AND event IN "
        "('webauthn.registered', 'login.success', 'login.failure', 'mfa.failure') ORDER BY id")]
    assert events.count("webauthn.registered") == 1 and events.count("login.success") >= 3

    # Removing: another user's id is a 404 page that removes nothing; its own id removes it.
    r = post("/auth/portal/account/passkeys/delete", {"csrf": token, "id": "00000000-0000-0000-0000-000000000000"})
    assert r.status_code == 404
    r = post("/auth/portal/account/passkeys/delete", {"csrf": token, "id": passkey_id})
    assert r.status_code == 303 and r.headers["Location"] == "/auth/portal/account?done=passkey_removed"
    assert passkeys_of(pstack, user) == 0


def passkeys_of(stack, user) -> int:
    return int(stack.sql(f"SELECT count(*) FROM webauthn_credentials WHERE user_id = '{user['id']}'")[0][0])
