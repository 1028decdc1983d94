//! Sample orders for the tests of the stored forms: the domain fixture of every order type, bare and with each
//! optional part set, alone and all together.

use rust_decimal::Decimal;
use time::macros::{date, datetime};

use orders_domain::adjustment::{AdjustmentKind, DocumentAdjustment};
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::fixtures;
use orders_domain::ids::{OrderId, QuoteId, Sku, WarehouseId};
use orders_domain::money::Discount;
use orders_domain::order::{
    Address, Consignee, HistoryEntry, Order, OrderReferences, OrderStatus, OrderType, PriceSource, QuoteReference,
    StockWarning,
};
use orders_domain::party::{Language, PeppolId};
use orders_domain::stock::{LineOutcome, Reservation};
use orders_domain::tax::VatCategory;

/// Every order type; the match makes a new one a compile error here.
pub(super) fn every_order_type() -> Vec<OrderType> {
    let all = [
        OrderType::Purchase,
        OrderType::Express,
        OrderType::Blanket,
        OrderType::CallOff,
        OrderType::Sales,
        OrderType::Standing,
        OrderType::CrossDocking,
    ];
    for order_type in all {
        match order_type {
            OrderType::Purchase
            | OrderType::Express
            | OrderType::Blanket
            | OrderType::CallOff
            | OrderType::Sales
            | OrderType::Standing
            | OrderType::CrossDocking => {}
        }
    }
    all.to_vec()
}

fn order_id(hex_digit: char) -> OrderId {
    OrderId::parse(format!("ord_{}", hex_digit.to_string().repeat(32))).expect("order id")
}

/// The fixture order of `order_type` with two lines (one with a three-decimal quantity) and a fixed id.
pub(super) fn bare_order(order_type: OrderType) -> Order {
    let mut order = fixtures::order(order_type, &[("SKU-1", Decimal::new(2, 0)), ("SKU-2", Decimal::new(2500, 3))]);
    order.id = order_id('0');
    order
}

fn address(name: &str) -> Address {
    Address {
        name: name.into(),
        street: "Hamngatan 2".into(),
        additional_street: Some("c/o Hub AB".into()),
        city: "Göteborg".into(),
        postal_code: "411 06".into(),
        country: "SE".into(),
    }
}

/// One optional part of an order, set on a sample.
pub(super) type Part = (&'static str, fn(&mut Order));

/// Every optional part of an order (and of its buyer, addresses and lines), each set to a value.
pub(super) const OPTIONAL_PARTS: &[Part] = &[
    ("requested_delivery_date", |o| o.requested_delivery_date = Some(date!(2026 - 12 - 24))),
    ("final_consignee", |o| o.final_consignee = Some(Consignee { address: address("Final AB") })),
    ("blanket_order_id", |o| o.blanket_order_id = Some(order_id('b'))),
    ("schedule", |o| {
        o.schedule = Some(orders_domain::standing::Schedule {
            every: orders_domain::standing::Period::Month,
            until: date!(2027 - 06 - 30),
        })
    }),
    ("notes", |o| o.notes = Some("Ring twice".into())),
    ("response_reason", |o| o.response_reason = Some("Partly out of stock".into())),
    ("adjustments", |o| {
        o.adjustments = vec![
            DocumentAdjustment {
                kind: AdjustmentKind::Charge,
                reason: "Freight".into(),
                amount: Decimal::new(4900, 2),
                vat_category: VatCategory::S,
                vat_rate: Decimal::new(25, 0),
            },
            DocumentAdjustment {
                kind: AdjustmentKind::Allowance,
                reason: "Loyalty".into(),
                amount: Decimal::new(500, 2),
                vat_category: VatCategory::Z,
                vat_rate: Decimal::ZERO,
            },
        ]
    }),
    ("reservations", |o| {
        o.reservations = vec![
            Reservation {
                sku: Sku::parse("SKU-1").expect("sku"),
                warehouse: WarehouseId::parse("a").expect("warehouse"),
                lot: Some("LOT-7".into()),
                quantity: Decimal::new(2, 0),
            },
            Reservation {
                sku: Sku::parse("SKU-2").expect("sku"),
                warehouse: WarehouseId::parse("b").expect("warehouse"),
                lot: None,
                quantity: Decimal::new(2500, 3),
            },
        ]
    }),
    ("responded_at", |o| o.responded_at = Some(datetime!(2026-11-23 10:15:30.123456789 +01:00))),
    ("references", |o| {
        o.references = OrderReferences {
            split_from: Some(order_id('1')),
            split_into: vec![order_id('2'), order_id('3')],
            merged_from: vec![order_id('4')],
            merged_into: Some(order_id('5')),
            quote: Some(QuoteReference { quote_id: QuoteId::parse("quo_1").expect("quote id"), version: 3 }),
        }
    }),
    ("references.quote alone", |o| {
        o.references.quote = Some(QuoteReference { quote_id: QuoteId::parse("quo_2").expect("quote id"), version: 1 })
    }),
    ("buyer's optional parts", |o| {
        o.buyer.language = Some(Language::parse("sv").expect("language"));
        o.buyer.vat_id = Some("SE556036079301".into());
        o.buyer.address = Some(address("Anna Buyer"));
        o.buyer.peppol_id = Some(PeppolId { scheme: "0007".into(), id: "5560360793".into() });
    }),
    ("delivery_address.additional_street", |o| o.delivery_address.additional_street = Some("Port 3".into())),
    ("line allowances", |o| {
        if let [first, second, ..] = o.lines.as_mut_slice() {
            first.discount = Some(Discount::Percent(Decimal::new(10, 0)));
            first.allowance = Decimal::new(200, 2);
            second.discount = Some(Discount::Amount(Decimal::new(150, 2)));
            second.allowance = Decimal::new(150, 2);
        }
    }),
    ("price sources", |o| {
        if let [first, second, ..] = o.lines.as_mut_slice() {
            first.price_source = PriceSource::Customer;
            second.price_source = PriceSource::Seller;
        }
    }),
    ("stock warnings", |o| {
        for line in &mut o.lines {
            line.stock_warning =
                Some(StockWarning { available_quantity: Decimal::new(15, 1), detail: "1.5 available".into() });
        }
    }),
    ("shipped and invoiced quantities", |o| {
        o.status = OrderStatus::PartiallyInvoiced;
        for line in &mut o.lines {
            line.confirmed_quantity = line.quantity;
            line.shipped_quantity = Decimal::new(1, 0);
            line.invoiced_quantity = Decimal::new(5, 1);
        }
    }),
    ("line answers", |o| {
        if let [first, second, ..] = o.lines.as_mut_slice() {
            first.line_status = Some(LineOutcome::Changed);
            first.note = Some("Only 1.5 in stock".into());
            first.requested_delivery_date = Some(date!(2027 - 01 - 15));
            second.line_status = Some(LineOutcome::Rejected);
        }
    }),
    ("called_off_quantity", |o| {
        for line in &mut o.lines {
            line.called_off_quantity = Decimal::new(125, 2);
        }
    }),
    ("received_at with an offset and nanoseconds", |o| {
        o.received_at = datetime!(2026-11-23 09:00:00.000000001 -05:00);
    }),
    ("no lines", |o| {
        o.lines.clear();
        o.vat_breakdown.clear();
    }),
];

/// The bare order of `order_type` with every optional part set (but "no lines").
pub(super) fn full_order(order_type: OrderType) -> Order {
    let mut order = bare_order(order_type);
    for (name, set) in OPTIONAL_PARTS {
        if *name != "no lines" {
            set(&mut order);
        }
    }
    order
}

/// The samples of `order_type`, named: bare, each optional part alone, everything together.
pub(super) fn samples(order_type: OrderType) -> Vec<(String, Order)> {
    let mut samples = vec![("bare".to_owned(), bare_order(order_type))];
    for (name, set) in OPTIONAL_PARTS {
        let mut order = bare_order(order_type);
        set(&mut order);
        samples.push(((*name).to_owned(), order));
    }
    samples.push(("every optional part".to_owned(), full_order(order_type)));
    samples
}

/// The "publish pending" event of `order`.
pub(super) fn pending(order: &Order) -> EventEnvelope {
    EventEnvelope::new(
        EventType::OrderReceived,
        order.tenant.clone(),
        order.id.clone(),
        order.order_number.clone(),
        datetime!(2026-11-23 10:00:00.5 UTC),
    )
}

/// History entries at awkward instants.
pub(super) fn history_entries() -> Vec<HistoryEntry> {
    [
        time::OffsetDateTime::UNIX_EPOCH,
        datetime!(2026-11-23 10:15:30.123456789 +01:00),
        datetime!(2026-11-23 23:59:59.999999 -05:30),
    ]
    .into_iter()
    .map(|at| HistoryEntry {
        at,
        actor: "operator:key_1".into(),
        action: "accepted".into(),
        detail: "Accepted with changes: line 1 1.5 of 2".into(),
    })
    .collect()
}
