"""The buyer portal in a real browser (headless Chromium, Selenium) against the `devstack up` stack: the seller
sends a quote, the buyer opens the link from the email, sees the quote in their language and accepts it into an
order. Screenshots go to target/browser/ (desktop and phone width).
"""

import email
import email.policy
import json
import tempfile
import time
import unittest
import urllib.request

from selenium.webdriver.common.by import By

import test_console
from test_console import ARTIFACTS, ENV, browser, call

XSS = "<img src=x onerror=alert(1)>"


def tomorrow_iso():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))


def quote_request(notes):
    return {
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "delivery_address": {"name": "Anna", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22",
                              "country": "SE"},
        "lines": [{"sku": "SKU-1", "quantity": "2", "unit_price": "300.00"}, {"sku": "SKU-3", "quantity": "4"}],
        "charges": [{"reason": "Freight", "amount": "49.00", "vat_category": "S", "vat_rate": "25"}],
        "notes": notes,
        "valid_until_date": tomorrow_iso(),
    }


def emailed_link(quote_id):
    """The portal link of the email SES accepted for `quote_id` (read from the emulator)."""
    url = ENV["AWS_ENDPOINT_URL"] + "/_devstack/ses/raw-messages?after=0"
    deadline = time.time() + 20
    while time.time() < deadline:
        with urllib.request.urlopen(url, timeout=10) as response:
            messages = json.loads(response.read())
        for message in messages:
            parsed = email.message_from_string(message["raw_data"], policy=email.policy.default)
            if parsed["Message-ID"].strip("<>").startswith(quote_id):
                text = parsed.get_body(preferencelist=("plain",)).get_content()
                for word in text.split():
                    if "/portal/quotes/" in word and "#link=" in word:
                        return word
        time.sleep(0.3)
    raise AssertionError("no quote email for " + quote_id)


class Portal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cls.driver = browser(tempfile.mkdtemp(prefix="portal-downloads-"))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    # The console tests' helpers (waiting out re-renders, whole-page screenshots, no dialog).
    wait = test_console.Console.wait
    find = test_console.Console.find
    screenshot = test_console.Console.screenshot
    assert_no_dialog = test_console.Console.assert_no_dialog

    def test_a_buyer_opens_the_emailed_quote_and_accepts_it(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        status, quote = call("POST", "/v1/quotes", operator, quote_request(XSS))
        self.assertEqual(status, 201, quote)
        status, sent = call("POST", "/v1/quotes/" + quote["id"] + "/sending", operator)
        self.assertEqual(status, 200, sent)
        link = emailed_link(quote["id"])

        self.driver.set_window_size(1280, 900)
        self.driver.get(link)
        title = self.find("#quote-title")
        self.wait(lambda d: quote["id"] in title.text)
        self.assertNotIn("#link=", self.driver.current_url, "the token leaves the address bar")
        self.assertEqual(self.find("#quote-title .badge").get_attribute("data-status"), "sent")
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#quote-lines tbody tr")), 2)
        # The note with markup is text, and no dialog opened.
        self.assertIn(XSS, self.find("#quote-notes").text)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "#quote-notes img"), [])
        self.assert_no_dialog()
        self.screenshot("portal-quote-desktop")

        self.driver.set_window_size(390, 844)
        self.find("#quote-title")
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        self.assertLessEqual(overflow, 0, "no horizontal scrolling at 390 px")
        self.screenshot("portal-quote-phone")
        self.driver.set_window_size(1280, 900)

        self.find("#accept").click()
        placed = self.find("#order-placed")
        order_id = placed.get_attribute("data-order")
        self.assertIn(quote["id"] + "/v1", placed.text)
        status, order = call("GET", "/v1/orders/" + order_id, operator)
        self.assertEqual(status, 200, order)
        self.assertEqual(order["references"]["quote"]["quote_id"], quote["id"])
        self.assertEqual(order["totals"]["gross"], quote["totals"]["gross"])

        # The session stays: reloading without the link shows the accepted quote, with no actions.
        self.driver.get(link.split("#", 1)[0])
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#quote-title .badge").get_attribute("data-status")
                  == "accepted")
        self.assertEqual(self.driver.find_elements(By.ID, "accept"), [])
        # Writes need the session's CSRF token: the cookie alone is refused.
        answer = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/v1/portal/quotes/" + quote["id"] + "/acceptance', {method: 'POST', credentials: 'same-origin',"
            " headers: {'Content-Type': 'application/json'}, body: JSON.stringify({version: 1})})"
            ".then((r) => done(r.status), (e) => done(String(e)));")
        self.assertEqual(answer, 403)

    def test_a_tampered_link_opens_nothing(self):
        self.driver.delete_all_cookies()
        self.driver.get(ENV["ORDERS_API_URL"] + "/portal/quotes/quo_00000000000000000000000000000000#link=abc.def")
        problem = self.find("#problem")
        self.assertTrue(problem.text)
        self.assertEqual(self.driver.find_elements(By.ID, "accept"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
