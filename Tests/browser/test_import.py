"""Browser tests of the Import page: upload a file with the browser's own form (XMLHttpRequest with an upload
progress bar), follow the import job live until it is done, read the result, and see a bad file refused."""

import json
import os
import tempfile
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import test_dashboard as base

IMPORT_WAIT = float(os.environ.get("IMPORT_WAIT", "120"))
# Records of the uploaded file: large enough that the import reports progress on the way.
RECORDS = int(os.environ.get("IMPORT_RECORDS", "6000"))

# Records every upload progress event in sessionStorage (the page navigates away once the upload is done).
RECORD_PROGRESS = """
sessionStorage.setItem('uploadProgress', '[]');
var send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  this.upload.addEventListener('progress', function (event) {
    var seen = JSON.parse(sessionStorage.getItem('uploadProgress') || '[]');
    seen.push(event.lengthComputable ? Math.round(event.loaded * 100 / event.total) : -1);
    sessionStorage.setItem('uploadProgress', JSON.stringify(seen));
  });
  return send.call(this, body);
};
"""


class Import(unittest.TestCase):
    driver = None
    open = base.Dashboard.open
    wait_for = base.Dashboard.wait_for
    screenshot = base.Dashboard.screenshot
    assert_no_alert = base.Dashboard.assert_no_alert

    @classmethod
    def setUpClass(cls):
        os.makedirs(base.SCREENSHOTS, exist_ok=True)
        cls.folder = tempfile.mkdtemp(prefix="parley-import-")
        cls.driver = base.signed_in_driver()

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    def write(self, name, lines):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        return path

    def test_01_import_page(self):
        self.open("/import")
        self.assertEqual(self.wait_for("main h1").text, "Import conversations")
        self.assertTrue(self.driver.find_element(By.ID, "dropzone").is_displayed())
        self.assertTrue(self.driver.find_element(By.ID, "upload-progress").get_attribute("hidden"))
        active = self.driver.find_element(By.CSS_SELECTOR, ".main-nav a.active")
        self.assertEqual(active.text, "Import")
        self.screenshot("import-01-page")

    def test_02_upload_shows_progress_and_the_result(self):
        lines = []
        topics = ["my card was declined", "where is my refund", "how do I reset my password", "change my address"]
        for index in range(RECORDS):
            topic = topics[index % len(topics)]
            lines.append(json.dumps({
                "id": "browser-import-%d" % index, "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": "Hi, %s? (ticket %d)" % (topic, index)},
                             {"role": "assistant", "content": "Thanks for reaching out about that. " * 8}],
                "metadata": {"source": "browser-test"}}))
        lines[10] = '{"id": "broken", "messages": ['
        lines[20] = '{"id": "no-messages"}'
        path = self.write("support-export.jsonl", lines)

        self.open("/import")
        self.wait_for("#upload-form")
        self.driver.execute_script(RECORD_PROGRESS)
        self.driver.find_element(By.ID, "import-file").send_keys(path)
        chosen = self.driver.find_element(By.ID, "chosen-file").text
        self.assertIn("support-export.jsonl", chosen)
        self.screenshot("import-02-file-chosen")
        self.driver.find_element(By.ID, "upload-button").click()

        # The upload ends on the import's own page, which follows the job until it is done.
        WebDriverWait(self.driver, 60).until(lambda d: "/import/" in d.current_url)
        seen = json.loads(self.driver.execute_script("return sessionStorage.getItem('uploadProgress') || '[]'"))
        self.assertTrue(seen, "no upload progress event")
        self.assertEqual(seen[-1], 100, seen)
        print("\n  upload progress events: %s" % seen[:12])
        try:
            banner = self.driver.find_element(By.ID, "import-progress")
            self.screenshot("import-03-in-progress")
            print("  import in progress: %s" % banner.text.replace("\n", " · "))
        except Exception:
            pass  # already done
        started = time.time()
        done = WebDriverWait(self.driver, IMPORT_WAIT).until(
            lambda d: d.find_elements(By.ID, "import-done") or d.find_elements(By.ID, "import-error"))
        self.assertEqual(done[0].get_attribute("id"), "import-done", done[0].text)
        print("  import done %.1f s after the page opened" % (time.time() - started))
        counts = {element.get_attribute("data-count"): element.text
                  for element in self.driver.find_elements(By.CSS_SELECTOR, "[data-count]")}
        self.assertEqual(counts["read"], "{:,}".format(RECORDS))
        self.assertEqual(counts["created"], "{:,}".format(RECORDS - 2))
        self.assertEqual(counts["rejected"], "2")
        self.assertIn("Nothing lost", self.driver.find_element(By.ID, "accounting").text)
        reasons = [row.text for row in self.driver.find_elements(By.CSS_SELECTOR, ".rejections-table tbody tr")]
        self.assertEqual(len(reasons), 2, reasons)
        self.assertIn("invalid JSON", reasons[0])
        self.assertEqual(self.driver.find_element(By.ID, "import-status").text, "done, with rejections")
        self.screenshot("import-04-done")

    def test_03_bad_file_is_refused_in_place(self):
        path = os.path.join(self.folder, "diagram.png")
        with open(path, "wb") as file:
            file.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
        self.open("/import")
        self.wait_for("#upload-form")
        self.driver.find_element(By.ID, "import-file").send_keys(path)
        self.driver.find_element(By.ID, "upload-button").click()
        error = WebDriverWait(self.driver, 30).until(
            lambda d: d.find_element(By.ID, "upload-error") if d.find_element(By.ID, "upload-error").is_displayed() else None)
        self.assertIn("looks like a binary file", error.text)
        self.assertTrue(self.driver.current_url.endswith("/import"))
        self.screenshot("import-05-bad-file")

    def test_04_recent_imports(self):
        self.open("/import")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#imports-table tbody tr")
        self.assertGreaterEqual(len(rows), 1)
        self.assertIn("support-export.jsonl", rows[0].text)
        self.assertNotIn("diagram.png", self.driver.find_element(By.ID, "imports-table").text)
        self.assert_no_alert()
        self.screenshot("import-06-recent")


if __name__ == "__main__":
    unittest.main()
