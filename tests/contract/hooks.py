"""The one check the contract tests change (tests/contract/schemathesis.toml loads this file).

schemathesis' `positive_data_acceptance` fails whenever a request that openapi.yaml allows is refused. A few of the
API's rules cannot be written in JSON Schema at all: they depend on the date, on what is stored, or on an earlier
request. `positive_data_acceptance_beyond_schema` is that check, except that a refusal citing only such rules
passes. Every such rule is listed in BEYOND_THE_SCHEMA, each narrowly (status, problem type, the field it names,
the wording of its detail) and each described in openapi.yaml; any other refusal of a schema-valid request still
fails, exactly as the built-in check fails it.
"""

import re
from dataclasses import dataclass

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

PROBLEM_BASE = "https://errors.orders.example/"


@dataclass(frozen=True)
class Rule:
    """A refusal openapi.yaml describes in words because JSON Schema cannot express it."""

    status: int
    slug: str
    # Where the problem's `errors[]` entry points: ("pointer" | "parameter" | "header", regex), or None for a
    # problem without `errors`.
    where: tuple[str, str] | None
    detail: str
    why: str

    def covers(self, status: int, slug: str, error: dict | None) -> bool:
        if status != self.status or slug != self.slug:
            return False
        if self.where is None:
            return error is None
        if error is None:
            return False
        key, pattern = self.where
        return (
            isinstance(error.get(key), str)
            and re.fullmatch(pattern, error[key]) is not None
            and re.search(self.detail, str(error.get("detail", ""))) is not None
        )


BEYOND_THE_SCHEMA = [
    Rule(400, "invalid-parameter", ("parameter", "cursor"), r"^is not a cursor this API issued",
         "a cursor is valid only as the `next_cursor` the API answered for the same list"),
    Rule(422, "idempotency-key-reused", None, "",
         "an Idempotency-Key used before with another body (docs/api-conventions.md, Idempotency)"),
    Rule(428, "precondition-required", None, "",
         "a credit or debit note needs If-Match or Idempotency-Key, either of two optional headers"),
    Rule(400, "invalid-header", ("header", r"If-Match"), r"is not a list of quoted ETags",
         "schemathesis sends header values outside their documented pattern (a bare `0` for If-Match)"),
    Rule(412, "precondition-failed", None, "",
         "If-Match names a version the resource (an order, an invoice, the settings) no longer has: stored data"),
    Rule(422, "validation", ("pointer", r"/tenant"), r"^these are the settings of \S+; leave tenant out or name it$",
         "a seller's settings are its own"),
    Rule(422, "validation", ("pointer", r"/invoicing/iban"), r"^not an IBAN \(ISO 13616",
         "an IBAN's check digits hold (mod 97)"),
    Rule(422, "validation", ("pointer", r"/invoicing"), r"^invoices, credit notes and debit notes are numbered in series",
         "the three series prefixes differ"),
    Rule(422, "validation", ("pointer", r"/peppol_id"), r".",
         "a Peppol id's identifier is visible characters"),
    Rule(422, "validation", ("pointer", r"/invoicing/bic"), r"^a BIC is",
         "a BIC's bank code is letters"),
    Rule(422, "validation", ("pointer", r"/buyer/customer_id"), r"^no customer .* in your customer register$",
         "the customer must exist in the seller's register"),
    Rule(422, "validation", ("pointer", r"(?:/(?:add_)?lines/\d+)?/discount"),
         r"^amount has more decimals than [A-Z]{3} allows \(\d\)$",
         "money off has at most as many decimals as the order's currency has minor units"),
    Rule(422, "validation", ("pointer", r"(?:/(?:add_)?lines/\d+)?/discount"), r"^discount \S+ exceeds the line amount ",
         "money off a line is at most the line's amount (its quantity times its price)"),
    Rule(422, "validation", ("pointer", r"(?:/(?:add_)?lines/\d+)?/unit_price"),
         r"^\S+ is priced in [A-Z]{3}, not [A-Z]{3}; send a unit_price in [A-Z]{3}$",
         "a product priced in another currency than the order's needs the line's own unit_price"),
    Rule(422, "validation", ("pointer", r"/blanket_order_id"), r"^no order ord_[0-9a-f]{32}$",
         "a call-off names a blanket order of the seller's"),
    Rule(422, "validation", ("pointer", r"/(?:add_)?lines/\d+/sku"), r"^unknown SKU ",
         "the product must exist in the seller's catalogue"),
    Rule(422, "validation", ("pointer", r"(?:/(?:add_)?lines/\d+)?/requested_delivery_date|/valid_until_date"),
         r" is in the past \(today is \d{4}-\d{2}-\d{2}\)$",
         "requested delivery dates and a quote's validity may not lie in the past (UTC)"),
    Rule(422, "validation", ("pointer", r"/valid_until_date"), r"^a quote is valid for at most \d+ days$",
         "a quote's validity ends at most so many days from today"),
    Rule(422, "validation", ("pointer", r"/expires_date"), r"^a date from today to \d+ days ahead",
         "an API key expires from today to two years ahead"),
    Rule(422, "validation", ("pointer", r"/(?:from|to)_date"), r" is in the future \(today is \d{4}-\d{2}-\d{2}\)$",
         "a report covers days up to today"),
    Rule(422, "validation", ("pointer", r"/to_date"), r"^\d{4}-\d{2}-\d{2} is before from_date |^at most \d+ days at a time$",
         "a report's to_date is not before its from_date, and at most 366 days after it"),
    Rule(400, "invalid-parameter", ("parameter", "received_to"), r"^must not be before received_from$",
         "a range's end is not before its start"),
    Rule(400, "invalid-parameter", ("parameter", "customer"), r"^no customer .* in your customer register$",
         "the customer must exist in the seller's register"),
    Rule(422, "validation", ("pointer", r"/(?:lines|delivery_addresses)/\d+/(?:line_no|line_id|id)"),
         r" is (?:named|used) twice$",
         "a line (or a delivery address id) is named once; JSON Schema's uniqueItems compares whole items"),
    Rule(422, "validation", ("pointer", r"/remove_lines/\d+"), r"^line \d+ is both changed and removed$",
         "a line is not both changed and removed"),
    Rule(422, "validation", ("pointer", r"/expected_delivery_date"), r"^must not be before the despatch date$",
         "a despatch is not expected before it is despatched"),
    Rule(422, "validation", ("pointer", r"/lot"), r" is not lot-tracked$| is lot-tracked: name the lot$",
         "a lot-tracked product's stock is kept per lot, another product's not"),
    # What an order, quote or invoice that exists holds: its lines, what is open, reserved or left to credit.
    Rule(422, "validation", ("pointer", r"/lines/\d+/line_no|/remove_lines/\d+"), r"^the order has no line \d+$",
         "line numbers are the order's"),
    Rule(422, "validation", ("pointer", r"/lines/\d+/(?:quantity|confirmed_quantity)"),
         r"^line \d+ has (?:only )?\S+|^only \S+ of \S+ is reserved for line \d+$|^more than the \S+ ordered$",
         "a quantity is at most what the order's line has (ordered, open, reserved)"),
    Rule(422, "validation", ("pointer", r"/remove_lines"), r"^an order keeps at least one line; cancel it instead$",
         "an order keeps at least one line"),
    Rule(422, "validation", ("pointer", r"|/allowances"), r"allowances (?:would )?exceed the (?:changed )?order amount$",
         "the allowances are at most the order's amount"),
    Rule(422, "validation", ("pointer", r"|/lines|/order_ids"),
         r"^the order's amounts reach \S+; an order's amounts must stay below \d+$",
         "an order's total (its quantities times prices, summed) stays below what reports store"),
    Rule(422, "validation", ("pointer", r"/order_ids/\d+"), r"^ord_[0-9a-f]{32} differs from ord_[0-9a-f]{32}: ",
         "merged orders have the same buyer, currency, delivery address and type"),
    Rule(422, "validation", ("pointer", r"/lines"),
         r"^\S+ has no line \d+$|^line \d+: \S+ cannot be credited; |^\S+ is a \w+, not an invoice$",
         "a note's lines are the invoice's, and credit at most what is left of them"),
    Rule(422, "validation", ("pointer", r"/version"), r"^quote \S+ has no version \d+ for you$",
         "a buyer accepts or declines a version of the quote they were sent"),
    Rule(422, "validation", ("pointer", r"/buyer/customer_id"), r"^a new version is for the same buyer, ",
         "a quote's new version is for the quote's buyer"),
    Rule(422, "validation", ("pointer", r"/delivery_address"),
         r"^this seller delivers only to the addresses of your customer record",
         "a typed delivery address is taken only where the seller's settings allow it"),
    Rule(422, "validation", ("pointer", r"/delivery_address_id"), r"^not one of your delivery addresses ",
         "a portal order goes to one of the customer's stored delivery addresses"),
    Rule(422, "validation", ("pointer", r"/cart_id"), r"^the cart is empty",
         "a cart is ordered when it holds something"),
    Rule(422, "validation", ("pointer", r"/url"), r".",
         "a webhook endpoint's URL is https:// to a host (http:// only to 127.0.0.1 locally), with a port from 1 to "
         "65535, without spaces, user name, password or fragment (openapi.yaml, createWebhookEndpoint)"),
    # A Peppol BIS Order (POST /v1/orders as application/xml) is a string to JSON Schema; the T01 rules, its buyer and
    # its products are described in words (openapi.yaml, createOrder; docs/decisions/0016-peppol-order-intake.md).
    Rule(422, "document-refused", ("location", r"/.*"), r".",
         "a Peppol Order keeps the official T01 rules and names a registered buyer and the seller's products"),
    Rule(400, "malformed-request", ("pointer", r""), r"^not well-formed XML: ",
         "an XML body is well-formed XML"),
    Rule(422, "validation", ("pointer", r"/target_stock"), r"^needs a min_stock |^must be at least min_stock ",
         "a reorder level needs the minimum below which a reorder is suggested, and is at least that minimum"),
    Rule(422, "validation", ("pointer", r"/gtin"), r"check digit is wrong$",
         "a GTIN's last digit is its GS1 check digit"),
    # POST /v1/orders takes one body for two posters (openapi.yaml, createOrder): what it must hold depends on the
    # key's role, which JSON Schema cannot see.
    Rule(422, "validation", ("pointer", r"/order_number"), r"^is required$",
         "a webshop's order carries its own order number (staff orders are numbered from the seller's series)"),
    Rule(422, "validation", ("pointer", r"/channel"), r"^is your API key's channel; leave it out$",
         "a webshop's channel is its key's"),
    Rule(422, "validation", ("pointer", r"/channel"), r"^is required$",
         "staff name the channel an order came in (phone, email, fax)"),
    Rule(422, "validation", ("pointer", r"/order_number"), r"^is assigned from your order series; leave it out$",
         "staff orders are numbered from the seller's series"),
    Rule(422, "validation", ("pointer", r"/schedule/until"),
         r" is in the past \(today is \d{4}-\d{2}-\d{2}\)$|^may lie at most ten years ahead$",
         "a standing order's schedule ends from today to ten years ahead"),
    Rule(422, "validation", ("pointer", r"/lines/\d+/(?:description|vat_rate|vat_category)"),
         r"^free-text lines are for orders your staff enter; name a product \(sku\)$",
         "free-text lines are for orders staff enter"),
]


def refused_only_beyond_the_schema(response) -> bool:
    """Whether the response is a problem every part of which is one of BEYOND_THE_SCHEMA."""
    try:
        problem = response.json()
    except ValueError:
        return False
    if not isinstance(problem, dict) or not str(problem.get("type", "")).startswith(PROBLEM_BASE):
        return False
    slug = problem["type"][len(PROBLEM_BASE):]
    errors = problem.get("errors")
    if errors is None:
        return any(rule.covers(response.status_code, slug, None) for rule in BEYOND_THE_SCHEMA)
    if not isinstance(errors, list) or not errors:
        return False
    return all(
        isinstance(error, dict) and any(rule.covers(response.status_code, slug, error) for rule in BEYOND_THE_SCHEMA)
        for error in errors
    )


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx, response, case):
    """`positive_data_acceptance`, but a refusal that cites only rules of BEYOND_THE_SCHEMA passes."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if refused_only_beyond_the_schema(response):
            return None
        raise
