//! What a buyer does in the portal, as pure rules: a cart kept server-side (with a "save for later" list), the
//! order document a cart becomes (placed through the same parsing and pricing as a webshop's order), re-ordering,
//! and the requests and messages a buyer sends about an order — which never change the order by themselves.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::ids::Sku;
use crate::order::Order;
use crate::validation::FieldError;

/// At most this many different SKUs in a cart (both lists together).
pub const MAX_CART_LINES: usize = 200;
/// A buyer's request or message text: at most this many characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// One SKU in the cart, or on the "save for later" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// Product.
    pub sku: Sku,
    /// How many.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// On the "save for later" list instead of in the cart (not ordered).
    #[serde(default)]
    pub saved_for_later: bool,
}

/// A buyer's cart at one seller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// Names this cart until it is ordered (then the next cart gets a new one): ordering the same cart twice
    /// places one order.
    pub cart_id: String,
    /// Counts writes; a write names the version it read (optimistic concurrency).
    pub version: u64,
    /// Lines in the order they were added.
    pub lines: Vec<CartLine>,
}

impl Cart {
    /// An empty cart with a fresh id.
    pub fn empty() -> Self {
        Self { cart_id: new_cart_id(), version: 0, lines: Vec::new() }
    }

    /// Sets `sku`'s quantity and list (a quantity of 0 removes it).
    pub fn set_line(&mut self, sku: Sku, quantity: Decimal, saved_for_later: bool) -> Result<(), FieldError> {
        check_quantity(quantity, "/quantity")?;
        if quantity.is_zero() {
            self.lines.retain(|l| l.sku != sku);
            return Ok(());
        }
        let full = self.lines.len() >= MAX_CART_LINES;
        match self.lines.iter_mut().find(|l| l.sku == sku) {
            Some(line) => {
                line.quantity = quantity;
                line.saved_for_later = saved_for_later;
            }
            None if full => {
                return Err(FieldError::new("/sku", format!("a cart holds at most {MAX_CART_LINES} products")))
            }
            None => self.lines.push(CartLine { sku, quantity, saved_for_later }),
        }
        Ok(())
    }

    /// Adds the lines of an earlier order to the cart (quantities add up; a product saved for later moves into
    /// the cart).
    pub fn add_order(&mut self, order: &Order) -> Result<(), FieldError> {
        for line in &order.lines {
            // A free-text line was the seller's own text, not a product the buyer can order again.
            let Some(sku) = &line.sku else { continue };
            let full = self.lines.len() >= MAX_CART_LINES;
            match self.lines.iter_mut().find(|l| l.sku == *sku) {
                Some(existing) => {
                    existing.quantity += line.quantity;
                    existing.saved_for_later = false;
                }
                None if full => {
                    return Err(FieldError::new("", format!("a cart holds at most {MAX_CART_LINES} products")))
                }
                None => self.lines.push(CartLine { sku: sku.clone(), quantity: line.quantity, saved_for_later: false }),
            }
        }
        Ok(())
    }

    /// The lines to order now (not saved for later).
    pub fn ordered_lines(&self) -> impl Iterator<Item = &CartLine> {
        self.lines.iter().filter(|l| !l.saved_for_later)
    }

    /// The cart after it was ordered: a new id, only the saved-for-later list left.
    pub fn after_ordering(&self) -> Self {
        Self {
            cart_id: new_cart_id(),
            version: self.version,
            lines: self.lines.iter().filter(|l| l.saved_for_later).cloned().collect(),
        }
    }

    /// The cart under a new id, with the same lines (its earlier content was ordered under the old one).
    pub fn renewed(&self) -> Self {
        Self { cart_id: new_cart_id(), ..self.clone() }
    }

    /// The order number of an order placed from this cart (stable per cart: placing twice finds one order).
    pub fn order_number(&self) -> String {
        format!("P-{}", self.cart_id.trim_start_matches("crt_").get(..16).unwrap_or_default().to_uppercase())
    }
}

fn new_cart_id() -> String {
    format!("crt_{}", uuid::Uuid::new_v4().simple())
}

fn check_quantity(quantity: Decimal, pointer: &str) -> Result<(), FieldError> {
    if quantity.is_sign_negative() || quantity.scale() > 4 || quantity > Decimal::from(1_000_000) {
        return Err(FieldError::new(pointer, "a quantity from 0 to 1000000 with at most 4 decimals"));
    }
    Ok(())
}

/// What a buyer adds when ordering a cart: where and when to deliver, and a note.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkout {
    /// The cart being ordered (as the buyer last saw it).
    pub cart_id: String,
    /// Which of the customer's stored delivery addresses (the first when missing).
    #[serde(default)]
    pub delivery_address_id: Option<String>,
    /// A typed delivery address, where the seller allows it.
    #[serde(default)]
    pub delivery_address: Option<Value>,
    /// Requested delivery date (`YYYY-MM-DD`).
    #[serde(default)]
    pub requested_delivery_date: Option<String>,
    /// The buyer's note.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Where a portal order of `customer` goes: the stored delivery address the checkout names, else the first one
/// (the billing address when there is no other); a typed address only where `typed_allowed` (the seller lets
/// account keys type one), never otherwise.
pub fn delivery_address(
    customer: &crate::catalogue::Customer,
    checkout: &Checkout,
    typed_allowed: bool,
) -> Result<Value, FieldError> {
    let stored = customer.portal_delivery_addresses();
    match (&checkout.delivery_address, &checkout.delivery_address_id) {
        (Some(_), Some(_)) => {
            Err(FieldError::new("/delivery_address", "give delivery_address_id or delivery_address, not both"))
        }
        (Some(_), None) if !typed_allowed => Err(FieldError::new(
            "/delivery_address",
            "this seller delivers only to the addresses of your customer record: choose one by delivery_address_id",
        )),
        (Some(typed), None) => Ok(typed.clone()),
        (None, Some(id)) => stored
            .iter()
            .find(|a| a.id == *id)
            .map(|a| serde_json::to_value(&a.address).unwrap_or_default())
            .ok_or_else(|| {
                let ids: Vec<&str> = stored.iter().map(|a| a.id.as_str()).collect();
                FieldError::new(
                    "/delivery_address_id",
                    format!("not one of your delivery addresses ({})", ids.join(", ")),
                )
            }),
        (None, None) => stored.first().map(|a| serde_json::to_value(&a.address).unwrap_or_default()).ok_or_else(|| {
            FieldError::new("/delivery_address_id", "your customer record has no address: ask the seller to add one")
        }),
    }
}

/// The order document of `cart` as a webshop would post it (so it is checked and priced by the same rules):
/// the buyer `customer_id`, in `currency`, to `address` (see [`delivery_address`]). Pointers of its problems are
/// the checkout's (`/delivery_address/…`, `/requested_delivery_date`, `/notes`) or the cart's (`/lines/{i}/…`, in
/// the order of [`Cart::ordered_lines`]).
pub fn order_document(
    cart: &Cart,
    checkout: &Checkout,
    customer_id: &str,
    currency: &str,
    address: Value,
) -> Result<Value, FieldError> {
    let lines: Vec<Value> =
        cart.ordered_lines().map(|l| json!({ "sku": l.sku, "quantity": l.quantity.to_string() })).collect();
    if lines.is_empty() {
        return Err(FieldError::new("/cart_id", "the cart is empty: add products before ordering"));
    }
    let mut document = json!({
        "order_number": cart.order_number(),
        "type": "purchase",
        "currency": currency,
        "buyer": { "customer_id": customer_id },
        "delivery_address": address,
        "lines": lines,
    });
    if let Some(date) = &checkout.requested_delivery_date {
        document["requested_delivery_date"] = json!(date);
    }
    if let Some(notes) = checkout.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        document["notes"] = json!(notes);
    }
    Ok(document)
}

/// What a buyer asks the seller about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Change quantities or dates.
    Change,
    /// Cancel the order.
    Cancellation,
}

/// Where a buyer's request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the seller.
    Open,
    /// The seller did what was asked (through the order's own actions).
    Done,
    /// The seller said no.
    Declined,
}

/// A buyer's change or cancellation request: it reaches the seller and changes nothing by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerRequest {
    /// `req_` + UUID.
    pub request_id: String,
    /// Change or cancellation.
    pub kind: RequestKind,
    /// What the buyer asks, in their words.
    pub message: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Who made it (`buyer:C-1`).
    pub requested_by: String,
    /// When the seller answered it.
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<OffsetDateTime>,
    /// Who answered (`operator:key_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    /// The seller's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<String>,
}

/// How many messages one buyer may write about one order.
pub const MAX_MESSAGES_PER_ORDER: u32 = 20;
/// How many change or cancellation requests one buyer may make about one order.
pub const MAX_REQUESTS_PER_ORDER: u32 = 10;

/// A message a buyer wrote about an order in the portal. It is the buyer's words: kept apart from the seller's
/// notes, and never put into an email as the seller's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerMessage {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The buyer who wrote it.
    pub customer_id: crate::ids::CustomerId,
    /// What they wrote (checked by [`buyer_text`]).
    pub text: String,
}

/// What a buyer may add to an order, each up to its own limit per buyer and order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuyerContribution {
    /// A message ([`MAX_MESSAGES_PER_ORDER`]).
    Message,
    /// A change or cancellation request ([`MAX_REQUESTS_PER_ORDER`]).
    Request,
}

impl BuyerContribution {
    /// How many of it one buyer may add to one order.
    pub fn limit(self) -> u32 {
        match self {
            Self::Message => MAX_MESSAGES_PER_ORDER,
            Self::Request => MAX_REQUESTS_PER_ORDER,
        }
    }

    /// What the buyer is told at the limit.
    pub fn limit_reached(self) -> String {
        match self {
            Self::Message => format!(
                "you have written {MAX_MESSAGES_PER_ORDER} messages about this order, the most the portal takes; \
                 please contact the seller directly"
            ),
            Self::Request => format!(
                "you have made {MAX_REQUESTS_PER_ORDER} requests about this order, the most the portal takes; \
                 please contact the seller directly"
            ),
        }
    }
}

/// A request as the buyer sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDraft {
    /// `change` or `cancellation`.
    pub kind: RequestKind,
    /// What the buyer asks.
    pub message: String,
}

/// A buyer's text (request or message): trimmed, line breaks as LF, 1 to [`MAX_TEXT_CHARS`] characters, none
/// of the characters [`crate::validation::is_forbidden_text_char`] refuses in multi-line text.
pub fn buyer_text(text: &str, pointer: &str) -> Result<String, FieldError> {
    let text = text.trim().replace("\r\n", "\n");
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(FieldError::new(pointer, format!("write 1 to {MAX_TEXT_CHARS} characters")));
    }
    if let Some(problem) = crate::validation::text_problem(&text, true) {
        return Err(FieldError::new(pointer, problem));
    }
    Ok(text)
}

/// A new request on `order`: refused (with why) once nothing can change any more — a cancellation once
/// anything shipped, any request once the order is finished.
pub fn new_request(
    order: &Order,
    draft: &RequestDraft,
    requested_by: &str,
    now: OffsetDateTime,
) -> Result<BuyerRequest, String> {
    let message = buyer_text(&draft.message, "/message").map_err(|e| e.detail)?;
    let shipped = order.lines.iter().any(|l| l.shipped_quantity > Decimal::ZERO);
    if order.status.is_final() {
        return Err(format!("order {} is {}; nothing can change any more", order.order_number, order.status.as_str()));
    }
    if !order.status.can_request() {
        return Err(format!(
            "order {} is {}: everything has shipped; ask the seller for a return instead",
            order.order_number,
            order.status.as_str()
        ));
    }
    if draft.kind == RequestKind::Cancellation && shipped {
        return Err(format!(
            "part of order {} has shipped; ask for a change of what is still open instead of a cancellation",
            order.order_number
        ));
    }
    Ok(BuyerRequest {
        request_id: format!("req_{}", uuid::Uuid::now_v7().simple()),
        kind: draft.kind,
        message,
        status: RequestStatus::Open,
        requested_at: now,
        requested_by: requested_by.to_owned(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;

    fn sku(value: &str) -> Sku {
        Sku::parse(value).expect("sku")
    }

    #[test]
    fn a_cart_sets_moves_and_removes_lines_and_keeps_the_saved_list_after_ordering() {
        let mut cart = Cart::empty();
        cart.set_line(sku("A"), dec!(2), false).expect("add");
        cart.set_line(sku("B"), dec!(1), false).expect("add");
        cart.set_line(sku("B"), dec!(3), true).expect("save for later");
        cart.set_line(sku("C"), dec!(1), false).expect("add");
        cart.set_line(sku("C"), dec!(0), false).expect("remove");
        assert_eq!(cart.ordered_lines().map(|l| l.sku.to_string()).collect::<Vec<_>>(), ["A"]);
        assert!(cart.set_line(sku("A"), dec!(-1), false).is_err());
        assert!(cart.set_line(sku("A"), dec!(1.00001), false).is_err());
        let next = cart.after_ordering();
        assert_ne!(next.cart_id, cart.cart_id);
        assert_eq!(next.lines, vec![CartLine { sku: sku("B"), quantity: dec!(3), saved_for_later: true }]);
        assert!(cart.order_number().starts_with("P-") && cart.order_number().len() == 18);
    }

    #[test]
    fn a_cart_becomes_a_webshop_order_document() {
        let mut cart = Cart::empty();
        let checkout = Checkout { cart_id: cart.cart_id.clone(), ..Checkout::default() };
        let to = json!({"name": "X"});
        assert_eq!(order_document(&cart, &checkout, "C-1", "EUR", to.clone()).expect_err("empty").pointer, "/cart_id");
        cart.set_line(sku("A"), dec!(2.5), false).expect("add");
        cart.set_line(sku("B"), dec!(1), true).expect("saved");
        let document = order_document(&cart, &checkout, "C-1", "EUR", to).expect("document");
        assert_eq!(document["lines"], json!([{"sku": "A", "quantity": "2.5"}]));
        assert_eq!(document["buyer"]["customer_id"], "C-1");
        assert_eq!(document["order_number"], json!(cart.order_number()));
    }

    #[test]
    fn a_portal_order_goes_to_a_stored_address_and_to_a_typed_one_only_where_the_seller_allows_it() {
        use crate::catalogue::DeliveryAddress;
        let address = |city: &str| crate::party::Address {
            name: "Buyer".into(),
            street: "Street 1".into(),
            additional_street: None,
            city: city.into(),
            postal_code: "1".into(),
            country: "SE".into(),
        };
        let mut customer = fixtures::customer();
        customer.address = Some(address("Billing"));
        let checkout = |id: Option<&str>, typed: Option<Value>| Checkout {
            cart_id: "c".into(),
            delivery_address_id: id.map(str::to_owned),
            delivery_address: typed,
            ..Checkout::default()
        };
        let city = |result: Result<Value, FieldError>| result.map(|v| v["city"].clone()).map_err(|e| e.pointer);
        assert_eq!(city(delivery_address(&customer, &checkout(None, None), false)), Ok(json!("Billing")));
        assert_eq!(city(delivery_address(&customer, &checkout(Some("billing"), None), false)), Ok(json!("Billing")));
        customer.delivery_addresses = vec![
            DeliveryAddress { id: "dock".into(), address: address("Dock") },
            DeliveryAddress { id: "shop".into(), address: address("Shop") },
        ];
        assert_eq!(city(delivery_address(&customer, &checkout(None, None), false)), Ok(json!("Dock")));
        assert_eq!(city(delivery_address(&customer, &checkout(Some("shop"), None), false)), Ok(json!("Shop")));
        assert_eq!(
            city(delivery_address(&customer, &checkout(Some("billing"), None), false)),
            Err("/delivery_address_id".into()),
            "with delivery addresses stored, the billing address is not one"
        );
        let typed = json!({"city": "Anywhere"});
        assert_eq!(
            city(delivery_address(&customer, &checkout(None, Some(typed.clone())), false)),
            Err("/delivery_address".into()),
            "never a typed address unless the seller allows it"
        );
        assert_eq!(city(delivery_address(&customer, &checkout(None, Some(typed)), true)), Ok(json!("Anywhere")));
        customer.delivery_addresses.clear();
        customer.address = None;
        assert_eq!(city(delivery_address(&customer, &checkout(None, None), false)), Err("/delivery_address_id".into()));
    }

    #[test]
    fn requests_are_refused_once_nothing_can_change() {
        let mut order = fixtures::order(OrderType::Purchase, &[("S1", dec!(2))]);
        let now = OffsetDateTime::now_utc();
        let cancel = RequestDraft { kind: RequestKind::Cancellation, message: " Please cancel ".into() };
        order.status = OrderStatus::Accepted;
        let request = new_request(&order, &cancel, "buyer:C-1", now).expect("open order");
        assert_eq!((request.message.as_str(), request.status), ("Please cancel", RequestStatus::Open));
        order.lines[0].shipped_quantity = dec!(1);
        order.status = OrderStatus::PartiallyDelivered;
        assert!(new_request(&order, &cancel, "buyer:C-1", now).is_err());
        let change = RequestDraft { kind: RequestKind::Change, message: "Only 1 more".into() };
        assert!(new_request(&order, &change, "buyer:C-1", now).is_ok());
        order.status = OrderStatus::Delivered;
        assert!(new_request(&order, &change, "buyer:C-1", now).is_err());
        let empty = RequestDraft { kind: RequestKind::Change, message: "  ".into() };
        order.status = OrderStatus::Accepted;
        assert!(new_request(&order, &empty, "buyer:C-1", now).is_err());
        assert!(buyer_text("a\u{7}b", "/text").is_err());
    }
}
