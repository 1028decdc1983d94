//! The delivery note (goods-issue document) of one despatch, for the people who unpack it (docs/domain.md
//! "Documents"): seller, buyer, delivery address (and a cross-docking order's final consignee), despatch number and
//! dates, carrier and tracking, and per line what was ordered, what ships now, from which lots, and what is still to
//! come. Built from the order and its despatches alone, so the shipment stage that attaches it and the billing API
//! that serves it again make the same note.

use rust_decimal::Decimal;
use time::Date;

use crate::despatch::Despatch;
use crate::ids::Sku;
use crate::order::Order;
use crate::party::Address;
use crate::tenant::TenantSettings;

/// One line of a delivery note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryNoteLine {
    /// The order line.
    pub line_no: u32,
    /// Product (`None`: a free-text line).
    pub sku: Option<Sku>,
    /// What it is.
    pub description: String,
    /// UN/ECE rec 20 unit.
    pub unit: String,
    /// Ordered quantity.
    pub ordered: Decimal,
    /// In this despatch.
    pub shipped_now: Decimal,
    /// Confirmed but not shipped with this despatch or before it.
    pub still_to_come: Decimal,
    /// Lot numbers of this despatch's picks, in pick order, without repeats.
    pub lots: Vec<String>,
}

/// A despatch's delivery note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryNote {
    /// Seller (the tenant's name).
    pub seller_name: String,
    /// Seller's address, when the tenant invoices (its invoicing settings hold it).
    pub seller_address: Option<Address>,
    /// Where buyers write.
    pub seller_email: String,
    /// Buyer's name.
    pub buyer_name: String,
    /// Buyer's address, when known.
    pub buyer_address: Option<Address>,
    /// Where the goods go.
    pub delivery_address: Address,
    /// A cross-docking order's final recipient behind the hub.
    pub final_consignee: Option<Address>,
    /// The seller's despatch number (also the barcode).
    pub despatch_number: String,
    /// When it left.
    pub despatch_date: Date,
    /// When the buyer should have it.
    pub expected_delivery_date: Option<Date>,
    /// The buyer's order number.
    pub order_number: String,
    /// When the order came in.
    pub order_date: Date,
    /// Carrier.
    pub carrier: Option<String>,
    /// Carrier's tracking number.
    pub tracking_number: Option<String>,
    /// Tracking link.
    pub tracking_url: Option<String>,
    /// The lines of the order this despatch ships, in order-line order.
    pub lines: Vec<DeliveryNoteLine>,
}

/// The delivery note of `despatch`. `order` is the order as stored with `despatch` or any later state of it;
/// `despatches` are the order's despatches known with it (those after `despatch` are taken back out of the shipped
/// quantities, so the note says what was still to come when this despatch left, whenever it is rendered).
pub fn delivery_note(
    order: &Order,
    despatch: &Despatch,
    despatches: &[Despatch],
    tenant: &TenantSettings,
) -> DeliveryNote {
    let later = |other: &&Despatch| {
        (other.created_at, &other.despatch_number) > (despatch.created_at, &despatch.despatch_number)
    };
    let shipped_later = |line_no: u32| -> Decimal {
        despatches
            .iter()
            .filter(later)
            .flat_map(|d| d.lines.iter().filter(move |l| l.line_no == line_no))
            .map(|l| l.quantity)
            .sum()
    };
    let mut lines: Vec<DeliveryNoteLine> = despatch
        .lines
        .iter()
        .map(|shipped| {
            let ordered = order.lines.iter().find(|l| l.line_no == shipped.line_no);
            let still_to_come = ordered.map_or(Decimal::ZERO, |l| {
                (l.confirmed_quantity - l.shipped_quantity + shipped_later(l.line_no)).max(Decimal::ZERO)
            });
            let mut lots: Vec<String> = Vec::new();
            for lot in shipped.picks.iter().filter_map(|p| p.lot.clone()) {
                if !lots.contains(&lot) {
                    lots.push(lot);
                }
            }
            DeliveryNoteLine {
                line_no: shipped.line_no,
                sku: shipped.sku.clone(),
                description: ordered.map(|l| l.description.clone()).unwrap_or_default(),
                unit: shipped.unit.clone(),
                ordered: ordered.map_or(shipped.quantity, |l| l.quantity).normalize(),
                shipped_now: shipped.quantity.normalize(),
                still_to_come: still_to_come.normalize(),
                lots,
            }
        })
        .collect();
    lines.sort_by_key(|l| l.line_no);
    DeliveryNote {
        seller_name: tenant.name.clone(),
        seller_address: tenant.invoicing.as_ref().map(|i| i.address.clone()),
        seller_email: tenant.order_desk_email.to_string(),
        buyer_name: order.buyer.name.clone(),
        buyer_address: order.buyer.address.clone(),
        delivery_address: order.delivery_address.clone(),
        final_consignee: order.final_consignee_address().cloned(),
        despatch_number: despatch.despatch_number.clone(),
        despatch_date: despatch.despatch_date,
        expected_delivery_date: despatch.expected_delivery_date,
        order_number: order.order_number.clone(),
        order_date: order.received_at.date(),
        carrier: despatch.carrier.clone(),
        tracking_number: despatch.tracking_number.clone(),
        tracking_url: despatch.tracking_url.clone(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use time::macros::datetime;

    use super::*;
    use crate::despatch::DespatchLine;
    use crate::fixtures;
    use crate::stock::Reservation;

    fn despatch(number: &str, at: time::OffsetDateTime, lines: &[(u32, Decimal, &[&str])]) -> Despatch {
        Despatch {
            despatch_number: number.into(),
            order_id: fixtures::order(crate::order::OrderType::Purchase, &[("SKU-1", dec!(10))]).id,
            lines: lines
                .iter()
                .map(|(line_no, quantity, lots)| DespatchLine {
                    line_no: *line_no,
                    sku: Some(Sku::parse("SKU-1").expect("sku")),
                    unit: "C62".into(),
                    quantity: *quantity,
                    picks: lots
                        .iter()
                        .map(|lot| Reservation {
                            sku: Sku::parse("SKU-1").expect("sku"),
                            warehouse: crate::ids::WarehouseId::parse("main").expect("warehouse"),
                            lot: Some((*lot).to_owned()),
                            quantity: *quantity,
                        })
                        .collect(),
                })
                .collect(),
            carrier: Some("postnord".into()),
            tracking_number: Some("TRK 1".into()),
            tracking_url: None,
            despatch_date: at.date(),
            expected_delivery_date: None,
            created_at: at,
            actor: "key:warehouse".into(),
        }
    }

    #[test]
    fn still_to_come_is_what_was_open_when_the_despatch_left_even_when_rendered_after_a_later_one() {
        let mut order = fixtures::order(crate::order::OrderType::Purchase, &[("SKU-1", dec!(10))]);
        let line = &mut order.lines[0];
        line.quantity = dec!(10);
        line.confirmed_quantity = dec!(8);
        // two despatches of 3 and 5: the order as stored now has shipped 8
        line.shipped_quantity = dec!(8);
        let first = despatch("D-1", datetime!(2026-12-01 08:00 UTC), &[(1, dec!(3), &["L1", "L2", "L1"])]);
        let second = despatch("D-2", datetime!(2026-12-02 08:00 UTC), &[(1, dec!(5), &[])]);
        let both = [first.clone(), second.clone()];
        let tenant = fixtures::tenant();
        let note = delivery_note(&order, &first, &both, &tenant);
        let line = &note.lines[0];
        assert_eq!((line.ordered, line.shipped_now, line.still_to_come), (dec!(10), dec!(3), dec!(5)));
        assert_eq!(line.lots, vec!["L1".to_owned(), "L2".to_owned()]);
        let last = delivery_note(&order, &second, &both, &tenant);
        assert_eq!(last.lines[0].still_to_come, dec!(0));
        // the shipment stage sees the first despatch with the order as it was then: the same note
        let mut then = order.clone();
        then.lines[0].shipped_quantity = dec!(3);
        assert_eq!(delivery_note(&then, &first, std::slice::from_ref(&first), &tenant), note);
        assert_eq!(note.despatch_number, "D-1");
        assert_eq!(note.carrier.as_deref(), Some("postnord"));
        assert_eq!(note.seller_name, tenant.name);
        assert_eq!(note.buyer_name, order.buyer.name);
    }
}
