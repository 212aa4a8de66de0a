"""Browser tests of the Intents pages (run after the dashboard tests, on the same demo data).

The demo has no intents: the tests import a small banking taxonomy through the page's form, train a model with
"Train now", wait for the demo's conversations to be classified (reading /jobs.json with the browser's session,
at most INTENT_WAIT seconds), then browse the taxonomy, one intent and the confusion table, label conversations
with the keyboard, and use the cluster page's promotion and export. Every page is screenshot.
"""

import http.cookiejar
import json
import os
import re
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains

import test_dashboard as base
from test_dashboard import BASE, fetch, no_redirect_opener

INTENT_WAIT = float(os.environ.get("INTENT_WAIT", "150"))

# Hand-written examples (not the demo's own queries), a few per intent.
TAXONOMY = """text,label
When will my new card arrive?,Card arrival
My card still hasn't been delivered,Card arrival
How long does card delivery take?,Card arrival
I lost my card,Lost or stolen card
"My card was stolen, what do I do?",Lost or stolen card
Someone took my wallet with my bank card in it,Lost or stolen card
What exchange rate do you use?,Exchange rate
How are currency conversion rates calculated?,Exchange rate
Why was my card declined at the shop?,Card payment declined
My card payment was refused,Card payment declined
My top up failed,Top-up failed
Why didn't adding money to my account work?,Top-up failed
My friend hasn't received the money I sent,Transfer not received
The transfer I made is not showing for the recipient,Transfer not received
How do I change my PIN?,Change PIN
Why was I charged a fee for taking out cash?,Cash withdrawal fee
Write a short essay about a trip,Writing help
Compose a poem about the sea,Writing help
Solve this equation for x,Math question
What is the probability of rolling two sixes?,Math question
"""


class Intents(unittest.TestCase):
    """Signs in once, then walks the intents pages in order."""

    driver = None
    open = base.Dashboard.open
    wait_for = base.Dashboard.wait_for
    submit_and_wait = base.Dashboard.submit_and_wait
    screenshot = base.Dashboard.screenshot
    assert_no_alert = base.Dashboard.assert_no_alert

    @classmethod
    def setUpClass(cls):
        os.makedirs(base.SCREENSHOTS, exist_ok=True)
        cls.driver = base.signed_in_driver()
        base.Dashboard.wait_for(cls, "main h1")

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    def session_get(self, path):
        cookie = self.driver.get_cookie("parley_session")
        self.assertIsNotNone(cookie, "not signed in")
        opener = no_redirect_opener(http.cookiejar.CookieJar())
        return fetch(opener, path, headers={"Cookie": "parley_session=" + cookie["value"]})

    def jobs(self, kind):
        status, _, body = self.session_get("/jobs.json")
        self.assertEqual(status, 200)
        return [job for job in json.loads(body)["jobs"] if job["kind"] == kind]

    def conversation_id(self):
        return self.driver.find_element(By.CSS_SELECTOR, "#label-form input[name=conversation]").get_attribute("value")

    def press(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def press_and_wait(self, *keys):
        """Presses keys that submit the labelling form and waits until the next page replaced this one (else the
        old page, still shown while the next one loads, is read or typed into)."""
        form = self.driver.find_element(By.ID, "label-form")
        self.press(*keys)
        base.wait_until_replaced(self.driver, form)
        self.wait_for("#label-form")

    def test_01_empty_intents_page_explains_what_to_do(self):
        self.open("/intents")
        self.assertEqual(self.wait_for("main h1").text, "Intents")
        active = self.driver.find_element(By.CSS_SELECTOR, ".main-nav a.active")
        self.assertEqual(active.text, "Intents")
        if self.driver.find_elements(By.CSS_SELECTOR, "table.intents-table"):
            self.skipTest("intents exist already")
        self.assertIn("No intents yet", self.wait_for(".empty-state h2").text)
        self.screenshot("21-intents-empty")

    def test_02_import_a_taxonomy_and_train(self):
        self.open("/intents")
        field = self.wait_for("#import-text")
        self.driver.execute_script("arguments[0].value = arguments[1]", field, TAXONOMY)
        self.submit_and_wait(self.driver.find_element(By.ID, "import-intents"))
        self.assertIn("Imported 20 examples and created 10 intents", self.wait_for(".flash-success").text)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "table.intents-table tr[data-intent]")), 10)
        self.submit_and_wait(self.driver.find_element(By.ID, "train-now"))
        self.assertIn("Training queued", self.wait_for(".flash-success").text)
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, ".run-banner[data-job-id]"))
        self.screenshot("22-intents-training")
        started = time.time()
        seen = "no job yet"
        while time.time() - started < INTENT_WAIT:
            train = self.jobs("intent_train")
            busy = [job for job in self.jobs("intent_classify") + self.jobs("embed")
                    if job["status"] in ("queued", "running")]
            if train:
                seen = "%s %s" % (train[0]["status"], train[0]["message"])
                self.assertNotIn(train[0]["status"], ("dead", "cancelled"), train[0].get("error"))
                if train[0]["status"] == "succeeded" and not busy:
                    break
            time.sleep(1)
        else:
            self.fail("training and classification did not finish within %.0f s (last seen: %s)" % (INTENT_WAIT, seen))
        print("\n  intents trained and conversations classified in %.1f s" % (time.time() - started))

    def test_03_taxonomy_shows_shares_and_the_active_model(self):
        self.open("/intents")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.intents-table tr[data-intent]")
        self.assertEqual(len(rows), 10)
        self.assertTrue(self.driver.find_elements(By.ID, "unrecognized"))
        classified = self.driver.find_elements(By.CSS_SELECTOR, ".figure-value")[1].text
        self.assertGreater(int(classified.replace(",", "")), 100)
        self.assertIn("v1", self.driver.find_element(By.CSS_SELECTOR, "table.models-table").text)
        self.assertIn("active", self.driver.find_element(By.CSS_SELECTOR, "tr.active-model").text)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".intents-table .table-spark svg")), 9)
        self.assert_no_alert()
        self.screenshot("23-intents")

    def test_04_one_intent(self):
        self.open("/intents")
        link = [a for a in self.driver.find_elements(By.CSS_SELECTOR, ".intents-table a.intent-name")
                if a.text == "Card arrival"][0]
        link.click()
        self.assertEqual(self.wait_for("#intent-name").text, "Card arrival")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".chart-frame svg rect.chart-bar")), 20)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, ".intent-examples li")), 3)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.predicted-table tbody tr a[href^='/conversations/']")
        self.assertGreater(len(rows), 0)
        self.screenshot("24-intent")

    def test_05_label_with_the_keyboard(self):
        self.open("/intents/label")
        self.wait_for("#label-form")
        # The script shows the filter and numbers the choices.
        self.assertTrue(self.driver.find_element(By.ID, "intent-filter").is_displayed())
        remaining = int(self.driver.find_element(By.ID, "remaining").text.replace(",", ""))
        self.screenshot("25-intents-label")
        first = self.conversation_id()
        # s skips.
        self.press_and_wait("s")
        self.wait_for(".label-stats")
        self.assertNotEqual(self.conversation_id(), first)
        # 2 picks the second intent, Enter saves.
        second = self.conversation_id()
        self.press("2")
        chosen = self.driver.find_elements(By.CSS_SELECTOR, "#label-choices .label-choice")[1]
        name = chosen.find_element(By.CSS_SELECTOR, ".choice-name").text
        self.assertTrue(chosen.find_element(By.TAG_NAME, "input").is_selected())
        self.press_and_wait(Keys.ENTER)
        self.assertIn("Labelled as “%s”" % name, self.wait_for(".flash-success").text)
        self.assertNotEqual(self.conversation_id(), second)
        # The filter: "/" focuses it, typing narrows the list, Enter saves the first match.
        third = self.conversation_id()
        self.press("/")
        self.press("lost")
        visible = [item for item in self.driver.find_elements(By.CSS_SELECTOR, "#label-choices .label-choice")
                   if item.is_displayed()]
        self.assertEqual([item.find_element(By.CSS_SELECTOR, ".choice-name").text for item in visible],
                         ["Lost or stolen card"])
        self.assertEqual(visible[0].find_element(By.CSS_SELECTOR, ".choice-key").text, "1")
        self.screenshot("26-intents-label-filtered")
        self.press_and_wait(Keys.ENTER)
        self.assertIn("Lost or stolen card", self.wait_for(".flash-success").text)
        self.assertNotEqual(self.conversation_id(), third)
        self.assertEqual(self.driver.find_element(By.ID, "labelled-today").text, "2")
        self.assertEqual(int(self.driver.find_element(By.ID, "remaining").text.replace(",", "")), remaining - 2)
        # j/k move the choice; a few more labels accepting or correcting the prediction fill the confusion table.
        for step in range(10):
            self.press("j" if step % 3 == 0 else "k")
            if not self.driver.find_elements(By.CSS_SELECTOR, "#label-form input[name=intent]:checked"):
                self.press("1")
            self.press_and_wait(Keys.ENTER)
            self.wait_for(".flash-success")
        self.assert_no_alert()

    def test_06_confusion(self):
        self.open("/intents/confusion")
        self.assertEqual(self.wait_for("main h1").text, "Confusion")
        self.assertTrue(self.driver.find_elements(By.ID, "confusion-matrix"))
        self.assertRegex(self.driver.find_element(By.ID, "agreement").text, r"^\d+%$")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, "#confusion-matrix td.cell")), 3)
        self.screenshot("27-intents-confusion")

    def test_07_cluster_page_promotes_and_exports(self):
        started = time.time()
        while time.time() - started < INTENT_WAIT:
            runs = self.jobs("cluster")
            if runs and runs[0]["status"] == "succeeded":
                break
            time.sleep(1)
        else:
            self.fail("no clustering run finished within %.0f s" % INTENT_WAIT)
        self.open("/clusters")
        self.driver.find_element(By.CSS_SELECTOR, ".clusters-table a.cluster-name").click()
        self.wait_for("#promote-form")
        cluster = re.search(r"/clusters/(\d+)$", self.driver.current_url).group(1)
        replay = self.driver.find_element(By.ID, "replay-name").get_attribute("value")
        self.assertTrue(replay.startswith("Cluster "), replay)
        self.driver.find_element(By.CSS_SELECTOR, "#export-menu summary").click()
        link = self.driver.find_element(By.ID, "export-jsonl")
        self.assertTrue(link.is_displayed())
        self.screenshot("28-cluster-export-menu")
        status, headers, body = self.session_get(link.get_attribute("href").replace(BASE, ""))
        self.assertEqual(status, 200)
        self.assertIn("ndjson", headers.get("Content-Type"))
        lines = [json.loads(line) for line in body.splitlines() if line]
        self.assertGreater(len(lines), 0)
        self.assertIn("messages", lines[0])
        self.driver.find_element(By.CSS_SELECTOR, "#export-menu summary").click()
        name = self.driver.find_element(By.ID, "promote-name")
        name.clear()
        name.send_keys("Promoted in the browser")
        self.driver.find_element(By.ID, "promote").click()
        self.assertIn("Promoted cluster #%s" % cluster, self.wait_for(".flash-success").text)
        self.assertEqual(self.driver.find_element(By.ID, "intent-name").text, "Promoted in the browser")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".intent-examples li")), 0)
        self.screenshot("29-intent-promoted")


if __name__ == "__main__":
    unittest.main()
