//! Order-line facts: what the sales reports count, as rows of a CSV file (docs/decisions/0011-order-line-facts.md).
//!
//! An order contributes one row per line and, when its document-level allowances, charges or per-rate VAT
//! rounding move its totals away from the sum of its lines, one adjustment row (quantity 0, no SKU). A change
//! that matters to reports (the order is rejected or cancelled, its lines change) is written as the
//! **difference**: the previous contribution taken back (every amount negated, so quantities are negative) and
//! the new one added. Summing every row of a day therefore gives the day as it is now, in one pass and constant
//! memory, however late the change came; the [`stream`](super::stream) core does exactly that.
//!
//! Rules a file keeps (the core relies on them):
//! - the rows of one contribution come together, lines first, then the adjustment row;
//! - a line's quantity is never zero: positive when added, negative when taken back; an adjustment row's is 0;
//! - no field holds a comma, a quote or a line end (ids, SKUs, currencies, channels and statuses are codes), so
//!   no quoting is needed.

use rust_decimal::Decimal;
use time::Date;

use super::sales::line_vat;
use crate::order::Order;

/// The columns of a facts file, in order (its first line).
pub const FACT_COLUMNS: [&str; 12] = [
    "order_id",
    "tenant",
    "date",
    "currency",
    "customer_id",
    "channel",
    "sku",
    "quantity",
    "line_net",
    "vat",
    "cost",
    "status",
];

/// The header line of a facts file (with its line end).
pub fn facts_header() -> String {
    let mut header = FACT_COLUMNS.join(",");
    header.push('\n');
    header
}

/// One row of a facts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRow {
    /// The order.
    pub order_id: String,
    /// Its seller.
    pub tenant: String,
    /// The day it was received (UTC): the day whose reports it counts in.
    pub date: Date,
    /// ISO 4217 code.
    pub currency: String,
    /// The buyer.
    pub customer_id: String,
    /// The channel that posted it.
    pub channel: String,
    /// The line's SKU; empty for a free-text line and for the adjustment row.
    pub sku: String,
    /// Ordered quantity: positive when added, negative when taken back, 0 on the adjustment row.
    pub quantity: Decimal,
    /// The line's net (the adjustment row: charges − allowances of the document).
    pub line_net: Decimal,
    /// The line's VAT at its rate, 4 places (the adjustment row: the order's VAT − Σ the lines').
    pub vat: Decimal,
    /// The line's cost (cost price × quantity) when known.
    pub cost: Option<Decimal>,
    /// The order's status after the change.
    pub status: &'static str,
}

/// A field that a facts file cannot hold without quoting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order {order_id}: {column} {value:?} holds a comma, a quote or a line end")]
pub struct UnwritableFact {
    /// The order.
    pub order_id: String,
    /// The column.
    pub column: &'static str,
    /// The value.
    pub value: String,
}

impl FactRow {
    /// The row as a CSV line (with its line end).
    pub fn to_csv_line(&self) -> Result<String, UnwritableFact> {
        for (column, value) in [
            ("order_id", &self.order_id),
            ("tenant", &self.tenant),
            ("currency", &self.currency),
            ("customer_id", &self.customer_id),
            ("channel", &self.channel),
            ("sku", &self.sku),
        ] {
            if value.contains([',', '"', '\n', '\r']) {
                return Err(UnwritableFact { order_id: self.order_id.clone(), column, value: value.clone() });
            }
        }
        let cost = self.cost.map(|c| c.normalize().to_string()).unwrap_or_default();
        Ok(format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            self.order_id,
            self.tenant,
            self.date,
            self.currency,
            self.customer_id,
            self.channel,
            self.sku,
            self.quantity.normalize(),
            self.line_net.normalize(),
            self.vat.normalize(),
            cost,
            self.status,
        ))
    }
}

/// What `order` adds to the sales reports as it is: its lines and, if its totals differ from their sum, the
/// adjustment row; nothing when it does not count as a sale (rejected, cancelled).
pub fn contribution(order: &Order) -> Vec<FactRow> {
    if !order.status.counts_as_sale() {
        return Vec::new();
    }
    let row = |sku: String, quantity: Decimal, line_net: Decimal, vat: Decimal, cost: Option<Decimal>| FactRow {
        order_id: order.id.as_str().to_owned(),
        tenant: order.tenant.as_str().to_owned(),
        date: order.received_at.date(),
        currency: order.currency.code().to_owned(),
        customer_id: order.buyer.customer_id.as_str().to_owned(),
        channel: order.channel.clone(),
        sku,
        quantity,
        line_net,
        vat,
        cost,
        status: order.status.as_str(),
    };
    let mut rows: Vec<FactRow> = order
        .lines
        .iter()
        .map(|line| {
            let vat = line_vat(line);
            let sku = line.sku.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default();
            row(sku, line.quantity, line.line_net, vat, line.unit_cost.map(|unit| unit * line.quantity))
        })
        .collect();
    let lines_net: Decimal = rows.iter().map(|r| r.line_net).sum();
    let lines_vat: Decimal = rows.iter().map(|r| r.vat).sum();
    let order_net = order.totals.net - order.totals.allowances + order.totals.charges;
    let (net_adjustment, vat_adjustment) = (order_net - lines_net, order.totals.vat - lines_vat);
    if !net_adjustment.is_zero() || !vat_adjustment.is_zero() {
        rows.push(row(String::new(), Decimal::ZERO, net_adjustment, vat_adjustment, None));
    }
    rows
}

/// The rows a change from `before` (none: the order is new) to `after` writes: nothing when the reports would
/// not move, else `before`'s contribution taken back and `after`'s added.
pub fn changes(before: Option<&Order>, after: &Order) -> Vec<FactRow> {
    let old = before.map(contribution).unwrap_or_default();
    let new = contribution(after);
    let same =
        old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| FactRow { status: b.status, ..a.clone() } == *b);
    if same {
        return Vec::new();
    }
    let status = after.status.as_str();
    let mut rows: Vec<FactRow> = old
        .into_iter()
        .map(|r| FactRow {
            quantity: -r.quantity,
            line_net: -r.line_net,
            vat: -r.vat,
            cost: r.cost.map(|c| -c),
            status,
            ..r
        })
        .collect();
    rows.extend(new);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;

    fn sample() -> Order {
        fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))])
    }

    #[test]
    fn a_new_order_adds_one_row_per_line() {
        let order = sample();
        let rows = changes(None, &order);
        assert_eq!(rows.len(), 2);
        let line = rows[0].to_csv_line().expect("csv");
        let expected = format!(
            "{},{},{},EUR,{},{},A,2,20,5,,received\n",
            order.id.as_str(),
            order.tenant.as_str(),
            order.received_at.date(),
            order.buyer.customer_id.as_str(),
            order.channel
        );
        assert_eq!(line, expected);
        assert_eq!(line.trim_end().split(',').count(), FACT_COLUMNS.len());
        assert_eq!(facts_header().trim_end().split(',').count(), FACT_COLUMNS.len());
    }

    #[test]
    fn a_change_takes_back_what_was_counted_and_adds_the_rest() {
        let before = sample();
        let mut accepted = before.clone();
        accepted.status = OrderStatus::Accepted;
        assert!(changes(Some(&before), &accepted).is_empty(), "a status that counts the same moves nothing");

        let mut cancelled = accepted.clone();
        cancelled.status = OrderStatus::Cancelled;
        let rows = changes(Some(&accepted), &cancelled);
        assert_eq!(rows.iter().map(|r| r.quantity).collect::<Vec<_>>(), vec![dec!(-2), dec!(-1.5)]);
        assert!(rows.iter().all(|r| r.status == "cancelled"));
        let net: Decimal = changes(None, &before).iter().chain(&rows).map(|r| r.line_net).sum();
        assert_eq!(net, Decimal::ZERO, "added and taken back sum to nothing");
    }

    #[test]
    fn a_line_with_a_cost_price_writes_its_cost_and_takes_it_back() {
        let mut order = sample();
        order.lines[0].unit_cost = Some(dec!(6.2500));
        let rows = changes(None, &order);
        assert_eq!(rows.iter().map(|r| r.cost).collect::<Vec<_>>(), vec![Some(dec!(12.5)), None]);
        assert!(rows[0].to_csv_line().expect("csv").ends_with(",12.5,received\n"));
        let mut cancelled = order.clone();
        cancelled.status = OrderStatus::Cancelled;
        let back = changes(Some(&order), &cancelled);
        assert_eq!(back.iter().map(|r| r.cost).collect::<Vec<_>>(), vec![Some(dec!(-12.5)), None]);
    }

    #[test]
    fn document_allowances_and_charges_land_on_one_adjustment_row() {
        let mut order = sample();
        order.totals.charges = dec!(4.90);
        order.totals.allowances = dec!(1.00);
        order.totals.vat += dec!(0.975);
        let rows = contribution(&order);
        let adjustment = rows.last().expect("row");
        assert_eq!((adjustment.sku.as_str(), adjustment.quantity), ("", Decimal::ZERO));
        assert_eq!((adjustment.line_net, adjustment.vat), (dec!(3.90), dec!(0.975)));
        let net: Decimal = rows.iter().map(|r| r.line_net).sum();
        assert_eq!(net, order.totals.net - order.totals.allowances + order.totals.charges);
        let vat: Decimal = rows.iter().map(|r| r.vat).sum();
        assert_eq!(vat, order.totals.vat);
    }

    #[test]
    fn a_field_that_needs_quoting_is_refused() {
        let mut order = sample();
        order.channel = "web,shop".into();
        let error = contribution(&order)[0].to_csv_line().expect_err("comma");
        assert_eq!(error.column, "channel");
    }
}
