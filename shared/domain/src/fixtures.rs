//! Sample data for tests of this and other crates (feature `fixtures`).

use rust_decimal::Decimal;

use crate::catalogue::Product;
use crate::ids::{CustomerId, OrderId, Sku, TenantId, WarehouseId};
use crate::money::Currency;
use crate::order::{Buyer, Order, OrderStatus, OrderType};
use crate::party::{Address, EmailAddress, Language, PeppolId};
use crate::pricing::{order_totals, price_line, LineRequest};
use crate::tax::VatCategory;
use crate::tenant::{InvoicingSettings, ResponsePolicy, ShortagePolicy, TenantSettings};

fn valid<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("fixture data is valid: {error:?}"),
    }
}

/// A priced EUR order of `order_type` with one line per (SKU, quantity), each at 10.00 with 25 % VAT.
pub fn order(order_type: OrderType, lines: &[(&str, Decimal)]) -> Order {
    let eur = valid(Currency::parse("EUR"));
    let priced: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, quantity))| {
            let product = Product {
                sku: valid(Sku::parse(*sku)),
                name: format!("Product {sku}"),
                unit: "C62".into(),
                price: Decimal::new(1000, 2),
                currency: eur,
                vat_category: VatCategory::S,
                vat_rate: Decimal::new(25, 0),
                cost_price: None,
                lot_tracked: false,
                min_stock: None,
                target_stock: None,
                gtin: None,
            };
            let request = LineRequest { quantity: *quantity, unit_price: None, discount: None };
            valid(price_line(u32::try_from(i).unwrap_or(0) + 1, &request, &product, None, None, eur))
        })
        .collect();
    let (totals, vat_breakdown) = order_totals(&priced, eur);
    Order {
        id: OrderId::generate(),
        tenant: valid(TenantId::parse("t")),
        order_number: "WS-1".into(),
        order_type,
        status: OrderStatus::Received,
        channel: "web".into(),
        currency: eur,
        buyer: Buyer {
            customer_id: valid(CustomerId::parse("C-1")),
            name: "Anna Buyer".into(),
            email: valid(EmailAddress::parse("anna@example.com")),
            language: None,
            vat_id: None,
            address: None,
            peppol_id: None,
        },
        requested_delivery_date: None,
        delivery_address: Address {
            name: "Anna Buyer".into(),
            street: "Gatan 1".into(),
            additional_street: None,
            city: "Malmö".into(),
            postal_code: "211 22".into(),
            country: "SE".into(),
        },
        final_consignee: None,
        blanket_order_id: None,
        schedule: None,
        lines: priced,
        totals,
        vat_breakdown,
        notes: None,
        received_at: time::OffsetDateTime::UNIX_EPOCH,
        response_reason: None,
        adjustments: Vec::new(),
        reservations: Vec::new(),
        responded_at: None,
        references: Default::default(),
    }
}

/// A customer without addresses.
pub fn customer() -> crate::catalogue::Customer {
    crate::catalogue::Customer {
        id: valid(CustomerId::parse("C-1")),
        name: "Buyer AB".into(),
        email: valid(EmailAddress::parse("buyer@example.se")),
        language: None,
        vat_id: None,
        address: None,
        discount: None,
        peppol_id: None,
        delivery_addresses: Vec::new(),
    }
}

/// A tenant answering automatically from warehouses `a` then `b`.
pub fn tenant() -> TenantSettings {
    TenantSettings {
        tenant: valid(TenantId::parse("t")),
        name: "Seller AB".into(),
        currency: valid(Currency::parse("EUR")),
        language: Language::english(),
        warehouses: vec![valid(WarehouseId::parse("a")), valid(WarehouseId::parse("b"))],
        order_desk_email: valid(EmailAddress::parse("desk@example.com")),
        response_policy: ResponsePolicy::Automatic,
        shortage_policy: ShortagePolicy::AcceptWithChanges,
        tracking_url_templates: Default::default(),
        invoice_trigger: Default::default(),
        peppol_id: Some(PeppolId { scheme: "0007".into(), id: "5560360793".into() }),
        invoicing: Some(invoicing()),
        portal: Default::default(),
        limits: Default::default(),
        peppol_orders: Default::default(),
        stored_version: None,
    }
}

/// The invoicing settings of a Swedish seller: VAT id, organisation number, address, IBAN, 30 days.
pub fn invoicing() -> InvoicingSettings {
    InvoicingSettings {
        vat_id: "SE556036079301".into(),
        legal_registration_id: Some("5560360793".into()),
        address: Address {
            name: "Seller AB".into(),
            street: "Storgatan 1".into(),
            additional_street: None,
            city: "Göteborg".into(),
            postal_code: "411 01".into(),
            country: "SE".into(),
        },
        iban: "SE4550000000058398257466".into(),
        bic: Some("ESSESESS".into()),
        payment_terms_days: 30,
        invoice_prefix: "INV".into(),
        credit_note_prefix: "CN".into(),
        debit_note_prefix: "DN".into(),
    }
}

/// A despatch of `order` shipping (line no., quantity) pairs on 2026-11-27.
pub fn despatch(order: &Order, number: &str, lines: &[(u32, Decimal)]) -> crate::despatch::Despatch {
    crate::despatch::Despatch {
        despatch_number: number.into(),
        order_id: order.id.clone(),
        lines: lines
            .iter()
            .map(|(line_no, quantity)| {
                let line = order.lines.iter().find(|l| l.line_no == *line_no);
                crate::despatch::DespatchLine {
                    line_no: *line_no,
                    sku: line.map_or_else(|| Some(valid(Sku::parse("UNKNOWN"))), |l| l.sku.clone()),
                    unit: line.map_or_else(|| "C62".into(), |l| l.unit.clone()),
                    quantity: *quantity,
                    picks: Vec::new(),
                }
            })
            .collect(),
        carrier: None,
        tracking_number: None,
        tracking_url: None,
        despatch_date: time::macros::date!(2026 - 11 - 27),
        expected_delivery_date: None,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        actor: "warehouse:test".into(),
    }
}
