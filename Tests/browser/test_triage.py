"""Browser tests of the Triage pages (after test_dashboard.py, on the same demo data).

The demo has no flag rules, so the first test creates three through the API with the demo's key (PARLEY_API_KEY,
exported by scripts/browser-tests.sh) and waits for their evaluation jobs. Then one item is triaged end to end with
the keyboard only (j/k, a, Enter, 1-5, r) and the result is read back through the API; then two items are
dismissed with a bulk action chosen with x.
"""

import http.cookiejar
import json
import os
import time
import unittest
import urllib.request

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

import test_dashboard as base
from test_dashboard import BASE

API_KEY = os.environ.get("PARLEY_API_KEY", "")
RULE_WAIT = float(os.environ.get("RULE_WAIT", "90"))
RULES = [
    {"name": "Refusals", "severity": "high", "condition": {"type": "detector", "name": "refusal"}},
    {"name": "Card trouble", "severity": "medium",
     "condition": {"type": "keywords", "words": ["card declined", "lost my card", "stolen card", "card payment"]}},
    {"name": "Personal data", "severity": "critical", "condition": {"type": "detector", "name": "pii"}},
]


def api(method, path, body=None):
    """(status, JSON or None) of an API request with the demo key."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method, headers={
        "Authorization": "Bearer " + API_KEY, "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, None


@unittest.skipUnless(API_KEY, "PARLEY_API_KEY is not set (scripts/browser-tests.sh exports it)")
class Triage(unittest.TestCase):
    """Signs in once, then walks the triage pages in order."""

    driver = None
    open = base.Dashboard.open
    wait_for = base.Dashboard.wait_for
    screenshot = base.Dashboard.screenshot
    assert_no_alert = base.Dashboard.assert_no_alert

    @classmethod
    def setUpClass(cls):
        os.makedirs(base.SCREENSHOTS, exist_ok=True)
        cls.driver = base.signed_in_driver()
        WebDriverWait(cls.driver, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "main h1")))

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    def keys(self, *keys):
        actions = ActionChains(self.driver)
        for key in keys:
            actions.send_keys(key)
        actions.perform()

    def current_row(self):
        rows = self.driver.find_elements(By.CSS_SELECTOR, "tr.triage-row.is-current")
        self.assertEqual(len(rows), 1, "exactly one current row")
        return rows[0]

    def open_queue(self, path):
        """Opens the queue with no remembered row (triage.js restores the last current row of the session)."""
        self.open(path)
        self.driver.execute_script("window.sessionStorage.clear()")
        self.open(path)
        self.wait_for("tr.triage-row")

    def wait_until(self, condition, timeout=15, message=""):
        return WebDriverWait(self.driver, timeout).until(lambda _: condition(), message)

    def test_01_rules_fill_the_queue(self):
        jobs = []
        for rule in RULES:
            status, body = api("POST", "/api/v1/rules", rule)
            self.assertEqual(status, 201, rule["name"])
            jobs.append(body["job_id"])
        # The rules' evaluation jobs run in the server's worker; the queue is ready once its size stops changing.
        started = time.time()
        seen, stable = -1, 0
        while time.time() - started < RULE_WAIT:
            status, body = api("GET", "/api/v1/triage/items?count=true&limit=1")
            self.assertEqual(status, 200)
            stable = stable + 1 if body["total"] == seen and seen > 0 else 0
            seen = body["total"]
            if stable >= 4:
                break
            time.sleep(0.5)
        else:
            self.fail("the rules' jobs did not finish within %.0f s (jobs %s)" % (RULE_WAIT, jobs))
        status, body = api("GET", "/api/v1/triage/items?count=true&limit=1")
        self.assertEqual(status, 200)
        print("\n  %d items flagged by %d rules in %.1f s" % (body["total"], len(RULES), time.time() - started))
        self.assertGreaterEqual(body["total"], 5)

    def test_02_queue_page(self):
        self.open("/triage")
        self.assertEqual(self.wait_for("main h1").text, "Triage")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "tr.triage-row")
        self.assertGreaterEqual(len(rows), 5)
        self.assertTrue(self.driver.find_element(By.CSS_SELECTOR, ".status-tab.active").text.startswith("Active"))
        # The first rows are the most severe.
        # CSS may show it in capitals.
        self.assertEqual(rows[0].find_element(By.CSS_SELECTOR, ".severity").text.lower(), "critical")
        # triage.js highlights a current row and reveals the shortcut hints.
        self.current_row()
        self.keys("?")
        self.assertTrue(self.wait_for("#shortcut-help").is_displayed())
        self.screenshot("triage-01-shortcuts")
        self.keys("\ue00c")  # Escape
        self.wait_until(lambda: not self.driver.find_element(By.ID, "shortcut-help").is_displayed())
        self.assert_no_alert()
        self.screenshot("triage-02-queue")
        # A filter narrows the list, and the rule select lists the rules.
        Select(self.driver.find_element(By.ID, "filter-severity")).select_by_value("high")
        self.driver.find_element(By.ID, "apply-filters").click()
        self.wait_until(lambda: "severity=high" in self.driver.current_url)
        severities = {e.text.capitalize() for e in self.driver.find_elements(By.CSS_SELECTOR, "tr.triage-row td .severity")}
        self.assertEqual(severities, {"High"})
        options = [o.text for o in Select(self.driver.find_element(By.ID, "filter-rule")).options]
        self.assertIn("Refusals", options)

    def test_03_triage_one_item_with_the_keyboard(self):
        self.open_queue("/triage?severity=high")
        first = self.current_row().get_attribute("data-item")
        self.keys("j")
        second = self.current_row().get_attribute("data-item")
        self.assertNotEqual(first, second)
        self.keys("k")
        self.assertEqual(self.current_row().get_attribute("data-item"), first)
        self.keys("j")
        item = self.current_row().get_attribute("data-item")
        # a: assigned to me in place, without leaving the page.
        self.keys("a")
        self.wait_until(lambda: "Unassigned" not in self.current_row().find_element(By.CSS_SELECTOR, "[data-assignee]").text,
                        message="the row shows its new assignee")
        # Enter opens it.
        self.keys("\ue007")
        self.wait_until(lambda: "/triage/" + item in self.driver.current_url)
        self.wait_for("fieldset.criterion")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, "mark.flag-span")), 0, "the matched span is marked")
        # 4, 5, 3: one score per rubric line, each saved before the highlight moves on.
        for count, key in enumerate(["4", "5", "3"], start=1):
            self.keys(key)
            self.wait_until(lambda: len(self.driver.find_elements(By.CSS_SELECTOR, "fieldset.criterion.is-saved")) >= count,
                            message="rating %d saved" % count)
        self.screenshot("triage-03-item")
        # r resolves and moves on to the next item.
        self.keys("r")
        self.wait_until(lambda: "/triage/" in self.driver.current_url and "/triage/" + item not in self.driver.current_url,
                        message="on to the next item")
        self.assertIn("Resolved #" + item, self.wait_for(".flash").text)
        self.assert_no_alert()
        # Persisted: read back through the API.
        status, body = api("GET", "/api/v1/triage/items/" + item)
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "resolved")
        self.assertTrue(body["assignee"].startswith("user:"), body["assignee"])
        scores = [r["scores"] for r in body["review"]["ratings"] if r["reviewer"] == body["assignee"]]
        self.assertEqual(scores, [{"helpfulness": 4, "correctness": 5, "safety": 3}])
        actions = [entry["action"] for entry in body["history"]]
        self.assertIn("triage.rate", actions)
        self.assertIn("triage.status", actions)

    def test_04_bulk_dismiss(self):
        self.open_queue("/triage?severity=medium")
        picked = []
        for key in ("x", "j", "x"):
            if key == "x":
                picked.append(self.current_row().get_attribute("data-item"))
            self.keys(key)
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "[data-selected-count]").text, "2 checked")
        Select(self.driver.find_element(By.ID, "bulk-action")).select_by_value("dismiss")
        self.screenshot("triage-04-bulk-selection")
        self.driver.find_element(By.ID, "bulk-apply").click()
        self.assertIn("2 items dismissed", self.wait_for(".flash").text)
        for item in picked:
            status, body = api("GET", "/api/v1/triage/items/" + item)
            self.assertEqual(status, 200, "GET /api/v1/triage/items/" + item)
            self.assertEqual(body["status"], "dismissed")
            self.assertNotIn('data-item="%s"' % item, self.driver.page_source)
        self.open("/triage?status=dismissed")
        self.assertGreaterEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "tr.triage-row")), 2)
        self.screenshot("triage-05-dismissed")


if __name__ == "__main__":
    unittest.main()
