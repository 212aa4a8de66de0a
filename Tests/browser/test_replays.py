"""Browser tests of the Replays pages on the demo data: freeze a replay set with the form, send results through the
API and the upload form, review two pairs blind with the keyboard, read the win rates and download the DPO pairs.

API calls use the demo's API key from PARLEY_API_KEY (scripts/browser-tests.sh exports it).
"""

import http.cookiejar
import json
import os
import re
import tempfile
import unittest
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

import test_dashboard as base
from test_dashboard import BASE, fetch, no_redirect_opener

API_KEY = os.environ.get("PARLEY_API_KEY", "")
LABEL = "candidate-v2"


def api(method, path, body=None, content_type="application/json"):
    """(status, parsed JSON or text) of an API call with the demo key."""
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + API_KEY, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        status = error.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class Replays(unittest.TestCase):
    """Signs in once, then walks a replay set from creation to the DPO export."""

    driver = None
    set_id = None
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

    def session_fetch(self, path):
        cookie = self.driver.get_cookie("parley_session")
        self.assertIsNotNone(cookie, "not signed in")
        opener = no_redirect_opener(http.cookiejar.CookieJar())
        return fetch(opener, path, headers={"Cookie": "parley_session=" + cookie["value"]})

    def require_set(self):
        if Replays.set_id is None:
            self.skipTest("no replay set was created")
        return Replays.set_id

    def test_01_create_a_replay_set_with_the_form(self):
        self.open("/replays")
        self.assertEqual(self.wait_for("main h1").text, "Replays")
        self.screenshot("60-replays-empty")
        form = self.driver.find_element(By.ID, "new-replay")
        self.driver.find_element(By.ID, "replay-name").send_keys("Support answers · candidate v2")
        models = Select(self.driver.find_element(By.ID, "replay-model"))
        self.assertGreater(len(models.options), 1, "the demo has no model to filter on")
        # A demo model (the XSS conversation's model names only one conversation).
        names = [o.get_attribute("value") for o in models.options if o.get_attribute("value") and "<" not in o.get_attribute("value")]
        self.assertTrue(names, "the demo has no model to filter on")
        models.select_by_value(names[0])
        limit = self.driver.find_element(By.ID, "replay-limit")
        limit.clear()
        limit.send_keys("12")
        form.find_element(By.ID, "create-replay").click()
        self.assertIn("Replay set created with 12 conversations", self.wait_for(".flash-success").text)
        match = re.search(r"/replays/(\d+)$", self.driver.current_url)
        self.assertIsNotNone(match, self.driver.current_url)
        Replays.set_id = int(match.group(1))
        self.assertEqual(self.driver.find_element(By.ID, "replay-name").text, "Support answers · candidate v2")
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "table.replay-items tbody tr")), 12)
        self.screenshot("61-replay-new")

    def test_02_results_through_the_api_and_the_upload_form(self):
        set_id = self.require_set()
        self.assertTrue(API_KEY, "PARLEY_API_KEY is not set")
        status, inputs = api("GET", "/api/v1/replays/%d/inputs.jsonl" % set_id)
        self.assertEqual(status, 200)
        lines = [json.loads(line) for line in inputs.splitlines() if line.strip()]
        self.assertEqual([line["id"] for line in lines], ["rs%d-%d" % (set_id, n) for n in range(1, 13)])
        for line in lines:
            self.assertEqual(line["messages"][-1]["role"], "user")
        answers = [{"id": line["id"], "output": "Candidate answer to: " + line["messages"][-1]["content"][:80]}
                   for line in lines]
        # Half through the API as JSON …
        status, outcome = api("POST", "/api/v1/replays/%d/results" % set_id, {"label": LABEL, "results": answers[:6]})
        self.assertEqual(status, 200, outcome)
        self.assertEqual(outcome["created"], 6)
        # … and the rest as a JSONL file through the page's upload form (the label from the form's field).
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as file:
            for answer in answers[6:]:
                file.write(json.dumps(answer) + "\n")
            path = file.name
        self.open("/replays/%d" % set_id)
        self.driver.find_element(By.ID, "results-label").send_keys(LABEL)
        self.driver.find_element(By.ID, "results-file").send_keys(path)
        self.driver.find_element(By.ID, "upload-results").click()
        self.assertIn("6 results read: 6 new", self.wait_for(".flash-success").text)
        os.unlink(path)
        labels = [cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, "table.replay-items .tag")]
        self.assertEqual(labels.count(LABEL), 12)
        # Posting again changes nothing.
        status, again = api("POST", "/api/v1/replays/%d/results" % set_id, {"label": LABEL, "results": answers})
        self.assertEqual((status, again["unchanged"]), (200, 12))

    def test_03_review_two_pairs_with_the_keyboard(self):
        set_id = self.require_set()
        self.open("/replays/%d" % set_id)
        self.driver.find_element(By.ID, "start-review").click()
        self.wait_for("#verdict-form")
        self.assertIn("0 of 12", self.driver.find_element(By.CSS_SELECTOR, ".replay-progress").text)
        # Blind: the answers carry no label.
        for side in ("answer-a", "answer-b"):
            self.assertNotIn(LABEL, self.driver.find_element(By.ID, side).text)
        self.screenshot("62-replay-review")
        texts = []
        for key in ("a", Keys.ARROW_RIGHT):
            variant = self.driver.find_element(By.CSS_SELECTOR, "#verdict-form input[name=variant]").get_attribute("value")
            texts.append((self.driver.find_element(By.ID, "answer-a").text, self.driver.find_element(By.ID, "answer-b").text))
            self.driver.find_element(By.TAG_NAME, "body").send_keys(key)
            WebDriverWait(self.driver, 15).until(
                lambda driver: driver.find_elements(By.CSS_SELECTOR, "#verdict-form input[name=variant]")
                and driver.find_element(By.CSS_SELECTOR, "#verdict-form input[name=variant]").get_attribute("value") != variant)
            self.assertIn("saved", self.driver.find_element(By.CSS_SELECTOR, ".flash-success").text)
        self.assertIn("2 of 12", self.driver.find_element(By.CSS_SELECTOR, ".replay-progress").text)
        # The verdicts map the side picked back to original or variant.
        status, listed = api("GET", "/api/v1/replays/%d/verdicts" % set_id)
        self.assertEqual(status, 200)
        verdicts = listed["verdicts"]
        self.assertEqual([v["choice"] for v in verdicts], ["a", "b"])
        for verdict, (answer_a, answer_b) in zip(verdicts, texts):
            shown = answer_a if verdict["choice"] == "a" else answer_b
            expected = "variant" if verdict["variant_side"] == verdict["choice"] else "original"
            self.assertEqual(verdict["winner"], expected)
            self.assertEqual("Candidate answer to:" in shown, expected == "variant")
        self.assert_no_alert()

    def test_04_win_rates_and_dpo_download(self):
        set_id = self.require_set()
        # A second reviewer through the API, so the interval has something to show.
        status, listed = api("GET", "/api/v1/replays/%d/verdicts" % set_id)
        for n in range(1, 13):
            item = "rs%d-%d" % (set_id, n)
            winner = "variant" if n % 3 else ("tie" if n == 12 else "original")
            status, body = api("POST", "/api/v1/replays/%d/verdicts" % set_id,
                               {"id": item, "label": LABEL, "winner": winner, "reviewer": "panel@example.com"})
            self.assertEqual(status, 200, body)
        self.open("/replays/%d" % set_id)
        self.wait_for("svg.replay-ci-chart")
        row = self.driver.find_element(By.CSS_SELECTOR, "table.replay-rates tbody tr")
        self.assertIn(LABEL, row.text)
        self.assertRegex(row.text, r"\d+%")
        status, detail = api("GET", "/api/v1/replays/%d" % set_id)
        rate = [r for r in detail["win_rates"] if r["label"] == LABEL][0]
        self.assertEqual(rate["wins"] + rate["losses"] + rate["ties"], 14)
        self.assertLessEqual(rate["ci_low"], rate["win_rate"])
        self.assertLessEqual(rate["win_rate"], rate["ci_high"])
        self.screenshot("63-replay-win-rates")
        # The DPO download is a session-authenticated link on the page.
        link = self.driver.find_element(By.ID, "download-dpo").get_attribute("href")
        self.assertTrue(link.endswith("/replays/%d/dpo.jsonl" % set_id))
        status, headers, body = self.session_fetch("/replays/%d/dpo.jsonl" % set_id)
        self.assertEqual(status, 200)
        self.assertIn("attachment", headers.get("Content-Disposition", ""))
        pairs = [json.loads(line) for line in body.splitlines() if line.strip()]
        self.assertGreater(len(pairs), 0)
        for pair in pairs:
            self.assertEqual(pair["prompt"][-1]["role"], "user")
            self.assertTrue(pair["chosen"] and pair["rejected"])
            candidate = "Candidate answer to:" in pair["chosen"][-1]["content"]
            self.assertEqual(candidate, pair["chosen_side"] == "variant")
        # The same lines through the API.
        status, text = api("GET", "/api/v1/replays/%d/dpo.jsonl" % set_id)
        self.assertEqual(len([line for line in text.splitlines() if line.strip()]), len(pairs))
        self.open("/replays")
        self.wait_for("table.replay-sets")
        self.screenshot("64-replays-list")
        self.assert_no_alert()


if __name__ == "__main__":
    unittest.main()
