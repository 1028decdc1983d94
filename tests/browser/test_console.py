"""The web console in a real browser: headless Chromium driven by chromedriver (Selenium), against the stack
`devstack up` serves (the one `make dev` runs). Started by scripts/browser-tests.sh, which passes the stack's env
file in ORDERS_ENV_FILE. Screenshots go to target/browser/ (desktop and phone width).
"""

import base64
import json
import os
import pathlib
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = pathlib.Path(os.environ.get("ORDERS_BROWSER_ARTIFACTS", ROOT / "target" / "browser"))
XSS = "<img src=x onerror=alert(1)>"


def load_env(path):
    values = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


ENV = load_env(os.environ["ORDERS_ENV_FILE"])
API = ENV["ORDERS_API_URL"]
CONSOLE = ENV["ORDERS_CONSOLE_URL"]


def call(method, path, key, body=None):
    """The API as a script sees it (bearer key); answers (status, JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(API + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, (json.loads(text) if text else None)


def set_console_language(key, language):
    """What the language picker does for a signed-in person, without a browser: log in, PUT the choice."""
    login = urllib.request.Request(API + "/console/session", data=json.dumps({"key": key}).encode(), method="POST")
    login.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(login, timeout=30) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        csrf = json.loads(response.read())["session"]["csrf_token"]
    choice = urllib.request.Request(API + "/console/session", data=json.dumps({"language": language}).encode(),
                                    method="PUT")
    for name, value in [("Content-Type", "application/json"), ("Cookie", cookie), ("X-CSRF-Token", csrf)]:
        choice.add_header(name, value)
    with urllib.request.urlopen(choice, timeout=30) as response:
        return json.loads(response.read())["language"]


def wait_for(check, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out waiting for " + what)


def post_order(number, lines=None, notes=None):
    body = {
        "order_number": number,
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "delivery_address": {"name": "Anna", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22",
                             "country": "SE"},
        "lines": lines or [{"sku": "SKU-1", "quantity": "3"}, {"sku": "SKU-3", "quantity": "10"}],
    }
    if notes:
        body["notes"] = notes
    status, order = call("POST", "/v1/orders", ENV["ORDERS_API_KEY"], body)
    assert status == 201, (status, order)
    wait_for(lambda: call("GET", "/v1/orders/" + order["id"], ENV["ORDERS_OPERATOR_KEY"])[1]["status"]
             == "pending_response", "order " + number + " to wait for a response")
    return order["id"]


def aws_json(target, body):
    """One call to the stack's emulator in the JSON protocol (`AmazonSQS.SendMessage`), as the SDK makes it."""
    service = target.split(".")[0].lower().replace("amazon", "")
    request = urllib.request.Request(ENV["AWS_ENDPOINT_URL"] + "/", data=json.dumps(body).encode(), method="POST")
    request.add_header("X-Amz-Target", target)
    request.add_header("Content-Type", "application/x-amz-json-1.0")
    request.add_header("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261204/" + ENV["AWS_REGION"] + "/"
                       + service + "/aws4_request, SignedHeaders=host, Signature=0")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def report_bounce(customer_id, address):
    """What SES's configuration set publishes (SNS, raw) for a permanent bounce, put on the stack's queue."""
    event = {"eventType": "Bounce",
             "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": "2026-12-04T10:00:00.000Z",
                        "bouncedRecipients": [{"emailAddress": address, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
             "mail": {"messageId": "0100-browser-bounce", "destination": [address],
                      "tags": {"tenant": ["demo"], "customer": [customer_id]}}}
    queue = aws_json("AmazonSQS.GetQueueUrl", {"QueueName": ENV["ORDERS_STACK"] + "-mail-feedback"})["QueueUrl"]
    aws_json("AmazonSQS.SendMessage", {"QueueUrl": queue, "MessageBody": json.dumps(event)})


def browser(download_dir):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-GB",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="console-chromium-")]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                              "download.prompt_for_download": False,
                                              "intl.accept_languages": "en-GB,en"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


class Console(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cls.downloads = pathlib.Path(tempfile.mkdtemp(prefix="console-downloads-"))
        cls.driver = browser(cls.downloads)
        cls.stamp = str(int(time.time() * 1000))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def tearDown(self):
        # Keep the screen of a failed test as an artifact.
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is not None and any(test is self for test, _ in result.errors + result.failures):
            self.screenshot("failed-" + self._testMethodName)

    def setUp(self):
        self.driver.set_window_size(1280, 900)
        self.driver.get(CONSOLE)
        self.driver.delete_all_cookies()

    # -------------------------------------------------------------- helpers
    def wait(self, condition, seconds=20):
        # A view re-renders as answers come in: an element found a moment ago may have been replaced.
        return WebDriverWait(self.driver, seconds, ignored_exceptions=[StaleElementReferenceException]).until(condition)

    def find(self, css):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def login(self, key):
        self.driver.get(CONSOLE)
        field = self.find("#login-key")
        field.send_keys(key)
        self.find("#login-submit").click()
        self.find("#who")

    def open_order(self, order_id):
        self.driver.get(CONSOLE + "/orders/" + order_id)
        self.find("#order-title")

    def status_shown(self):
        return self.find("#order-title .badge").get_attribute("data-status")

    def screenshot(self, name):
        """The whole page (not only the window) as a PNG artifact."""
        try:
            size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
            (ARTIFACTS / (name + ".png")).write_bytes(base64.b64decode(shot["data"]))
        except Exception:  # the window is still worth having
            self.driver.save_screenshot(str(ARTIFACTS / (name + ".png")))

    def in_page(self, script):
        """Runs an async fetch in the page (same origin, the session cookie goes along); answers its result."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "(async () => {" + script + "})().then(done, (e) => done({error: String(e)}));")

    def assert_no_dialog(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            self.fail("a dialog opened: " + text)
        except NoAlertPresentException:
            pass

    # -------------------------------------------------------------- tests
    def test_1_operator_finds_answers_despatches_and_invoices_an_order(self):
        number = "WEB-" + self.stamp
        order_id = post_order(number)
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.find("#search").send_keys(number)
        self.find("#apply-filters").click()
        self.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tbody tr")) == 1)
        row = self.find("#results tbody tr")
        self.assertEqual(row.get_attribute("data-order-id"), order_id)
        self.assertIn("Kontorsmöbler Syd AB", row.text)
        self.screenshot("orders-desktop")
        row.find_element(By.TAG_NAME, "a").click()
        self.find("#respond-form")
        self.assertEqual(self.status_shown(), "pending_response")

        Select(self.find("#respond-decision")).select_by_value("accept_with_changes")
        confirmed = self.find("#respond-confirmed-1")
        confirmed.clear()
        confirmed.send_keys("2")
        self.find("#respond-freight").send_keys("9.90")
        self.find("#respond-submit").click()
        self.wait(lambda d: self.status_shown() == "accepted_with_changes")
        self.assertIn("Done", self.find("#action-result").text)
        totals = self.find("#order-totals").text
        self.assertIn("9.90", totals, "the freight charge is in the totals")
        stored = call("GET", "/v1/orders/" + order_id, ENV["ORDERS_OPERATOR_KEY"])[1]
        self.assertEqual(stored["status"], "accepted_with_changes")
        self.assertEqual(stored["lines"][0]["confirmed_quantity"], "2")
        self.assertEqual(stored["totals"]["charges"], "9.90")
        self.screenshot("order-desktop")

        quantity = self.find("#despatch-qty-1")
        quantity.clear()
        quantity.send_keys("1")
        self.find("#despatch-tracking").send_keys("TRACK" + self.stamp)
        self.find("#despatch-submit").click()
        self.wait(lambda d: self.status_shown() == "partially_delivered", 30)
        self.assertIn("Partially delivered", self.find("#order-title").text)
        shipped = self.find("tr[data-line='1'] td:nth-child(6)").text
        self.assertEqual(shipped, "1")
        # The despatch's delivery note is one click away, a PDF.
        note = self.find("#despatches a.delivery-note")
        self.assertTrue(note.get_attribute("href").endswith("/delivery-note.pdf"), note.get_attribute("href"))
        fetched = self.in_page(
            "const r = await fetch(" + json.dumps(note.get_attribute("href")) + ");"
            "const b = new Uint8Array(await r.arrayBuffer());"
            "return [r.status, r.headers.get('content-type'), String.fromCharCode(...b.slice(0, 5))];")
        self.assertEqual(fetched, [200, "application/pdf", "%PDF-"])

        # The demo tenant invoices on delivery: invoice what shipped so far now.
        self.find("#invoice-submit").click()
        self.wait(lambda d: self.status_shown() == "partially_invoiced", 30)
        link = self.find("#invoices a.pdf")
        self.assertEqual(self.find("tr[data-line='1'] td:nth-child(7)").text, "1", "invoiced quantity")
        link.click()
        pdf = wait_for(lambda: [p for p in self.downloads.glob("*.pdf") if p.stat().st_size > 0], "the PDF download")
        self.assertTrue(pdf[0].read_bytes().startswith(b"%PDF"), pdf[0])

        # Credit one unit of the invoice's first line from the correction panel.
        self.open_order(order_id)
        panel = self.find("#invoices details.correction")
        panel.find_element(By.TAG_NAME, "summary").click()
        invoice_number = panel.get_attribute("data-correct")
        self.find("#correct-qty-" + invoice_number + "-1").send_keys("1")
        self.find("#correct-reason-" + invoice_number).send_keys("Damaged in transit")
        self.find("#credit-" + invoice_number).click()
        self.wait(lambda d: "Credit note" in self.find("#invoices").text)
        stored = call("GET", "/v1/orders/" + order_id, ENV["ORDERS_OPERATOR_KEY"])[1]
        self.assertEqual(sorted(i["kind"] for i in stored["invoices"]), ["credit_note", "invoice"])
        self.assertEqual(stored["lines"][0]["invoiced_quantity"], "0")

        # Phone width: list and detail still usable (no sideways scrolling of the page).
        self.driver.set_window_size(390, 844)
        self.open_order(order_id)
        self.screenshot("order-phone")
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        self.assertLessEqual(width, 390 + 1, "the order page fits a phone")
        self.driver.get(CONSOLE + "/orders")
        self.find("#results tbody tr")
        self.screenshot("orders-phone")
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        self.assertLessEqual(width, 390 + 1, "the order list fits a phone")

    def test_2_a_note_with_markup_shows_as_text(self):
        order_id = post_order("XSS-" + self.stamp)
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.open_order(order_id)
        self.find("#note-text").send_keys(XSS)
        self.find("#note-submit").click()
        note = self.wait(lambda d: [n for n in d.find_elements(By.CSS_SELECTOR, "#notes .note-text") if n.text == XSS])
        self.assertEqual(note[0].text, XSS)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "#notes img"), [])
        time.sleep(0.5)
        self.assert_no_dialog()
        self.open_order(order_id)
        self.find("#notes .note-text")
        self.assert_no_dialog()

    def test_3_writes_without_the_csrf_token_are_refused(self):
        order_id = post_order("CSRF-" + self.stamp)
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.open_order(order_id)
        answers = self.in_page(
            "const token = (await (await fetch('/console/session')).json()).session.csrf_token;"
            "const post = (path, body, headers) => fetch(path, {method: body === null ? 'DELETE' : 'POST',"
            "  headers: Object.assign({'Content-Type': 'application/json'}, headers),"
            "  body: body === null ? undefined : JSON.stringify(body)}).then((r) => r.status);"
            "const note = '/v1/orders/" + order_id + "/notes';"
            "return {"
            "  none: await post(note, {text: 'x', visibility: 'internal'}, {}),"
            "  wrong: await post(note, {text: 'x', visibility: 'internal'}, {'X-CSRF-Token': 'wrong'}),"
            "  respond: await post('/v1/orders/" + order_id + "/response', {decision: 'accept'}, {}),"
            "  logout: await post('/console/session', null, {}),"
            "  right: await post(note, {text: 'with token', visibility: 'internal'}, {'X-CSRF-Token': token}),"
            "};")
        self.assertEqual(answers, {"none": 403, "wrong": 403, "respond": 403, "logout": 403, "right": 201})
        stored = call("GET", "/v1/orders/" + order_id, ENV["ORDERS_OPERATOR_KEY"])[1]
        self.assertEqual(stored["status"], "pending_response", "nothing was answered without the token")
        self.assertEqual([n["text"] for n in stored["seller_notes"]], ["with token"])

    def test_4_a_warehouse_user_sees_no_respond_or_price_actions_and_forged_requests_get_403(self):
        order_id = post_order("WH-" + self.stamp)
        self.login(ENV["ORDERS_WAREHOUSE_KEY"])
        self.open_order(order_id)
        self.find("#note-form")
        for hidden in ["#respond-form", "#cancel-order", "#close-order", "#invoices button"]:
            self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, hidden), [], hidden)
        self.driver.get(CONSOLE + "/products")
        self.find("main h1")
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "#price-form"), [])
        answers = self.in_page(
            "const token = (await (await fetch('/console/session')).json()).session.csrf_token;"
            "const send = (method, path, body) => fetch(path, {method, headers: {'Content-Type': 'application/json',"
            "  'X-CSRF-Token': token}, body: JSON.stringify(body)}).then(async (r) => [r.status, (await r.json()).type]);"
            "return {"
            "  respond: await send('POST', '/v1/orders/" + order_id + "/response', {decision: 'accept'}),"
            "  price: await send('PUT', '/v1/customers/C-1/prices/SKU-1', {price: '1.00'}),"
            "};")
        self.assertEqual(answers["respond"], [403, "https://errors.orders.example/forbidden"])
        self.assertEqual(answers["price"], [403, "https://errors.orders.example/forbidden"])
        stored = call("GET", "/v1/orders/" + order_id, ENV["ORDERS_OPERATOR_KEY"])[1]
        self.assertEqual(stored["status"], "pending_response")

    def test_5_a_session_of_another_tenant_gets_nothing_of_this_one(self):
        order_id = post_order("TEN-" + self.stamp)
        other_key = subprocess.run(
            [os.environ.get("DEVSTACK", str(ROOT / "target" / "debug" / "devstack")), "key", "create", "--tenant",
             "other-" + self.stamp, "--role", "operator", "--endpoint", ENV["AWS_ENDPOINT_URL"], "--stack",
             ENV["ORDERS_STACK"]], check=True, capture_output=True, text=True).stdout.strip()
        self.login(other_key)
        self.driver.get(CONSOLE + "/orders")
        self.find("#results .empty")
        answers = self.in_page(
            "const get = (path) => fetch(path).then((r) => r.status);"
            "return {order: await get('/v1/orders/" + order_id + "'),"
            "  despatch: await get('/v1/orders/" + order_id + "/despatches/D-1'),"
            "  list: await (await fetch('/v1/orders?q=TEN-" + self.stamp + "')).json()};")
        self.assertEqual(answers["order"], 404)
        self.assertEqual(answers["despatch"], 404)
        self.assertEqual(answers["list"]["items"], [])

    def test_6a_stock_products_and_reports_pages(self):
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.find("#nav-stock").click()
        field = self.find("input[data-stock='SKU-4/malmo']")
        field.clear()
        field.send_keys("33")
        field.find_element(By.XPATH, "./following-sibling::button").click()
        self.wait(lambda d: "Saved" in self.find("#stock-result").text)
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "input[data-stock='SKU-4/malmo']").get_attribute("value") == "33")
        status, products = call("GET", "/v1/products?limit=200", ENV["ORDERS_OPERATOR_KEY"])
        notebook = [p for p in products["items"] if p["sku"] == "SKU-4"][0]
        self.assertEqual([s["on_hand"] for s in notebook["stock"] if s["warehouse"] == "malmo"], ["33"])
        self.screenshot("stock-desktop")

        self.find("#nav-products").click()
        self.find("#products-table")
        self.find("#price-customer").send_keys("C-1")
        self.find("#price-sku").send_keys("SKU-4")
        self.find("#price-price").send_keys("5.55")
        self.find("#price-submit").click()
        self.wait(lambda d: "saved" in self.find("#price-result").text.lower())
        self.find("#products-customer").send_keys("C-1")
        self.find("#products-show").click()
        self.wait(lambda d: "5.55" in d.find_element(By.CSS_SELECTOR, "tr[data-sku='SKU-4']").text)

        self.find("#nav-reports").click()
        Select(self.find("#report-name")).select_by_value("sales_by_day")
        self.find("#report-submit").click()
        links = self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#report-files a[data-format]"))
        self.assertEqual(sorted(a.get_attribute("data-format") for a in links), ["csv", "parquet", "xlsx"])
        self.assertTrue(self.find("#report-page").get_attribute("href").startswith("http"))

    def test_6c_an_operator_makes_a_key_sees_it_once_and_revokes_it(self):
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.find("#nav-keys").click()
        self.find("#keys-table")
        self.find("#key-name").send_keys("Night shift " + self.stamp)
        Select(self.find("#key-role")).select_by_value("warehouse")
        self.find("#key-submit").click()
        secret = self.find("#key-secret").get_attribute("value")
        self.assertTrue(secret.startswith("owh_"), secret)
        self.assertEqual(self.driver.execute_script(
            "return [...document.querySelectorAll('input, select, textarea')]"
            ".filter((e) => !e.labels || !e.labels.length).map((e) => e.outerHTML);"), [], "every field labelled")
        status, _ = call("GET", "/v1/orders", secret)
        self.assertEqual(status, 200, "the new key works")
        self.screenshot("keys")
        row = self.wait(lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "#keys-table tbody tr")
                                   if ("Night shift " + self.stamp) in r.text])[0]
        row.find_element(By.CSS_SELECTOR, "button.revoke-key").click()
        self.driver.switch_to.alert.accept()
        self.wait(lambda d: any(r.get_attribute("data-status") == "revoked"
                                for r in d.find_elements(By.CSS_SELECTOR, "#keys-table tbody tr")
                                if ("Night shift " + self.stamp) in r.text))
        status, _ = call("GET", "/v1/orders", secret)
        self.assertEqual(status, 401, "a revoked key opens nothing")

    def test_6d_an_operator_registers_a_webhook_endpoint_sees_its_secret_once_disables_and_deletes_it(self):
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.find("#nav-webhooks").click()
        self.find("#webhook-form")
        url = "http://127.0.0.1:9/hooks/" + self.stamp
        self.find("#webhook-url").send_keys(url)
        self.find("#webhook-description").send_keys("ERP " + self.stamp)
        self.find("#webhook-event-invoice-issued").click()
        self.find("#webhook-submit").click()
        secret = self.find("#webhook-secret").get_attribute("value")
        self.assertTrue(secret.startswith("whsec_"), secret)
        self.assertEqual(self.driver.execute_script(
            "return [...document.querySelectorAll('input, select, textarea')]"
            ".filter((e) => !e.labels || !e.labels.length).map((e) => e.outerHTML);"), [], "every field labelled")
        status, endpoints = call("GET", "/v1/webhook-endpoints", ENV["ORDERS_OPERATOR_KEY"])
        self.assertEqual(status, 200)
        endpoint = [e for e in endpoints["items"] if e["url"] == url][0]
        self.assertIn("invoice.issued", endpoint["events"])
        self.assertNotIn("secret", endpoint, "the secret is shown once")
        self.screenshot("webhooks")
        row = lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "#webhooks-table tbody tr") if url in r.text]
        self.wait(row)[0].find_element(By.CSS_SELECTOR, "button.toggle-endpoint").click()
        self.wait(lambda d: row(d) and row(d)[0].get_attribute("data-status") == "disabled")
        self.wait(row)[0].find_element(By.CSS_SELECTOR, "button.show-deliveries").click()
        self.find("#webhook-deliveries h2")
        self.wait(row)[0].find_element(By.CSS_SELECTOR, "button.delete-endpoint").click()
        self.driver.switch_to.alert.accept()
        self.wait(lambda d: not row(d))
        status, _ = call("GET", "/v1/webhook-endpoints/" + endpoint["id"], ENV["ORDERS_OPERATOR_KEY"])
        self.assertEqual(status, 404, "deleted")

    def test_8_keyboard_only_and_every_field_labelled(self):
        order_id = post_order("KEY-" + self.stamp)
        self.driver.get(CONSOLE)
        self.find("#login-key")
        # The key field has the focus; Enter logs in.
        active = self.driver.switch_to.active_element
        self.assertEqual(active.get_attribute("id"), "login-key")
        active.send_keys(ENV["ORDERS_OPERATOR_KEY"] + Keys.ENTER)
        self.find("#who")
        # Tab reaches the skip link first, then the navigation.
        self.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("class"), "skip")
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "nav-orders")
        unlabelled = ("return [...document.querySelectorAll('input, select, textarea')]"
                      ".filter((e) => !e.labels.length && !e.getAttribute('aria-label')).map((e) => e.id || e.outerHTML);")
        for path in ["/orders", "/orders/" + order_id, "/stock", "/products", "/reports"]:
            self.driver.get(CONSOLE + path)
            self.find("main h1")
            time.sleep(0.5)
            self.assertEqual(self.driver.execute_script(unlabelled), [], path)
        # The respond form is reachable and usable with the keyboard alone.
        self.driver.get(CONSOLE + "/orders/" + order_id)
        decision = self.find("#respond-decision")
        decision.send_keys(Keys.END)
        self.assertEqual(Select(decision).first_selected_option.get_attribute("value"), "reject")
        self.find("#respond-reason").send_keys("Out of season")
        self.find("#respond-submit").send_keys(Keys.ENTER)
        self.wait(lambda d: self.status_shown() == "rejected")

    def test_6b_quotes_are_drafted_sent_reopened_and_buyer_requests_answered(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        self.login(operator)
        self.find("#nav-quotes").click()
        self.find("#quote-customer").send_keys("C-1")
        skus = self.driver.find_elements(By.CSS_SELECTOR, "#quote-lines .quote-sku")
        quantities = self.driver.find_elements(By.CSS_SELECTOR, "#quote-lines .quote-qty")
        prices = self.driver.find_elements(By.CSS_SELECTOR, "#quote-lines .quote-price")
        skus[0].send_keys("SKU-1")
        quantities[0].send_keys("2")
        prices[0].send_keys("300")
        self.find("#quote-submit").click()
        heading = self.find("#quote-heading")
        self.assertEqual(heading.find_element(By.CSS_SELECTOR, ".badge").get_attribute("data-status"), "draft")
        quote_id = heading.text.split(" ")[0]
        self.find("#quote-send").click()
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#quote-heading .badge").get_attribute("data-status")
                  == "sent")
        # Reopened as version 2 with a second line.
        self.find("#quote-add-line").click()
        self.driver.find_elements(By.CSS_SELECTOR, "#quote-lines .quote-sku")[-1].send_keys("SKU-3")
        self.driver.find_elements(By.CSS_SELECTOR, "#quote-lines .quote-qty")[-1].send_keys("4")
        self.find("#quote-submit").click()
        self.wait(lambda d: "2" in d.find_element(By.ID, "quote-heading").text
                  and d.find_element(By.CSS_SELECTOR, "#quote-heading .badge").get_attribute("data-status") == "draft")
        status, quote = call("GET", "/v1/quotes/" + quote_id, operator)
        self.assertEqual(status, 200, quote)
        self.assertEqual((quote["version"], len(quote["lines"])), (2, 2))
        self.assertEqual([v["status"] for v in quote["versions"]], ["draft", "sent"])
        self.find("#nav-quotes").click()
        self.find("#quotes-table tr[data-quote='" + quote_id + "'][data-version='2']")
        self.screenshot("quotes-desktop")

        # A buyer's change request shows on the order; answering it changes nothing else.
        order_id = post_order("CONSOLE-REQ")
        status, _ = call("POST", "/v1/orders/" + order_id + "/response", operator, {"decision": "accept"})
        self.assertEqual(status, 200)
        status, invited = call("POST", "/v1/customers/C-1/buyer-keys", operator, {"valid_days": 1})
        self.assertEqual(status, 201, invited)
        asked = urllib.request.Request(API + "/v1/portal/session", method="POST",
                                       data=json.dumps({"link": invited["key"]}).encode())
        asked.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(asked, timeout=30) as response:
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
            csrf = json.loads(response.read())["csrf_token"]
        request = urllib.request.Request(API + "/v1/portal/orders/" + order_id + "/requests", method="POST",
                                         data=json.dumps({"kind": "cancellation", "message": "Not needed"}).encode())
        for name, value in [("Content-Type", "application/json"), ("Cookie", cookie), ("X-CSRF-Token", csrf)]:
            request.add_header(name, value)
        with urllib.request.urlopen(request, timeout=30) as response:
            self.assertEqual(response.status, 201)
        # It is in the console's list of open buyer requests, linking to its order.
        self.find("#nav-requests").click()
        row = self.find("#requests-table tr td a[href='/console/orders/" + order_id + "']")
        row.click()
        item = self.find("#buyer-requests li[data-status=open]")
        self.assertIn("Not needed", item.text)
        item.find_element(By.CSS_SELECTOR, "button.request-declined").click()
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#buyer-requests li[data-status=declined]"))
        self.assertEqual(self.status_shown(), "accepted")

    def test_7_change_merge_and_split(self):
        first = post_order("CHG-A-" + self.stamp)
        second = post_order("CHG-B-" + self.stamp)
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.open_order(first)
        self.find("#change-form").find_element(By.XPATH, "./preceding-sibling::summary").click()
        quantity = self.find("#change-qty-2")
        quantity.clear()
        quantity.send_keys("8")
        self.find("#change-submit").click()
        self.wait(lambda d: "Done" in self.find("#action-result").text)
        stored = call("GET", "/v1/orders/" + first, ENV["ORDERS_OPERATOR_KEY"])[1]
        self.assertEqual(stored["lines"][1]["quantity"], "8")
        for order_id in (first, second):
            status, answered = call("POST", "/v1/orders/" + order_id + "/response", ENV["ORDERS_OPERATOR_KEY"],
                                    {"decision": "accept"})
            self.assertEqual(status, 200, answered)

        self.driver.get(CONSOLE + "/orders?status=accepted")
        for order_id in (first, second):
            self.find("tr[data-order-id='" + order_id + "'] input.pick").click()
        self.find("#merge-selected").click()
        self.wait(lambda d: "/console/orders/" in d.current_url and first not in d.current_url)
        merged = self.driver.current_url.rsplit("/", 1)[1]
        self.find("#order-title")
        for order_id in (first, second):
            self.assertEqual(call("GET", "/v1/orders/" + order_id, ENV["ORDERS_OPERATOR_KEY"])[1]["status"], "cancelled")

        # This tenant answers by hand: the merged order waits for its answer, and only answered orders split.
        status, answered = call("POST", "/v1/orders/" + merged + "/response", ENV["ORDERS_OPERATOR_KEY"],
                                {"decision": "accept"})
        self.assertEqual(status, 200, answered)
        self.open_order(merged)
        self.find("#split-form").find_element(By.XPATH, "./preceding-sibling::summary").click()
        self.find("#split-qty-1").send_keys("1")
        self.find("#split-submit").click()
        follow = self.find("#follow-link")
        new_id = follow.get_attribute("href").rsplit("/", 1)[1]
        split = call("GET", "/v1/orders/" + new_id, ENV["ORDERS_OPERATOR_KEY"])[1]
        self.assertEqual(split["references"]["split_from"], merged)
        self.assertEqual(split["lines"][0]["quantity"], "1")

    def test_6_the_console_speaks_the_browsers_language_and_logs_out(self):
        # Whatever happens here, the operator's key speaks English again for the tests after this one.
        self.addCleanup(set_console_language, ENV["ORDERS_OPERATOR_KEY"], "en")
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        Select(self.find("#language")).select_by_value("de")
        self.wait(lambda d: d.find_element(By.ID, "nav-orders").text == "Aufträge")
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "de")
        # German formats: 1.234,56 € and 01.12.2026
        amount = self.find("#results tbody tr td.num").text
        self.assertRegex(amount, r"^\d{1,3}(\.\d{3})*,\d{2}\s€$")
        received = self.find("#results tbody tr td:nth-child(5)").text
        self.assertRegex(received, r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$")
        Select(self.find("#language")).select_by_value("zh")
        self.wait(lambda d: d.find_element(By.ID, "nav-orders").text == "订单")
        self.screenshot("orders-zh-desktop")
        # The choice goes with the key: a fresh browser state logs in to Chinese.
        self.driver.delete_all_cookies()
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.wait(lambda d: d.find_element(By.ID, "nav-orders").text == "订单")
        Select(self.find("#language")).select_by_value("en")
        self.wait(lambda d: d.find_element(By.ID, "nav-orders").text == "Orders")
        self.find("#logout").click()
        self.find("#login-key")
        status = self.in_page("return (await fetch('/v1/orders')).status;")
        self.assertEqual(status, 401)
        cookies = [c for c in self.driver.get_cookies() if c["name"] == "orders_session"]
        self.assertEqual(cookies, [])


    def test_9_a_bounced_buyer_address_shows_on_the_order(self):
        order_id = post_order("BOUNCE-" + self.stamp)
        status, customer = call("GET", "/v1/customers/C-1", ENV["ORDERS_OPERATOR_KEY"])
        self.assertEqual(status, 200, customer)
        report_bounce("C-1", customer["email"])
        wait_for(lambda: (call("GET", "/v1/customers/C-1", ENV["ORDERS_OPERATOR_KEY"])[1].get("email_feedback") or {})
                 .get("status") == "bounced", "the bounce to reach the customer")
        self.login(ENV["ORDERS_OPERATOR_KEY"])
        self.open_order(order_id)
        self.wait(lambda d: "Bounced" in d.find_element(By.ID, "buyer-email-feedback").text)
        shown = self.find("#buyer-email-feedback").text
        self.assertIn("550 5.1.1 user unknown", shown)
        page = self.find("#main").text
        self.assertNotIn("\nnull\n", "\n" + page + "\n", "a section with nothing to show is left out, not printed")
        self.screenshot("order-bounced-buyer")

    def test_10_an_operator_enters_a_phone_order_with_a_catalogue_line_and_a_free_text_line(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        self.login(operator)
        self.find("#nav-new-order").click()
        Select(self.find("#new-order-channel")).select_by_value("phone")
        # The customer is found by part of the name, without its diacritics.
        self.find("#new-order-customer-search").send_keys("kontorsmobler")
        self.find("#new-order-customers button[data-customer='C-1']").click()
        self.wait(lambda d: d.find_element(By.ID, "new-order-customer").get_attribute("data-customer") == "C-1")
        self.wait(lambda d: d.find_element(By.ID, "new-order-product-search").is_enabled())
        self.find("#new-order-product-search").send_keys("SKU-1")
        pick = self.find("#new-order-products button[data-sku='SKU-1']")
        self.assertIn("available", pick.text)
        pick.click()
        quantity = self.find("#new-order-lines .new-order-line[data-sku='SKU-1'] .new-order-qty")
        quantity.clear()
        quantity.send_keys("2")
        self.find("#new-order-free-text").click()
        row = self.find("#new-order-lines .free-text")
        row.find_element(By.CSS_SELECTOR, ".new-order-description").send_keys("Installation on site " + self.stamp)
        row.find_element(By.CSS_SELECTOR, ".new-order-price").send_keys("450")
        self.screenshot("new-order-desktop")
        self.find("#new-order-submit").click()
        self.find("#order-title")
        order_id = self.driver.current_url.rstrip("/").rsplit("/", 1)[-1]
        status, order = call("GET", "/v1/orders/" + order_id, operator)
        self.assertEqual(status, 200, order)
        self.assertEqual(order["channel"], "phone")
        self.assertTrue(order["order_number"].startswith("SO-"), order["order_number"])
        self.assertEqual([line["sku"] for line in order["lines"]], ["SKU-1", None])
        self.assertEqual(order["lines"][1]["line_net"], "450.00")
        # Confirmed like any order: the demo seller answers by hand, here in the console.
        def pending():
            self.open_order(order_id)
            return self.status_shown() == "pending_response"
        wait_for(pending, "confirmation to take the order")
        self.find("#respond-form")
        Select(self.find("#respond-decision")).select_by_value("accept")
        self.find("#respond-submit").click()
        self.wait(lambda d: self.status_shown() == "accepted")
        self.assertIn("Installation on site " + self.stamp, self.find("#main").text)
        status, order = call("GET", "/v1/orders/" + order_id, operator)
        self.assertEqual([line["confirmed_quantity"] for line in order["lines"]], ["2", "1"])
        self.screenshot("new-order-confirmed")

    def test_11_an_operator_changes_the_sellers_settings_under_if_match(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        self.login(operator)
        self.find("#nav-settings").click()
        policy = Select(self.find("#settings-response-policy"))
        before = policy.first_selected_option.get_attribute("value")
        self.assertEqual(before, call("GET", "/v1/settings", operator)[1]["response_policy"])
        changed = "automatic" if before == "manual" else "manual"
        try:
            policy.select_by_value(changed)
            self.assertEqual(Select(self.find("#settings-buyer-prices")).first_selected_option.get_attribute("value"),
                             "ours_win")
            Select(self.find("#settings-buyer-prices")).select_by_value("review")
            Select(self.find("#settings-unknown-buyers")).select_by_value("register")
            self.find("#settings-add-carrier").click()
            carrier = self.driver.find_elements(By.CSS_SELECTOR, "#settings-carriers .carrier")[-1]
            carrier.find_element(By.CSS_SELECTOR, ".carrier-name").send_keys("bring")
            carrier.find_element(By.CSS_SELECTOR, ".carrier-template").send_keys(
                "https://sporing.bring.no/sporing/{tracking_number}")
            self.find("#settings-submit").click()
            self.wait(lambda d: "Saved" in d.find_element(By.ID, "settings-errors").text)
            status, settings = call("GET", "/v1/settings", operator)
            self.assertEqual(status, 200, settings)
            self.assertEqual(settings["response_policy"], changed)
            self.assertEqual(settings["peppol_orders"], {"buyer_prices": "review", "unknown_buyers": "register"})
            self.assertEqual(settings["tracking_url_templates"]["bring"], "https://sporing.bring.no/sporing/{tracking_number}")
            self.wait(lambda d: "response_policy" in d.find_element(By.ID, "settings-history").text)
            self.screenshot("settings-desktop")
            # A bad IBAN is refused with its field named; nothing changes.
            iban = self.find("#settings-iban")
            iban.clear()
            iban.send_keys("SE0000000000000000000000")
            self.find("#settings-submit").click()
            self.wait(lambda d: "/invoicing/iban" in d.find_element(By.ID, "settings-errors").text)
        finally:
            # Back to how the demo seller answers (the other tests answer orders by hand).
            self.driver.get(CONSOLE + "/settings")
            Select(self.find("#settings-response-policy")).select_by_value(before)
            Select(self.find("#settings-buyer-prices")).select_by_value("ours_win")
            Select(self.find("#settings-unknown-buyers")).select_by_value("refuse")
            self.find("#settings-submit").click()
            self.wait(lambda d: "Saved" in d.find_element(By.ID, "settings-errors").text)
        restored = call("GET", "/v1/settings", operator)[1]
        self.assertEqual(restored["response_policy"], before)
        self.assertNotIn("peppol_orders", restored, "the defaults are left out")

    def test_12_an_operator_finds_a_customer_and_adds_a_delivery_address(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        self.login(operator)
        self.find("#nav-customers").click()
        search = self.find("#customers-search")
        search.send_keys("kontors")
        self.find("#customers-apply").click()
        self.find("#customers-table tr[data-customer='C-1'] a").click()
        self.wait(lambda d: d.find_element(By.ID, "customer-name").get_attribute("value") == "Kontorsmöbler Syd AB")
        before = len(self.driver.find_elements(By.CSS_SELECTOR, "#customer-delivery-addresses .delivery-address"))
        self.find("#customer-add-delivery").click()
        box = self.driver.find_elements(By.CSS_SELECTOR, "#customer-delivery-addresses .delivery-address")[-1]
        for css, value in [(".delivery-id", "annex-" + self.stamp[-6:]), (".delivery-name", "Kontorsmöbler Syd AB, annexet"),
                           (".delivery-street", "Annexgatan 3"), (".delivery-postal_code", "211 40"),
                           (".delivery-city", "Malmö"), (".delivery-country", "SE")]:
            box.find_element(By.CSS_SELECTOR, css).send_keys(value)
        self.find("#customer-submit").click()
        self.wait(lambda d: "Saved" in d.find_element(By.ID, "customer-errors").text)
        status, customer = call("GET", "/v1/customers/C-1", operator)
        self.assertEqual(status, 200, customer)
        self.assertEqual(len(customer["delivery_addresses"]), before + 1)
        self.assertEqual(customer["delivery_addresses"][-1]["address"]["street"], "Annexgatan 3")
        self.screenshot("customer-desktop")

    def test_13_an_operator_adds_a_product_with_a_reorder_level(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        self.login(operator)
        self.find("#nav-products").click()
        sku = "NEW-" + self.stamp[-6:]
        self.find("#product-sku").send_keys(sku)
        self.find("#product-name").send_keys("Standing desk mat")
        self.find("#product-price").send_keys("79.50")
        self.find("#product-min-stock").send_keys("4")
        self.find("#product-target-stock").send_keys("12")
        self.find("#product-submit").click()
        self.wait(lambda d: "Saved" in d.find_element(By.ID, "product-result").text)
        self.find("#products-table tr[data-sku='" + sku + "']")
        # A target below the reorder level is refused, its field named.
        target = self.find("#product-target-stock")
        target.clear()
        target.send_keys("2")
        self.find("#product-submit").click()
        self.wait(lambda d: "/target_stock" in d.find_element(By.ID, "product-result").text)

    def test_14_an_operator_bills_despatches_of_two_orders_of_a_customer_in_one_invoice(self):
        operator = ENV["ORDERS_OPERATOR_KEY"]
        despatched = []
        for suffix in ("A", "B"):
            # Desk lamps (40 in stock): the other tests' desks stay reserved for them.
            order_id = post_order("COLL-" + suffix + "-" + self.stamp, lines=[{"sku": "SKU-2", "quantity": "2"}])
            status, answered = call("POST", "/v1/orders/" + order_id + "/response", operator, {"decision": "accept"})
            self.assertEqual(status, 200, answered)
            despatch = "D-COLL-" + suffix + "-" + self.stamp[-6:]
            status, body = call("POST", "/v1/orders/" + order_id + "/despatches", operator,
                                {"despatch_number": despatch, "lines": [{"line_no": 1, "quantity": 1}]})
            self.assertEqual(status, 201, body)
            wait_for(lambda: call("GET", "/v1/orders/" + order_id, operator)[1]["status"] == "partially_delivered",
                     "despatch " + despatch)
            despatched.append((order_id, despatch))
        self.login(operator)
        self.driver.get(CONSOLE + "/customers/C-1")
        for _, despatch in despatched:
            self.find("#collect-list input[data-despatch='" + despatch + "']").click()
        # Despatch dates in the language's format, as everywhere in the console, not ISO.
        self.assertNotRegex(self.find("#collect-list").text, r"\d{4}-\d{2}-\d{2}")
        self.find("#collect-submit").click()
        number = self.find("#collect-result a.pdf").text
        status, invoice = call("GET", "/v1/invoices/" + number, operator)
        self.assertEqual(status, 200, invoice)
        self.assertEqual(sorted(o["order_id"] for o in invoice["orders"]), sorted(o for o, _ in despatched))
        self.assertEqual([line["quantity"] for line in invoice["lines"]], ["1", "1"])
        for order_id, _ in despatched:
            stored = call("GET", "/v1/orders/" + order_id, operator)[1]
            self.assertEqual(stored["status"], "partially_invoiced", order_id)
            self.assertEqual(stored["invoices"][0]["number"], number)
        # Ticked again: the despatch is billed already, and the answer says which.
        self.find("#collect-list input[data-despatch='" + despatched[0][1] + "']").click()
        self.find("#collect-submit").click()
        self.wait(lambda d: despatched[0][1] in d.find_element(By.ID, "collect-result").text)
        self.screenshot("customer-collective-invoice")


if __name__ == "__main__":
    unittest.main(verbosity=2)
