"""Browser tests of the dashboard in headless Chromium (selenium), against a running `parley serve`.

Run them with scripts/browser-tests.sh, which starts the service on demo data and sets:
  PARLEY_URL          base URL of the service
  PARLEY_EMAIL        a user of project "demo" (the demo login)
  PARLEY_PASSWORD     their password
  PARLEY_XSS_ID       the Parley id of a conversation whose every field is an XSS payload
  SCREENSHOT_DIR      where each page's screenshot goes
The tests run in order (one signed-in browser walks through the product) and screenshot every page.
"""

import base64
import http.cookiejar
import os
import re
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("PARLEY_URL", "http://127.0.0.1:8080").rstrip("/")
EMAIL = os.environ.get("PARLEY_EMAIL", "demo@parley.local")
PASSWORD = os.environ.get("PARLEY_PASSWORD", "parley-demo")
XSS_ID = os.environ.get("PARLEY_XSS_ID", "")
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "test-artifacts/screenshots")
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>"]


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1440,1000", "--lang=en-US", "--disable-extensions"):
        options.add_argument(argument)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


def wait_until_replaced(driver, element):
    """Waits until the page holding `element` was replaced by the next one (else the old page, still shown while the
    next one loads, may be read or typed into)."""
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(element))


def signed_in_driver():
    """A browser signed in as the demo user, on the page after the sign-in."""
    driver = make_driver()
    driver.get(BASE + "/login")
    driver.find_element(By.ID, "email").send_keys(EMAIL)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    button = driver.find_element(By.ID, "sign-in")
    button.click()
    wait_until_replaced(driver, button)
    return driver


def no_redirect_opener(jar):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def fetch(opener, path, data=None, headers=None):
    """(status, headers, body) of a request; error statuses are answers too."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(BASE + path, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class Dashboard(unittest.TestCase):
    driver = None

    @classmethod
    def setUpClass(cls):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        cls.driver = make_driver()

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    # Helpers

    def open(self, path):
        self.driver.get(BASE + path)

    def wait_for(self, css, timeout=15):
        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))

    def submit_and_wait(self, button):
        """Clicks a form's button and waits until the next page replaced this one."""
        button.click()
        wait_until_replaced(self.driver, button)

    def screenshot(self, name):
        """A full-page PNG (Chrome's capture beyond the viewport)."""
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}})
        with open(os.path.join(SCREENSHOTS, name + ".png"), "wb") as file:
            file.write(base64.b64decode(shot["data"]))

    def assert_no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            self.fail("a JavaScript alert fired: %r" % text)
        except NoAlertPresentException:
            pass

    def sign_in(self, email, password):
        self.open("/login")
        self.driver.find_element(By.ID, "email").clear()
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "sign-in").click()

    # The walk through the product, in order

    def test_01_wrong_password_shows_an_error(self):
        self.open("/")
        self.assertIn("/login", self.driver.current_url)
        self.screenshot("01-sign-in")
        self.sign_in(EMAIL, "not the password")
        error = self.wait_for("#login-error")
        self.assertIn("do not match", error.text)
        self.assertIn("/login", self.driver.current_url)
        self.assertIsNone(self.driver.get_cookie("parley_session"))
        self.screenshot("02-sign-in-error")

    def test_02_right_password_lands_on_the_overview(self):
        self.driver.add_cookie({"name": "parley_session", "value": "planted-by-an-attacker-" + "x" * 20, "path": "/"})
        self.sign_in(EMAIL, PASSWORD)
        heading = self.wait_for("main.main h1")  # the dashboard's, not the sign-in page's (still there a moment)
        self.assertEqual(heading.text, "Overview")
        self.assertEqual(self.driver.current_url, BASE + "/")
        cookie = self.driver.get_cookie("parley_session")
        self.assertNotIn("planted", cookie["value"])
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, ".figures .figure")), 4)
        chart = self.driver.find_element(By.CSS_SELECTOR, ".chart-frame svg[role=img]")
        self.assertIn("Conversations per day", chart.get_attribute("aria-label"))
        self.assertEqual(len(chart.find_elements(By.CSS_SELECTOR, "rect.chart-bar")), 30)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".figure-spark svg polyline")), 0)
        self.screenshot("03-overview")

    def test_03_session_cookie_flags(self):
        cookie = self.driver.get_cookie("parley_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie.get("sameSite"), "Lax")
        self.assertEqual(cookie["path"], "/")
        self.assertFalse(cookie["secure"])  # plain HTTP here; Secure behind HTTPS (checked below)
        self.assertIsNone(self.driver.execute_script("return document.cookie.match(/parley_session/)"))
        # Through a TLS-terminating proxy (X-Forwarded-Proto: https) the cookie is Secure.
        jar = http.cookiejar.CookieJar()
        opener = no_redirect_opener(jar)
        status, _, body = fetch(opener, "/login")
        token = re.search(r'name="_csrf" value="([^"]+)"', body).group(1)
        status, headers, _ = fetch(opener, "/login", {"_csrf": token, "email": EMAIL, "password": PASSWORD, "next": ""},
                                   {"X-Forwarded-Proto": "https"})
        self.assertEqual(status, 303)
        session = [value for value in headers.get_all("Set-Cookie") if value.startswith("parley_session=")][0]
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            self.assertIn(flag, session)

    def test_04_browse_conversations(self):
        self.driver.find_element(By.LINK_TEXT, "Conversations").click()
        self.wait_for("table.conversations")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.conversations tbody tr")
        self.assertEqual(len(rows), 50)
        first = rows[0].find_element(By.CSS_SELECTOR, ".external-id").text
        self.screenshot("04-conversations")
        self.driver.find_element(By.ID, "older-page").click()
        self.wait_for("#newer-page")
        second = self.driver.find_elements(By.CSS_SELECTOR, "table.conversations .external-id")[0].text
        self.assertNotEqual(first, second)
        self.driver.find_element(By.ID, "newer-page").click()
        self.wait_for("table.conversations")
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, ".external-id")[0].text, first)

    def test_05_search_highlights_matches(self):
        self.open("/conversations")
        # "/" focuses the search field (progressive enhancement).
        self.driver.find_element(By.TAG_NAME, "body").send_keys("/")
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "q")
        deadline = time.time() + 30
        while True:  # the search index is filled by a background job a few seconds after loading
            search = self.driver.find_element(By.ID, "q")
            search.clear()
            search.send_keys("refund", Keys.ENTER)
            self.wait_for("main h1")
            marks = self.driver.find_elements(By.CSS_SELECTOR, "table.conversations mark")
            if marks or time.time() > deadline:
                break
            time.sleep(1)
        self.assertGreater(len(marks), 0)
        self.assertTrue(all(mark.get_attribute("textContent").lower().startswith("refund") for mark in marks[:10]))
        self.assertIn("q=refund", self.driver.current_url)
        self.screenshot("05-search")

    def test_06_open_a_conversation(self):
        self.driver.find_element(By.CSS_SELECTOR, "table.conversations a.row-link").click()
        self.wait_for("ol.transcript")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".message.role-user .bubble")), 0)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".message.role-assistant .bubble")), 0)
        details = self.driver.find_element(By.CSS_SELECTOR, "dl.details").text
        self.assertIn("Model", details)
        self.screenshot("06-conversation")

    def test_07_xss_payloads_render_as_text(self):
        self.assertTrue(XSS_ID, "PARLEY_XSS_ID is not set")
        self.driver.execute_script("window.__xss = undefined")
        self.open("/conversations/" + XSS_ID)
        self.wait_for("ol.transcript")
        time.sleep(0.5)
        self.assert_no_alert()
        self.assertIsNone(self.driver.execute_script("return window.__xss"))
        text = self.driver.find_element(By.CSS_SELECTOR, "main").text
        for payload in PAYLOADS:
            self.assertIn(payload, text)
        # Nothing the payloads tried to create exists in the DOM.
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "main img, main iframe, .transcript svg"), [])
        scripts = self.driver.find_elements(By.TAG_NAME, "script")
        sources = [script.get_attribute("src").split("?")[0] for script in scripts]
        self.assertIn(BASE + "/static/app.js", sources)
        self.assertTrue(all(source.startswith(BASE + "/static/") and source.endswith(".js") for source in sources), sources)
        self.screenshot("07-xss-conversation")
        # The list and a search for the payload escape it too.
        self.open("/conversations?q=" + urllib.parse.quote("<script>alert(1)</script>"))
        self.wait_for("main h1")
        self.assert_no_alert()
        self.assertEqual(self.driver.find_element(By.ID, "q").get_attribute("value"), "<script>alert(1)</script>")

    def test_08_error_page(self):
        self.open("/no/such/page")
        self.assertIn("Page not found", self.wait_for("h1").text)
        self.screenshot("08-not-found")

    def test_09_form_without_csrf_token_is_refused(self):
        cookie = "parley_session=" + self.driver.get_cookie("parley_session")["value"]
        opener = no_redirect_opener(http.cookiejar.CookieJar())
        status, _, body = fetch(opener, "/logout", {}, {"Cookie": cookie})
        self.assertEqual(status, 403)
        self.assertIn("This form has expired", body)
        status, _, _ = fetch(opener, "/logout", {"_csrf": "forged"}, {"Cookie": cookie})
        self.assertEqual(status, 403)
        # Still signed in: the refused form changed nothing.
        self.open("/")
        self.assertEqual(self.wait_for("main h1").text, "Overview")

    def test_10_sign_out(self):
        self.driver.find_element(By.ID, "sign-out").click()
        notice = self.wait_for(".flash-info")
        self.assertIn("signed out", notice.text)
        self.assertIsNone(self.driver.get_cookie("parley_session"))
        self.screenshot("10-signed-out")
        self.open("/conversations")
        self.assertIn("/login", self.driver.current_url)

    def test_11_rate_limit_after_repeated_failures(self):
        opener = no_redirect_opener(http.cookiejar.CookieJar())
        email = "probe-%d@example.com" % int(time.time())
        statuses = []
        for _ in range(6):
            _, _, body = fetch(opener, "/login")
            token = re.search(r'name="_csrf" value="([^"]+)"', body).group(1)
            status, headers, body = fetch(opener, "/login", {"_csrf": token, "email": email, "password": "guess-guess"})
            statuses.append(status)
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertEqual(statuses[5], 429)
        self.assertGreater(int(headers["Retry-After"]), 0)
        self.assertIn("Too many failed attempts", body)


if __name__ == "__main__":
    unittest.main()
