"""The sign-in portal in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven by Selenium,
against a stack of its own through nginx over HTTPS. Skipped only when chromium is not installed (CI installs it).

The browser uses https://localhost:PORT (a host name, as WebAuthn needs: the stack's relying party id is
localhost); passkeys come from Chromium's virtual authenticator (WebDriver's virtual authenticator API). Each test
saves screenshots under var/screenshots/<backend>/ (ignored by git) for a person to look at.
"""
import base64
import json
import os
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import BACKEND, ROOT, Stack
from helpers import PASSWORD, register

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromium-driver are not installed")

SHOTS = Path(os.environ.get("GATEHOUSE_SCREENSHOTS", ROOT / "var" / "screenshots")) / BACKEND
ACCESS_SECONDS = 10  # JWT_EXPIRES_IN's minimum: the silent-refresh test waits it out


@pytest.fixture(scope="module")
def pstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("portal-browser"), {
        "REGISTRATION_OPEN": "true", "ACCESS_COOKIE": "true", "PORTAL_REDIRECT_DOMAINS": "localhost",
        # Only the site's own origin may post forms (the dev stack also allows https://127.0.0.1:PORT, which the
        # foreign-origin test uses as the foreign site).
        "ALLOWED_ORIGINS": "", "JWT_EXPIRES_IN": f"{ACCESS_SECONDS}s", "JWT_LEEWAY": "0s",
        "RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_REFRESH": "1000/1m",
        "RATE_LIMIT_MFA": "1000/1m",
    })
    yield s
    s.stop()


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                "--lang=en-US", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.accept_insecure_certs = True  # the stack's self-signed certificate
    d = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    d.set_page_load_timeout(30)
    yield d
    d.quit()


@pytest.fixture
def browser(driver):
    """The module's browser with no cookies of an earlier test."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})  # every path and host, not only the current page's
    driver.set_window_size(1280, 900)
    return driver


def base(stack) -> str:
    return f"https://localhost:{stack.port}"


def shot(driver, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def submit(driver, selector: str):
    """Clicks a form's button and waits for the page that answers it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import WebDriverException

    button = driver.find_element(By.CSS_SELECTOR, selector)
    button.click()

    def replaced(_):
        try:
            button.is_enabled()
            return False
        except WebDriverException:  # stale: the answer's page has replaced the form's
            return True

    WebDriverWait(driver, 15).until(replaced)


def sign_in(driver, email, password=PASSWORD):
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "email").clear()
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver, "form[action='/auth/portal/login'] button[type=submit]")


def cookies(driver) -> dict:
    """Every cookie of the browser, whatever its path (WebDriver's own call lists only the current page's)."""
    return {c["name"]: c for c in driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]}


def path_of(driver) -> str:
    parts = urllib.parse.urlsplit(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def test_anonymous_visit_signs_in_and_comes_back(pstack, browser):
    from selenium.webdriver.common.by import By

    user = register(pstack)
    browser.get(base(pstack) + "/demo/reports?year=2026&q=a%20b")
    assert path_of(browser).startswith("/auth/portal/login?rd=")
    assert browser.title == "Sign in · Gatehouse"
    shot(browser, "01-login")
    # The focus starts in the email field; the labels name the fields.
    assert browser.switch_to.active_element.get_attribute("id") == "email"
    assert browser.find_element(By.CSS_SELECTOR, "label[for=email]").text == "Email"

    browser.find_element(By.ID, "email").send_keys(user["email"])
    browser.find_element(By.ID, "password").send_keys("wrong password!")
    submit(browser, "button[type=submit]")
    assert browser.find_element(By.ID, "form-error").text == "Email or password is wrong."
    shot(browser, "02-login-wrong-password")

    sign_in(browser, user["email"])
    assert path_of(browser) == "/demo/reports?year=2026&q=a%20b"
    assert browser.find_element(By.ID, "who").text == f"Signed in as {user['email']}."
    shot(browser, "03-back-on-the-demo-page")
    jar = cookies(browser)
    for name, path in (("gh_access", "/"), ("gh_refresh", "/auth"), ("__Host-gh_csrf", "/")):
        assert jar[name]["httpOnly"] and jar[name]["secure"] and jar[name]["path"] == path
    assert jar["gh_access"]["sameSite"] == jar["gh_refresh"]["sameSite"] == "Lax"


def test_silent_refresh_after_the_access_cookie_expires_then_logout(pstack, browser):
    from selenium.webdriver.common.by import By

    user = register(pstack)
    browser.get(base(pstack) + "/demo/first")
    sign_in(browser, user["email"])
    assert path_of(browser) == "/demo/first"
    first_refresh = cookies(browser)["gh_refresh"]["value"]
    time.sleep(ACCESS_SECONDS + 1)
    assert "gh_access" not in cookies(browser)  # expired: the browser no longer sends it
    browser.get(base(pstack) + "/demo/second")
    # Through the portal and back without a form: a new access cookie and a rotated refresh cookie.
    assert path_of(browser) == "/demo/second"
    assert browser.find_element(By.ID, "who").text == f"Signed in as {user['email']}."
    assert "gh_access" in cookies(browser)
    assert cookies(browser)["gh_refresh"]["value"] != first_refresh

    browser.get(base(pstack) + "/auth/portal/account")
    shot(browser, "04-account")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your account"
    submit(browser, "form[action='/auth/portal/logout'] button")
    assert path_of(browser) == "/auth/portal/login?signed_out=1"
    assert "You have signed out." in browser.page_source
    shot(browser, "05-signed-out")
    assert "gh_access" not in cookies(browser) and "gh_refresh" not in cookies(browser)
    browser.get(base(pstack) + "/demo/after-logout")
    assert path_of(browser).startswith("/auth/portal/login?rd=")


def test_foreign_rd_and_forged_forms_are_refused(pstack, browser):
    from selenium.webdriver.common.by import By

    user = register(pstack)
    rd = urllib.parse.quote("https://evil.example/steal", safe="")
    browser.get(base(pstack) + f"/auth/portal/login?rd={rd}")
    sign_in(browser, user["email"])
    assert path_of(browser) == "/auth/portal/account"  # not evil.example
    for hostile in ("https://localhost.evil.example/", "//evil.example/", "https://localhost@evil.example/",
                    "https:\\\\evil.example"):
        browser.get(base(pstack) + "/auth/portal/login?rd=" + urllib.parse.quote(hostile, safe=""))
        assert urllib.parse.urlsplit(browser.current_url).netloc == f"localhost:{pstack.port}"
        assert path_of(browser) == "/auth/portal/account"

    # A form without its CSRF token is refused, and nothing happens.
    browser.execute_script("document.querySelector(\"form[action='/auth/portal/logout'] input[name=csrf]\").remove()")
    submit(browser, "form[action='/auth/portal/logout'] button")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not accepted"
    shot(browser, "06-form-without-csrf-refused")
    browser.get(base(pstack) + "/auth/portal/account")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your account"
    token = browser.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")

    # A page of another site posts the sign-out form, with a valid token even: refused on its Origin.
    browser.get(f"https://127.0.0.1:{pstack.port}/health")
    browser.execute_script("""
        const f = document.createElement('form');
        f.method = 'post'; f.action = arguments[0];
        const i = document.createElement('input'); i.name = 'csrf'; i.value = arguments[1];
        f.appendChild(i); document.body.appendChild(f); f.submit();""",
        base(pstack) + "/auth/portal/logout", token)
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 10).until(lambda d: d.current_url.startswith(base(pstack) + "/auth/portal/logout"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not accepted"
    shot(browser, "07-foreign-origin-refused")
    browser.get(base(pstack) + "/auth/portal/account")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your account"  # still signed in


def totp_code(secret: str, offset: int = 0) -> str:
    """The RFC 6238 code of `secret` now (+ offset seconds), from Debian's oathtool."""
    now = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() + offset))
    out = subprocess.run(["oathtool", "--totp", "-b", "--now", now, secret], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_totp_enrolment_with_a_qr_code_then_the_second_step(pstack, browser):
    from selenium.webdriver.common.by import By

    user = register(pstack)
    browser.get(base(pstack) + "/auth/portal/login")
    sign_in(browser, user["email"])
    submit(browser, "form[action='/auth/portal/account/totp/enroll'] button")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Set up an authenticator app"
    qr = browser.find_element(By.CSS_SELECTOR, ".qr svg")
    assert qr.size["width"] >= 150 and qr.get_attribute("role") == "img"
    shot(browser, "10-totp-enrolment-qr")
    from axe_selenium_python import Axe
    assert axe_problems(Axe(browser)) == []
    secret = browser.find_element(By.ID, "totp-secret").text
    browser.find_element(By.ID, "code").send_keys("000000" if totp_code(secret) != "000000" else "111111")
    submit(browser, "form[action='/auth/portal/account/totp/confirm'] button")
    assert "is not the current code" in browser.find_element(By.ID, "form-error").text  # the QR page again
    browser.find_element(By.ID, "code").send_keys(totp_code(secret))
    submit(browser, "form[action='/auth/portal/account/totp/confirm'] button")
    codes = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#recovery-codes li")]
    assert len(codes) == 10
    shot(browser, "11-recovery-codes")
    browser.get(base(pstack) + "/auth/portal/account")
    submit(browser, "form[action='/auth/portal/logout'] button")

    # Signing in now takes the code: the next step's code (the confirming one counts as used), from oathtool.
    browser.get(base(pstack) + "/demo/after-totp")
    sign_in(browser, user["email"])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Two-step sign-in"
    assert browser.switch_to.active_element.get_attribute("id") == "code"
    shot(browser, "12-second-step")
    assert axe_problems(Axe(browser)) == []
    browser.find_element(By.ID, "code").send_keys("123456" if totp_code(secret, 30) != "123456" else "654321")
    submit(browser, "form[action='/auth/portal/login/mfa'] button")
    assert browser.find_element(By.ID, "form-error").text == "That code is wrong, or was used already."
    browser.find_element(By.ID, "code").send_keys(totp_code(secret, 30))
    submit(browser, "form[action='/auth/portal/login/mfa'] button")
    assert path_of(browser) == "/demo/after-totp"
    assert browser.find_element(By.ID, "who").text == f"Signed in as {user['email']}."

    # A recovery code instead, once.
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(base(pstack) + "/demo/recovery")
    sign_in(browser, user["email"])
    browser.find_element(By.ID, "recovery_code").send_keys(codes[0])
    submit(browser, "form[action='/auth/portal/login/mfa'] #recovery_code ~ button")
    assert path_of(browser) == "/demo/recovery"
    browser.get(base(pstack) + "/auth/portal/account")
    assert "Recovery codes left: 9" in browser.find_element(By.ID, "main").text


def test_pages_pass_an_accessibility_check_and_fit_a_phone(pstack, browser):
    from axe_selenium_python import Axe

    user = register(pstack, name="Ada <b>Lovelace</b>")
    pages = {}
    browser.get(base(pstack) + "/auth/portal/login")
    pages["login"] = browser.page_source
    problems = axe_problems(Axe(browser))
    sign_in(browser, user["email"])
    browser.get(base(pstack) + "/auth/portal/account")
    problems += axe_problems(Axe(browser))
    assert "Ada <b>Lovelace</b>" in browser.find_element("tag name", "strong").text  # shown as text, not markup
    browser.get(base(pstack) + "/auth/portal/logout")
    problems += axe_problems(Axe(browser))
    assert problems == []

    browser.set_window_size(390, 844)  # a phone
    browser.get(base(pstack) + "/auth/portal/account")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "the account page scrolls sideways on a phone"
    shot(browser, "08-account-phone")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(base(pstack) + "/auth/portal/login")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    shot(browser, "09-login-phone")


def claims(driver) -> dict:
    """The payload of the browser's gh_access cookie (a JWT)."""
    payload = cookies(driver)["gh_access"]["value"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def authenticator(browser):
    """A platform authenticator with user verification (a phone's or laptop's screen lock), for one test."""
    from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions

    options = VirtualAuthenticatorOptions(
        protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True, has_user_verification=True,
        is_user_consenting=True, is_user_verified=True)
    browser.add_virtual_authenticator(options)
    yield browser
    browser.remove_virtual_authenticator()


def test_passkey_added_then_used_as_second_factor_and_passwordless(pstack, authenticator):
    from axe_selenium_python import Axe
    from selenium.webdriver.common.by import By

    browser = authenticator
    user = register(pstack)
    browser.get(base(pstack) + "/auth/portal/login")
    sign_in(browser, user["email"])
    assert browser.find_element(By.ID, "passkey-add").is_displayed()  # the script unhid it
    name = browser.find_element(By.ID, "passkey_name")
    name.clear()
    name.send_keys("Laptop <b>")
    submit(browser, "#passkey-add")
    assert path_of(browser) == "/auth/portal/account?done=passkey_added"
    assert browser.find_element(By.CSS_SELECTOR, "p.notice").text == "Your passkey has been added."
    rows = browser.find_elements(By.CSS_SELECTOR, "table[aria-labelledby=passkeys-heading] tbody tr")
    assert [r.find_element(By.TAG_NAME, "td").text for r in rows] == ["Laptop <b>"]
    shot(browser, "13-passkey-added")
    assert axe_problems(Axe(browser)) == []
    [stored] = browser.get_credentials()
    assert stored.is_resident_credential and stored.rp_id == "localhost"

    # The second step: the password, then the passkey.
    submit(browser, "form[action='/auth/portal/logout'] button")
    browser.get(base(pstack) + "/demo/passkey-second-step")
    sign_in(browser, user["email"])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Two-step sign-in"
    shot(browser, "14-second-step-passkey")
    assert axe_problems(Axe(browser)) == []
    submit(browser, "#passkey-mfa")
    assert path_of(browser) == "/demo/passkey-second-step"
    assert browser.find_element(By.ID, "who").text == f"Signed in as {user['email']}."
    amr = claims(browser)["amr"]
    assert amr[0] == "pwd" and amr[1] in ("hwk", "swk") and len(amr) == 2

    # Passwordless, from an anonymous visit.
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(base(pstack) + "/demo/passwordless")
    assert path_of(browser).startswith("/auth/portal/login?rd=")
    shot(browser, "15-login-with-passkey-button")
    submit(browser, "#passkey-login")
    assert path_of(browser) == "/demo/passwordless"
    assert browser.find_element(By.ID, "who").text == f"Signed in as {user['email']}."
    assert claims(browser)["amr"] in (["hwk"], ["swk"])
    assert browser.get_credentials()[0].sign_count >= 3  # used to register, for the second step and here

    # Removing it from the account page: the list is empty, and a sign-in needs no second step again.
    browser.get(base(pstack) + "/auth/portal/account")
    submit(browser, "form[action='/auth/portal/account/passkeys/delete'] button")
    assert path_of(browser) == "/auth/portal/account?done=passkey_removed"
    assert not browser.find_elements(By.CSS_SELECTOR, "table[aria-labelledby=passkeys-heading]")
    submit(browser, "form[action='/auth/portal/logout'] button")
    sign_in(browser, user["email"])
    assert path_of(browser) == "/auth/portal/account"

    # The passwordless button with no passkey for this site on the authenticator: the browser finds none, the page
    # says so and stays where it was.
    browser.remove_all_credentials()
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(base(pstack) + "/auth/portal/login")
    browser.find_element(By.ID, "passkey-login").click()
    from selenium.webdriver.support.ui import WebDriverWait
    status = browser.find_element(By.CSS_SELECTOR, "form[data-passkey=login] [data-passkey-status]")
    WebDriverWait(browser, 30).until(lambda _: "No passkey was used" in status.text)
    assert path_of(browser) == "/auth/portal/login" and "gh_access" not in cookies(browser)
    shot(browser, "16-passkey-not-found")


def axe_problems(axe) -> list:
    """Serious and critical violations. The axe-core that axe-selenium-python bundles (3.1) predates the HTML
    token autocomplete="one-time-code" (the code fields): that one finding of autocomplete-valid is not counted."""
    axe.inject()
    results = axe.run()
    problems = []
    for v in results["violations"]:
        nodes = [n for n in v["nodes"]
                 if not (v["id"] == "autocomplete-valid" and 'autocomplete="one-time-code"' in n["html"])]
        if v["impact"] in ("serious", "critical") and nodes:
            problems.append((v["id"], v["impact"], [n["target"] for n in nodes]))
    return problems
