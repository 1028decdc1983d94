"""The buyer portal in a real browser (headless Chromium, Selenium) against the `devstack up` stack: the seller
sends a quote, the buyer opens the link from the email, sees the quote in their language and accepts it into an
order; a buyer opens the link of an order email (that order only), signs in with the account key the seller invited
them with, fills a cart from the catalogue, orders it to one of their stored addresses, gets the confirmation email,
asks for a change (which changes nothing until the seller acts) and later downloads the invoice PDF.
Screenshots go to target/browser/ (desktop and phone width).
"""

import email
import email.policy
import json
import pathlib
import tempfile
import time
import unittest
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import test_console
from test_console import ARTIFACTS, ENV, browser, call, post_order, wait_for

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


def emailed_link(quote_id, page="/portal/quotes/"):
    """The portal link (to `page`) of the email SES accepted for `quote_id` or an order id (read from the
    emulator)."""
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
                    if page in word and "#link=" in word:
                        return word
        time.sleep(0.3)
    raise AssertionError("no quote email for " + quote_id)


UNLABELLED = ("return [...document.querySelectorAll('input, select, textarea')]"
              ".filter((e) => !e.labels || !e.labels.length).map((e) => e.outerHTML);")


class Portal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cls.downloads = pathlib.Path(tempfile.mkdtemp(prefix="portal-downloads-"))
        cls.driver = browser(cls.downloads)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    # The console tests' helpers (waiting out re-renders, whole-page screenshots, no dialog).
    wait = test_console.Console.wait
    find = test_console.Console.find
    screenshot = test_console.Console.screenshot
    assert_no_dialog = test_console.Console.assert_no_dialog

    def sign_in_invited(self, customer, operator):
        """The seller invites `customer` (a 30-day buyer account key); the key is pasted on a fresh portal page."""
        status, invited = call("POST", "/v1/customers/" + customer + "/buyer-keys", operator, {"valid_days": 30})
        self.assertEqual(status, 201, invited)
        self.driver.delete_all_cookies()
        self.driver.get(ENV["ORDERS_API_URL"] + "/portal")
        self.find("#buyer-key").send_keys(invited["key"])
        self.find("#key-submit").click()

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

    def test_a_buyer_orders_from_the_cart_asks_for_a_change_and_downloads_the_invoice(self):
        operator, warehouse = ENV["ORDERS_OPERATOR_KEY"], ENV["ORDERS_WAREHOUSE_KEY"]
        self.driver.delete_all_cookies()
        # An earlier order of the Swedish buyer C-1, confirmed by the seller: its email links into the portal.
        first = post_order("PORTAL-FIRST", lines=[{"sku": "SKU-2", "quantity": "1"}])
        status, answered = call("POST", "/v1/orders/" + first + "/response", operator, {"decision": "accept"})
        self.assertEqual(status, 200, answered)
        link = emailed_link(first, "/portal/orders/")
        self.driver.get(link)
        self.wait(lambda d: d.find_element(By.ID, "order-title").text)
        self.assertNotIn("#link=", self.driver.current_url)
        # In the buyer's stored language (Swedish), not the browser's (English).
        self.assertEqual(self.driver.execute_script("return document.documentElement.lang"), "sv")
        # An order email's link opens that order only: no shop, no cart, no re-ordering.
        self.assertEqual(self.driver.find_elements(By.ID, "nav-shop"), [])
        self.assertEqual(self.driver.find_elements(By.ID, "nav-cart"), [])
        self.assertEqual(self.driver.find_elements(By.ID, "reorder"), [])

        # The seller invites the buyer: their account key opens the shop.
        self.sign_in_invited("C-1", operator)
        self.find("#orders")
        self.find("#nav-shop").click()
        row = self.find("#catalogue tr[data-sku='SKU-2']")
        amount = row.find_element(By.CSS_SELECTOR, "input[type=number]")
        amount.clear()
        amount.send_keys("2")
        row.find_element(By.CSS_SELECTOR, "button.add-to-cart").click()
        self.find("#added")
        self.assertEqual(self.driver.execute_script(UNLABELLED), [], "every field of the shop is labelled")
        self.find("#catalogue tr[data-sku='SKU-3'] button.save-for-later").click()
        self.wait(lambda d: "Coffee" in d.find_element(By.ID, "added").text)
        self.find("#nav-cart").click()
        self.find("#cart-lines tr[data-sku='SKU-2']")
        self.find("#saved-lines tr[data-sku='SKU-3']")
        self.driver.set_window_size(390, 844)
        self.find("#checkout")
        self.assertEqual(self.driver.execute_script(UNLABELLED), [], "every field of the cart is labelled")
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        self.assertLessEqual(overflow, 0, "no horizontal scrolling at 390 px")
        self.screenshot("portal-cart-phone")
        self.driver.set_window_size(1280, 900)
        # The order goes to one of the addresses the seller stored for the buyer, chosen here.
        Select(self.find("#delivery-address-choice")).select_by_value("warehouse-lund")
        self.find("#place-order").click()
        placed = self.find("#order-placed")
        order_id = placed.get_attribute("data-order")
        status, order = call("GET", "/v1/orders/" + order_id, operator)
        self.assertEqual(status, 200, order)
        self.assertEqual(order["delivery_address"]["city"], "Lund")
        self.assertEqual(order["channel"], "portal")
        self.assertEqual([(l["sku"], l["quantity"]) for l in order["lines"]], [("SKU-2", "2")])
        self.assertEqual(order["buyer"]["customer_id"], "C-1")

        # The seller confirms it: the buyer's confirmation email links to the new order.
        wait_for(lambda: call("GET", "/v1/orders/" + order_id, operator)[1]["status"] == "pending_response",
                 "the portal order to wait for a response")
        status, answered = call("POST", "/v1/orders/" + order_id + "/response", operator, {"decision": "accept"})
        self.assertEqual(status, 200, answered)
        self.assertIn("/portal/orders/" + order_id + "#link=", emailed_link(order_id, "/portal/orders/"))

        # A change request reaches the seller and changes nothing by itself.
        self.find("#placed-order-link").click()
        self.find("#request-kind")
        self.find("#request-message").send_keys("Please make it 1 lamp")
        self.find("#send-request").click()
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#requests li"))
        status, order = call("GET", "/v1/orders/" + order_id, operator)
        self.assertEqual(order["buyer_requests"][0]["message"], "Please make it 1 lamp")
        self.assertEqual(order["buyer_requests"][0]["status"], "open")
        self.assertEqual(order["status"], "accepted")
        self.assertEqual(order["lines"][0]["quantity"], "2")
        # A message to the seller, with markup shown as text and no dialog.
        self.find("#message-text").send_keys(XSS)
        self.find("#send-message").click()
        self.wait(lambda d: any(XSS in li.text for li in d.find_elements(By.CSS_SELECTOR, "#notes li")))
        self.assert_no_dialog()
        self.assertEqual(self.driver.execute_script(UNLABELLED), [], "every field of the order page is labelled")
        status, order = call("GET", "/v1/orders/" + order_id, operator)
        self.assertIn(XSS, [m["text"] for m in order["buyer_messages"] if m["customer_id"] == "C-1"])
        self.assertNotIn(XSS, [n["text"] for n in order["seller_notes"]], "a buyer's words are not a seller note")
        self.screenshot("portal-order")

        # Later it ships and is invoiced; the buyer downloads the invoice PDF from the order.
        status, shipped = call("POST", "/v1/orders/" + order_id + "/despatches", warehouse,
                               {"despatch_number": "D-" + order_id[-8:], "lines": [{"line_no": 1, "quantity": "2"}]})
        self.assertEqual(status, 201, shipped)
        wait_for(lambda: call("GET", "/v1/orders/" + order_id, operator)[1].get("invoices"), "the invoice", 60)
        self.driver.refresh()
        self.find("#documents a.document[data-kind=invoice][data-format=pdf]").click()
        pdf = wait_for(lambda: [p for p in self.downloads.glob("*.pdf") if p.stat().st_size > 0], "the PDF download")
        self.assertTrue(pdf[0].read_bytes().startswith(b"%PDF"), pdf[0])
        # And the despatch's delivery note.
        self.find("#documents a.document[data-kind=delivery_note][data-format=pdf]").click()
        note = wait_for(lambda: [p for p in self.downloads.glob("delivery-note-*.pdf") if p.stat().st_size > 0],
                        "the delivery note download")
        self.assertTrue(note[0].read_bytes().startswith(b"%PDF"), note[0])

    def test_an_invited_buyer_signs_in_with_the_account_key(self):
        self.sign_in_invited("C-2", ENV["ORDERS_OPERATOR_KEY"])
        # Signed in, in C-2's stored language (German).
        self.find("#orders")
        self.wait(lambda d: d.execute_script("return document.documentElement.lang") == "de")
        self.find("#nav-shop")

    def test_a_tampered_link_opens_nothing(self):
        self.driver.delete_all_cookies()
        self.driver.get(ENV["ORDERS_API_URL"] + "/portal/quotes/quo_00000000000000000000000000000000#link=abc.def")
        problem = self.find("#problem")
        self.assertTrue(problem.text)
        self.assertEqual(self.driver.find_elements(By.ID, "accept"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
