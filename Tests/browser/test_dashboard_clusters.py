"""Browser tests of the Clusters and Jobs pages (run after test_dashboard.py, on the same demo data).

The demo's conversations are embedded by a background job after `parley serve` starts, and the first clustering
run then starts by itself; the first test waits for it (at most CLUSTER_WAIT seconds), reading /jobs.json with
the browser's session.
"""

import http.cookiejar
import json
import os
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import test_dashboard as base
from test_dashboard import fetch, no_redirect_opener

CLUSTER_WAIT = float(os.environ.get("CLUSTER_WAIT", "90"))
NEW_NAME = "Card payments <renamed in the browser>"


class Clusters(unittest.TestCase):
    """Signs in once, then walks the clusters pages in order."""

    driver = None
    # The dashboard tests' helpers (borrowed, not inherited: inheriting would run their tests again).
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

    def session_opener(self):
        cookie = self.driver.get_cookie("parley_session")
        self.assertIsNotNone(cookie, "not signed in")
        opener = no_redirect_opener(http.cookiejar.CookieJar())
        return opener, {"Cookie": "parley_session=" + cookie["value"]}

    def test_01_automatic_clustering_run_finishes(self):
        opener, headers = self.session_opener()
        started = time.time()
        seen = "no cluster job yet"
        while time.time() - started < CLUSTER_WAIT:
            status, _, body = fetch(opener, "/jobs.json", headers=headers)
            self.assertEqual(status, 200)
            jobs = [job for job in json.loads(body)["jobs"] if job["kind"] == "cluster"]
            if jobs:
                latest = jobs[0]
                seen = "%s %d%% %s" % (latest["status"], latest["progress"], latest["message"])
                if latest["status"] == "succeeded":
                    break
                self.assertNotIn(latest["status"], ("dead", "cancelled"), latest.get("error"))
            time.sleep(1)
        else:
            self.fail("no clustering run finished within %.0f s (last seen: %s)" % (CLUSTER_WAIT, seen))
        print("\n  automatic clustering finished %.1f s after this test started: %s" % (time.time() - started, seen))

    def test_02_clusters_page_shows_map_hierarchy_and_table(self):
        self.open("/clusters")
        self.assertEqual(self.wait_for("main h1").text, "Clusters")
        bubbles = self.driver.find_elements(By.CSS_SELECTOR, "svg.cluster-map a.map-link circle.bubble")
        self.assertGreaterEqual(len(bubbles), 5)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, "svg.cluster-map circle.map-dot")), 100)
        # Every bubble has a tooltip naming its cluster and size.
        title = bubbles[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")
        self.assertRegex(title, r"\d conversations")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".cluster-tree details")), 0)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.clusters-table tbody tr")
        self.assertEqual(len(rows), len(bubbles))
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".clusters-table .table-spark svg")), 0)
        self.assertIn("clusters", self.driver.find_element(By.ID, "run").text)
        self.screenshot("11-clusters")
        # Sorting is a plain link.
        self.driver.find_element(By.ID, "sort-name").click()
        WebDriverWait(self.driver, 15).until(expected_conditions.url_contains("sort=name"))
        self.wait_for("table.clusters-table")
        names = [cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, ".clusters-table .cluster-name")]
        initials = [name[:1].casefold() for name in names]
        self.assertEqual(initials, sorted(initials))

    def test_03_a_bubble_opens_its_cluster(self):
        self.open("/clusters")
        link = self.driver.find_element(By.CSS_SELECTOR, "svg.cluster-map a.map-link")
        # An SVG link: click through the DOM (the largest bubble may sit under a smaller one).
        self.driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}))", link)
        self.wait_for("#cluster-name")
        self.assertRegex(self.driver.current_url, r"/clusters/\d+$")
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".chart-frame svg rect.chart-bar")), 0)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".keyword-list li")), 0)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".example-list a[href^='/conversations/']")), 0)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, "table.members tbody tr")), 0)
        self.screenshot("12-cluster")

    def test_04_rename_a_cluster_with_the_form(self):
        self.open("/clusters")
        self.driver.find_element(By.CSS_SELECTOR, ".clusters-table a.cluster-name").click()
        self.wait_for("#rename-form")
        url = self.driver.current_url
        field = self.driver.find_element(By.ID, "cluster-rename")
        field.clear()
        field.send_keys(NEW_NAME)
        self.driver.find_element(By.ID, "rename").click()
        self.assertIn("Renamed", self.wait_for(".flash-success").text)
        self.assertEqual(self.driver.current_url, url)
        self.assertEqual(self.driver.find_element(By.ID, "cluster-name").text, NEW_NAME)
        self.assertIn(NEW_NAME, self.driver.find_element(By.CSS_SELECTOR, "ol.history").text.replace("“", "").replace("”", ""))
        self.assert_no_alert()
        self.screenshot("13-cluster-renamed")
        # The list shows the new name too, as text.
        self.open("/clusters?sort=name")
        names = [cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, ".clusters-table .cluster-name")]
        self.assertIn(NEW_NAME, names)

    def test_05_jobs_page(self):
        self.open("/jobs")
        self.assertEqual(self.wait_for("main h1").text, "Jobs")
        recent = self.driver.find_element(By.CSS_SELECTOR, "table.jobs-table").text
        self.assertIn("Clustering run", recent)
        self.assertIn("Embedding", recent)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, ".job-summary .job-count")), 3)
        self.screenshot("14-jobs")

    def test_06_a_run_started_from_the_page_shows_live_progress(self):
        self.open("/clusters")
        self.driver.find_element(By.ID, "run-now").click()
        self.assertIn("queued", self.wait_for(".flash-success").text)
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, ".run-banner[data-job-id]"))
        self.screenshot("15-clusters-run-queued")
        # The page's script follows the run and reloads when it is done: the banner goes away by itself.
        deadline = time.time() + 60
        while time.time() < deadline and self.driver.find_elements(By.CSS_SELECTOR, ".run-banner"):
            time.sleep(0.5)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, ".run-banner"), [])
        self.assertIn("just now", self.driver.find_element(By.ID, "run").text)
        # The renamed cluster kept its name through the run (stable ids).
        names = [cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, ".clusters-table .cluster-name")]
        self.assertIn(NEW_NAME, names)


if __name__ == "__main__":
    unittest.main()
