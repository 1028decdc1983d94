//! JSON representations shared by the API functions (docs/api-conventions.md "Fields": decimals as strings,
//! snake_case; "Time": RFC 3339 timestamps, `YYYY-MM-DD` dates).
//!
//! Each resource has typed view structs, built field by field from the domain types, so that the API's shape is
//! written down here and never follows the domain's own serde: renaming a domain field is a compile error in these
//! modules, not a silent API change. Only plain scalar values (ids, currency, statuses, types, SKUs, VAT categories)
//! are shown in their own serde form, which is the wire format (docs/api-conventions.md "Fields").

mod document;
mod order;
mod product;
mod quote;

pub use document::document_json;
pub use order::{order_json, order_row_json, staff_order_json};
pub use product::product_json;
pub use quote::{quote_json, quote_versions_json};

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::format_description::BorrowedFormatItem;
use time::{Date, OffsetDateTime};

/// Calendar dates as `YYYY-MM-DD` (docs/api-conventions.md "Time").
const ISO_DATE: &[BorrowedFormatItem<'_>] = time::macros::format_description!("[year]-[month]-[day]");

/// A decimal as a JSON string (`"12.50"`), the API's money and quantity format (docs/api-conventions.md "Fields").
fn decimal_string<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_string())
}

/// A timestamp in RFC 3339 (docs/api-conventions.md "Time"), or `None` when RFC 3339 cannot express it (a year
/// outside 0000–9999, an offset with seconds).
fn rfc3339(at: OffsetDateTime) -> Option<String> {
    at.format(&Rfc3339).ok()
}

/// A calendar date as `YYYY-MM-DD` (docs/api-conventions.md "Time"), or `None` when it cannot be written so.
fn iso_date(date: Date) -> Option<String> {
    date.format(ISO_DATE).ok()
}

/// An optional value written by `write`: `Some(None)` when absent, `None` when present but not writable.
fn optional<T, U>(value: Option<T>, write: impl FnOnce(T) -> Option<U>) -> Option<Option<U>> {
    match value {
        None => Some(None),
        Some(value) => write(value).map(Some),
    }
}

/// The JSON of a view. Views hold only strings, numbers, booleans and plain scalar values, and timestamps and
/// dates are written before, so this does not fail; were it to, the answer is an empty object.
fn to_json(view: &impl Serialize) -> Value {
    serde_json::to_value(view).unwrap_or_else(|_| Value::Object(serde_json::Map::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use orders_domain::adjustment::{AdjustmentKind, DocumentAdjustment};
    use orders_domain::fixtures;
    use orders_domain::ids::{OrderId, QuoteId, Sku, WarehouseId};
    use orders_domain::order::{
        Consignee, HistoryEntry, Order, OrderReferences, OrderType, QuoteReference, StockWarning,
    };
    use orders_domain::party::{Address, PeppolId};
    use orders_domain::quote::{Quote, QuoteStatus};
    use orders_domain::stock::{LineOutcome, Reservation};
    use orders_domain::tax::VatCategory;
    use rust_decimal::Decimal;

    /// Every key path of `value` (`a.b`, arrays as `a[]`), sorted.
    fn key_paths(value: &Value, prefix: &str, paths: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    paths.push(path.clone());
                    key_paths(inner, &path, paths);
                }
            }
            Value::Array(items) => {
                for item in items {
                    key_paths(item, &format!("{prefix}[]"), paths);
                }
            }
            _ => {}
        }
    }

    fn shape(value: &Value) -> Vec<String> {
        let mut paths = Vec::new();
        key_paths(value, "", &mut paths);
        paths.sort();
        paths.dedup();
        paths
    }

    fn valid<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
        match result {
            Ok(value) => value,
            Err(error) => panic!("test data is valid: {error:?}"),
        }
    }

    fn address(name: &str) -> Address {
        Address {
            name: name.into(),
            street: "Hamngatan 2".into(),
            additional_street: Some("Building B".into()),
            city: "Göteborg".into(),
            postal_code: "411 06".into(),
            country: "SE".into(),
        }
    }

    /// An order with every optional part of its own set (requested delivery, notes, response, final consignee,
    /// blanket order, adjustments, reservations, references), so that all of them are pinned.
    fn sample() -> (Order, Vec<HistoryEntry>) {
        let mut order = fixtures::order(OrderType::CrossDocking, &[("SKU-1", Decimal::new(2, 0))]);
        order.requested_delivery_date = Some(time::macros::date!(2026 - 12 - 24));
        order.notes = Some("Ring twice".into());
        order.response_reason = Some("All in stock".into());
        order.responded_at = Some(order.received_at);
        order.final_consignee = Some(Consignee { address: address("Final Consignee AB") });
        order.blanket_order_id = Some(OrderId::generate());
        order.schedule = Some(orders_domain::standing::Schedule {
            every: orders_domain::standing::Period::Month,
            until: time::macros::date!(2027 - 06 - 30),
        });
        order.adjustments = vec![DocumentAdjustment {
            kind: AdjustmentKind::Charge,
            reason: "Freight".into(),
            amount: Decimal::new(4900, 2),
            vat_category: VatCategory::S,
            vat_rate: Decimal::new(25, 0),
        }];
        order.reservations = vec![Reservation {
            sku: valid(Sku::parse("SKU-1")),
            warehouse: valid(WarehouseId::parse("a")),
            lot: Some("LOT-7".into()),
            quantity: Decimal::new(2, 0),
        }];
        order.references = OrderReferences {
            split_from: Some(OrderId::generate()),
            split_into: vec![OrderId::generate()],
            merged_from: vec![OrderId::generate()],
            merged_into: Some(OrderId::generate()),
            quote: Some(QuoteReference { quote_id: QuoteId::generate(), version: 2 }),
        };
        let history = vec![HistoryEntry {
            at: order.received_at,
            actor: "webshop:key_1".into(),
            action: "received".into(),
            detail: "Order received".into(),
        }];
        (order, history)
    }

    /// The sample with every optional part of the buyer and the lines set too.
    fn full_sample() -> (Order, Vec<HistoryEntry>) {
        let (mut order, history) = sample();
        order.buyer.language = Some(valid(orders_domain::party::Language::parse("sv")));
        order.buyer.vat_id = Some("SE556036079301".into());
        order.buyer.address = Some(address("Anna Buyer"));
        order.buyer.peppol_id = Some(PeppolId { scheme: "0007".into(), id: "5560360793".into() });
        for line in &mut order.lines {
            line.discount = Some(orders_domain::money::Discount::Percent(Decimal::new(10, 0)));
            line.requested_delivery_date = Some(time::macros::date!(2026 - 12 - 20));
            line.called_off_quantity = Decimal::new(1, 0);
            line.stock_warning =
                Some(StockWarning { available_quantity: Decimal::new(1, 0), detail: "Only 1 available".into() });
            line.line_status = Some(LineOutcome::Changed);
            line.note = Some("One left".into());
        }
        (order, history)
    }

    /// An accepted quote of the full sample's lines, with every optional part set (a decline reason too, so that it is
    /// pinned).
    fn quote_sample() -> Quote {
        let (order, _) = full_sample();
        Quote {
            id: QuoteId::generate(),
            tenant: order.tenant.clone(),
            version: 1,
            status: QuoteStatus::Accepted,
            order_type: order.order_type,
            currency: order.currency,
            buyer: order.buyer.clone(),
            delivery_address: order.delivery_address.clone(),
            requested_delivery_date: order.requested_delivery_date,
            lines: order.lines.clone(),
            adjustments: order.adjustments.clone(),
            totals: order.totals.clone(),
            vat_breakdown: order.vat_breakdown.clone(),
            valid_until_date: time::macros::date!(2026 - 12 - 31),
            notes: Some("Valid while stock lasts".into()),
            created_at: order.received_at,
            sent_at: Some(order.received_at),
            decided_at: Some(order.received_at),
            decline_reason: Some("Too expensive".into()),
            order_id: Some(order.id.clone()),
        }
    }

    /// The API's order shape is pinned here: renaming a field of the domain's `Order` must fail this test (and be
    /// decided as an API change), never change the API silently.
    #[test]
    fn the_order_view_keeps_its_shape() {
        let (order, history) = sample();
        let paths = shape(&staff_order_json(&order, &history));
        let pinned = PINNED_STAFF_ORDER;
        assert_eq!(paths, pinned, "the API shape of an order changed:\n{paths:#?}");
        let webshop = shape(&order_json(&order, Some(&history)));
        assert!(webshop.iter().all(|p| pinned.contains(&p.as_str())), "the webshop view is a part of the staff view");
        assert!(!webshop.iter().any(|p| p.starts_with("reservations") || p == "tenant"), "{webshop:?}");
        let expected: Vec<&str> = pinned.iter().copied().filter(|p| !p.starts_with("reservations")).collect();
        assert_eq!(webshop, expected, "the webshop view is the staff view without reservations");
    }

    /// The optional parts of the buyer and the lines, pinned as well.
    #[test]
    fn the_order_view_keeps_the_shape_of_its_optional_buyer_and_line_parts() {
        let (order, history) = full_sample();
        let paths = shape(&staff_order_json(&order, &history));
        let mut pinned: Vec<&str> = PINNED_STAFF_ORDER.iter().chain(PINNED_OPTIONAL_PARTS).copied().collect();
        pinned.sort_unstable();
        assert_eq!(paths, pinned, "the API shape of an order changed:\n{paths:#?}");
    }

    #[test]
    fn the_order_row_keeps_its_shape() {
        let (order, _) = sample();
        assert_eq!(shape(&order_row_json(&order)), PINNED_ORDER_ROW);
    }

    /// The quote's shape: the order's header, buyer, lines (without `open_quantity`) and amounts, plus its version,
    /// validity and decision; the versions view adds `versions` with every version in the same shape.
    #[test]
    fn the_quote_view_keeps_its_shape() {
        let quote = quote_sample();
        let today = time::macros::date!(2026 - 11 - 23);
        let paths = shape(&quote_json(&quote, today));
        assert_eq!(paths, PINNED_QUOTE, "the API shape of a quote changed:\n{paths:#?}");
        let versions = shape(&quote_versions_json(&[quote.clone(), quote], today));
        let mut pinned: Vec<String> = PINNED_QUOTE.iter().map(|p| (*p).to_owned()).collect();
        pinned.push("versions".into());
        pinned.extend(PINNED_QUOTE.iter().map(|p| format!("versions[].{p}")));
        pinned.sort();
        assert_eq!(versions, pinned);
    }

    #[test]
    fn the_product_view_keeps_its_shape() {
        let (order, _) = sample();
        let product = orders_domain::catalogue::Product {
            sku: order.lines[0].sku.clone().expect("a product line"),
            name: "Product".into(),
            unit: "C62".into(),
            price: Decimal::new(1000, 2),
            currency: order.currency,
            vat_category: VatCategory::S,
            vat_rate: Decimal::new(25, 0),
            cost_price: Some(Decimal::new(500, 2)),
            lot_tracked: true,
            min_stock: Some(Decimal::new(3, 0)),
            target_stock: None,
            gtin: None,
        };
        let value = product_json(&product, None, None, Decimal::new(7, 0));
        assert_eq!(shape(&value), PINNED_PRODUCT);
        assert_eq!(value["discount"], Value::Null, "an absent discount is shown as null");
    }

    /// The formats (docs/api-conventions.md "Fields" and "Time"): decimals as strings, `YYYY-MM-DD` dates, RFC 3339
    /// timestamps, a quote's status as of today.
    #[test]
    fn the_views_write_the_conventions_formats() {
        let (mut order, history) = full_sample();
        order.lines[0].confirmed_quantity = Decimal::new(3, 0);
        order.lines[0].shipped_quantity = Decimal::new(15, 1);
        let value = order_json(&order, None);
        assert_eq!(value.get("history"), None, "history only when asked for");
        assert_eq!(value["lines"][0]["open_quantity"], "1.5");
        assert_eq!(value["lines"][0]["discount"], serde_json::json!({"percent": "10"}));
        assert_eq!(value["lines"][0]["requested_delivery_date"], "2026-12-20");
        assert_eq!(value["totals"]["gross"], order.totals.gross.to_string());
        assert_eq!(value["received_at"], "1970-01-01T00:00:00Z");
        assert_eq!(staff_order_json(&order, &history)["reservations"][0]["quantity"], "2");
        let row = order_row_json(&order);
        assert_eq!(
            (&row["requested_delivery_date"], &row["express"]),
            (&Value::from("2026-12-24"), &Value::Bool(false))
        );
        let quote = Quote { status: QuoteStatus::Sent, ..quote_sample() };
        assert_eq!(quote_json(&quote, time::macros::date!(2027 - 01 - 01))["status"], "expired");
        assert_eq!(quote_json(&quote, time::macros::date!(2026 - 12 - 31))["status"], "sent");
        assert_eq!(quote_versions_json(&[], time::macros::date!(2026 - 12 - 31)), serde_json::json!({"versions": []}));
    }

    const PINNED_ORDER_ROW: &[&str] = &[
        "buyer",
        "buyer.customer_id",
        "buyer.name",
        "currency",
        "express",
        "gross",
        "id",
        "order_number",
        "received_at",
        "requested_delivery_date",
        "status",
        "type",
    ];
    const PINNED_PRODUCT: &[&str] = &[
        "available_quantity",
        "currency",
        "discount",
        "name",
        "price",
        "price_source",
        "sku",
        "unit",
        "vat_category",
        "vat_rate",
    ];
    const PINNED_STAFF_ORDER: &[&str] = &[
        "adjustments",
        "adjustments[].amount",
        "adjustments[].kind",
        "adjustments[].reason",
        "adjustments[].vat_category",
        "adjustments[].vat_rate",
        "blanket_order_id",
        "buyer",
        "buyer.customer_id",
        "buyer.email",
        "buyer.name",
        "channel",
        "currency",
        "delivery_address",
        "delivery_address.city",
        "delivery_address.country",
        "delivery_address.name",
        "delivery_address.postal_code",
        "delivery_address.street",
        "final_consignee",
        "final_consignee.address",
        "final_consignee.address.additional_street",
        "final_consignee.address.city",
        "final_consignee.address.country",
        "final_consignee.address.name",
        "final_consignee.address.postal_code",
        "final_consignee.address.street",
        "history",
        "history[].action",
        "history[].actor",
        "history[].at",
        "history[].detail",
        "id",
        "lines",
        "lines[].allowance",
        "lines[].confirmed_quantity",
        "lines[].description",
        "lines[].invoiced_quantity",
        "lines[].line_net",
        "lines[].line_no",
        "lines[].open_quantity",
        "lines[].price_source",
        "lines[].quantity",
        "lines[].shipped_quantity",
        "lines[].sku",
        "lines[].unit",
        "lines[].unit_price",
        "lines[].vat_category",
        "lines[].vat_rate",
        "notes",
        "order_number",
        "received_at",
        "references",
        "references.merged_from",
        "references.merged_into",
        "references.quote",
        "references.quote.quote_id",
        "references.quote.version",
        "references.split_from",
        "references.split_into",
        "requested_delivery_date",
        "reservations",
        "reservations[].lot",
        "reservations[].quantity",
        "reservations[].sku",
        "reservations[].warehouse",
        "responded_at",
        "response_reason",
        "schedule",
        "schedule.every",
        "schedule.until",
        "status",
        "totals",
        "totals.allowances",
        "totals.charges",
        "totals.gross",
        "totals.net",
        "totals.vat",
        "type",
        "vat_breakdown",
        "vat_breakdown[].category",
        "vat_breakdown[].rate",
        "vat_breakdown[].taxable",
        "vat_breakdown[].vat",
    ];
    /// What [`full_sample`] adds to [`sample`]: the buyer's and the lines' optional parts.
    const PINNED_OPTIONAL_PARTS: &[&str] = &[
        "buyer.address",
        "buyer.address.additional_street",
        "buyer.address.city",
        "buyer.address.country",
        "buyer.address.name",
        "buyer.address.postal_code",
        "buyer.address.street",
        "buyer.language",
        "buyer.peppol_id",
        "buyer.peppol_id.id",
        "buyer.peppol_id.scheme",
        "buyer.vat_id",
        "lines[].called_off_quantity",
        "lines[].discount",
        "lines[].discount.percent",
        "lines[].line_status",
        "lines[].note",
        "lines[].requested_delivery_date",
        "lines[].stock_warning",
        "lines[].stock_warning.available_quantity",
        "lines[].stock_warning.detail",
    ];
    const PINNED_QUOTE: &[&str] = &[
        "adjustments",
        "adjustments[].amount",
        "adjustments[].kind",
        "adjustments[].reason",
        "adjustments[].vat_category",
        "adjustments[].vat_rate",
        "buyer",
        "buyer.address",
        "buyer.address.additional_street",
        "buyer.address.city",
        "buyer.address.country",
        "buyer.address.name",
        "buyer.address.postal_code",
        "buyer.address.street",
        "buyer.customer_id",
        "buyer.email",
        "buyer.language",
        "buyer.name",
        "buyer.peppol_id",
        "buyer.peppol_id.id",
        "buyer.peppol_id.scheme",
        "buyer.vat_id",
        "created_at",
        "currency",
        "decided_at",
        "decline_reason",
        "delivery_address",
        "delivery_address.city",
        "delivery_address.country",
        "delivery_address.name",
        "delivery_address.postal_code",
        "delivery_address.street",
        "id",
        "lines",
        "lines[].allowance",
        "lines[].called_off_quantity",
        "lines[].confirmed_quantity",
        "lines[].description",
        "lines[].discount",
        "lines[].discount.percent",
        "lines[].invoiced_quantity",
        "lines[].line_net",
        "lines[].line_no",
        "lines[].line_status",
        "lines[].note",
        "lines[].price_source",
        "lines[].quantity",
        "lines[].requested_delivery_date",
        "lines[].shipped_quantity",
        "lines[].sku",
        "lines[].stock_warning",
        "lines[].stock_warning.available_quantity",
        "lines[].stock_warning.detail",
        "lines[].unit",
        "lines[].unit_price",
        "lines[].vat_category",
        "lines[].vat_rate",
        "notes",
        "order_id",
        "requested_delivery_date",
        "sent_at",
        "status",
        "totals",
        "totals.allowances",
        "totals.charges",
        "totals.gross",
        "totals.net",
        "totals.vat",
        "type",
        "valid_until_date",
        "vat_breakdown",
        "vat_breakdown[].category",
        "vat_breakdown[].rate",
        "vat_breakdown[].taxable",
        "vat_breakdown[].vat",
        "version",
    ];
}
