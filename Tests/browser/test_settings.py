"""Browser tests of the Settings pages (the demo login is an admin of project "demo"): the project tab, a flag rule
tried with the dry-run and then created, a member added, and an API key created, used against the API and revoked."""

import http.cookiejar
import json
import os
import unittest
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import test_dashboard as base
from test_dashboard import BASE, EMAIL


def api(path, key):
    """The status of an API request with a key."""
    request = urllib.request.Request(BASE + path, headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Settings(unittest.TestCase):
    driver = None
    open = base.Dashboard.open
    wait_for = base.Dashboard.wait_for
    screenshot = base.Dashboard.screenshot
    assert_no_alert = base.Dashboard.assert_no_alert

    @classmethod
    def setUpClass(cls):
        os.makedirs(base.SCREENSHOTS, exist_ok=True)
        cls.driver = base.signed_in_driver()

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    def flash(self):
        return self.wait_for(".flash").text

    def accept_confirms(self):
        # app.js asks with window.confirm before destructive forms; answer yes.
        self.driver.execute_script("window.confirm = function () { return true; };")

    def test_01_project_tab(self):
        self.open("/settings")
        self.assertEqual(self.wait_for("main h1").text, "Settings")
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, ".settings-tabs a.active").text, "Project")
        self.assertEqual(self.driver.find_element(By.ID, "project-name").get_attribute("value"), "Demo")
        self.screenshot("settings-01-project")

    def test_02_rule_dry_run_then_create(self):
        self.open("/settings/rules")
        self.screenshot("settings-02-rules-before")
        self.driver.find_element(By.ID, "new-rule").click()
        self.wait_for("#rule-form")
        self.driver.find_element(By.ID, "rule-name").send_keys("Refund requests")
        Select(self.driver.find_element(By.ID, "rule-severity")).select_by_value("high")
        # Only the chosen condition type's fields are shown.
        panels = {panel.get_attribute("data-mode"): panel.is_displayed()
                  for panel in self.driver.find_elements(By.CSS_SELECTOR, ".mode-panel")}
        self.assertEqual(panels, {"keywords": True, "regex": False, "detector": False, "json": False})
        self.driver.find_element(By.ID, "rule-keywords").send_keys("refund, money back")
        Select(self.driver.find_element(By.ID, "keyword-role")).select_by_value("user")
        url = self.driver.current_url
        self.driver.find_element(By.ID, "dry-run").click()
        matched = WebDriverWait(self.driver, 60).until(lambda d: d.find_elements(By.ID, "dry-run-matched"))[0]
        self.assertEqual(self.driver.current_url, url, "the dry run runs in place")
        count = int(matched.text.replace(",", ""))
        self.assertGreater(count, 0, "the demo's banking questions ask for refunds")
        examples = self.driver.find_elements(By.CSS_SELECTOR, ".dry-run-examples li")
        self.assertGreater(len(examples), 0)
        print("\n  dry run: %s" % self.driver.find_element(By.CSS_SELECTOR, ".dry-run-summary").text.replace("\n", " · "))
        self.screenshot("settings-03-rule-dry-run")

        # Switching to JSON carries the condition over.
        Select(self.driver.find_element(By.ID, "rule-mode")).select_by_value("json")
        condition = json.loads(self.driver.find_element(By.ID, "rule-condition").get_attribute("value"))
        self.assertEqual(condition["words"], ["refund", "money back"])
        self.assertEqual(condition["role"], "user")
        self.screenshot("settings-04-rule-json")
        Select(self.driver.find_element(By.ID, "rule-mode")).select_by_value("keywords")

        self.driver.find_element(By.ID, "save-rule").click()
        self.assertIn("Created “Refund requests”", self.flash())
        row = self.driver.find_element(By.CSS_SELECTOR, "#rules-table tbody tr")
        self.assertIn("Refund requests", row.text)
        self.assertIn("high", row.text.lower())
        self.screenshot("settings-05-rules")

    def test_03_add_a_member(self):
        self.open("/settings/users")
        self.wait_for("#add-member-form")
        self.driver.find_element(By.ID, "member-email").send_keys("analyst@example.com")
        Select(self.driver.find_element(By.ID, "member-role")).select_by_value("reviewer")
        self.driver.find_element(By.ID, "member-name").send_keys("Ana Lyst")
        self.driver.find_element(By.ID, "member-password").send_keys("first password 42")
        self.driver.find_element(By.ID, "add-member").click()
        self.assertIn("Created analyst@example.com", self.flash())
        row = self.driver.find_element(By.CSS_SELECTOR, "#members-table tr[data-email='analyst@example.com']")
        self.assertIn("Ana Lyst", row.text)
        # The only admin cannot be demoted from the page.
        demo = self.driver.find_element(By.CSS_SELECTOR, "#members-table tr[data-email='%s']" % EMAIL)
        self.assertIn("last admin", demo.text)
        self.screenshot("settings-06-users")

    def test_04_create_use_and_revoke_a_key(self):
        self.open("/settings/keys")
        self.wait_for("#create-key-form")
        self.driver.find_element(By.ID, "key-name").send_keys("nightly report")
        ingest = self.driver.find_element(By.ID, "scope-ingest")
        if ingest.is_selected():
            ingest.click()
        self.driver.find_element(By.ID, "scope-read").click()
        self.driver.find_element(By.ID, "create-key").click()
        key = self.wait_for("#new-key-value").text.strip()
        self.assertTrue(key.startswith("prl_"), key)
        self.screenshot("settings-07-key-created")
        self.assertEqual(api("/api/v1/rules", key), 200)

        # Shown once: a reload of the list does not show it again.
        self.open("/settings/keys")
        self.assertNotIn(key, self.driver.page_source)
        row = [row for row in self.driver.find_elements(By.CSS_SELECTOR, "#keys-table tbody tr")
               if "nightly report" in row.text][0]
        self.assertIn("read", row.text)
        self.accept_confirms()
        row.find_element(By.CSS_SELECTOR, "button.danger").click()
        self.assertIn("Key revoked", self.flash())
        self.assertEqual(api("/api/v1/rules", key), 401)
        self.assert_no_alert()
        self.screenshot("settings-08-keys")


if __name__ == "__main__":
    unittest.main()
