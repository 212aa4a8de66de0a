"""Browser tests of Compare (two models side by side) and the drift alerts, on the demo data."""

import os
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import test_dashboard as base

DRIFT_WAIT = float(os.environ.get("DRIFT_WAIT", "120"))
OLDER = "gpt-4o-mini-2024-07-18"
NEWER = "gpt-4o-2024-11-20"


class Compare(unittest.TestCase):
    """Signs in once, compares the demo's two models, then runs drift detection."""

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

    def test_01_empty_compare_page_offers_suggestions(self):
        self.open("/compare")
        self.wait_for("#compare-form")
        self.assertIn("Pick two sides to compare", self.driver.page_source)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".compare-suggestions a")), 0)
        self.screenshot("70-compare-empty")

    def test_02_compare_two_models(self):
        self.open("/compare")
        Select(self.driver.find_element(By.ID, "a-model")).select_by_value(OLDER)
        Select(self.driver.find_element(By.ID, "b-model")).select_by_value(NEWER)
        self.driver.find_element(By.ID, "compare-submit").click()
        table = self.wait_for("#compare-metrics", timeout=60)
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        keys = [row.get_attribute("data-metric") for row in rows]
        for key in ["conversations", "flag_rate", "refusal_rate", "thumbs_up_share", "rating", "response_length"]:
            self.assertIn(key, keys)
        self.assertIn("a.model=" + OLDER, self.driver.current_url)
        self.assert_no_alert()
        self.screenshot("71-compare-models")
        # The mix tables and movers further down.
        self.driver.execute_script("document.getElementById('intent-mix').scrollIntoView()")
        self.screenshot("72-compare-mixes")
        # Swapping keeps both sides.
        self.driver.find_element(By.ID, "compare-swap").click()
        self.wait_for("#compare-metrics", timeout=60)
        self.assertIn("a.model=" + NEWER, self.driver.current_url)

    def test_03_drift_page(self):
        self.open("/compare/drift")
        button = self.wait_for("#drift-run")
        if button.is_enabled():
            button.click()
        started = time.time()
        while time.time() - started < DRIFT_WAIT:
            self.open("/compare/drift")
            if not self.driver.find_elements(By.CSS_SELECTOR, ".run-banner"):
                break
            time.sleep(3)
        alerts = self.driver.find_elements(By.CSS_SELECTOR, ".drift-alert")
        empty = self.driver.find_elements(By.CSS_SELECTOR, ".drift-empty")
        self.assertTrue(alerts or empty, "neither alerts nor the empty state")
        if alerts:
            self.assertTrue(alerts[0].find_elements(By.CSS_SELECTOR, "svg.chart-drift"))
        self.assert_no_alert()
        self.screenshot("73-drift")


if __name__ == "__main__":
    unittest.main()
