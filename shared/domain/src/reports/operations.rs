//! Operations: order tracking (what is still open per line, and since when) and lead times (received →
//! answered → first despatch → first invoice).

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use super::{percentile, Cell, ColumnKind, Table};
use crate::ids::OrderId;
use crate::order::Order;

pub use crate::lifecycle::OPEN_STATUSES;

/// What a line still waits for: before the seller's answer the whole ordered quantity is open, afterwards the
/// confirmed quantity not yet shipped.
fn open_quantity(order: &Order, line: &crate::order::OrderLine) -> Decimal {
    if order.status.awaits_answer() {
        (line.quantity - line.shipped_quantity).max(Decimal::ZERO)
    } else {
        line.open_quantity()
    }
}

/// Order tracking as of the end of `date`: one row per line of the open orders received on or before it, with
/// ordered, confirmed, shipped, invoiced, open (to ship) and to-invoice quantities and the order's age in days.
pub fn order_tracking(orders: &[Order], date: Date) -> Table {
    let mut table = Table::new(
        "order_tracking",
        &[
            ("order_id", ColumnKind::Text),
            ("order_number", ColumnKind::Text),
            ("customer_id", ColumnKind::Text),
            ("customer_name", ColumnKind::Text),
            ("status", ColumnKind::Text),
            ("received_date", ColumnKind::Date),
            ("age_days", ColumnKind::Integer),
            ("line_no", ColumnKind::Integer),
            ("sku", ColumnKind::Text),
            ("description", ColumnKind::Text),
            ("ordered", ColumnKind::Quantity),
            ("confirmed", ColumnKind::Quantity),
            ("shipped", ColumnKind::Quantity),
            ("invoiced", ColumnKind::Quantity),
            ("open", ColumnKind::Quantity),
            ("to_invoice", ColumnKind::Quantity),
        ],
    );
    let mut open: Vec<&Order> = orders.iter().filter(|o| o.status.is_open() && o.received_at.date() <= date).collect();
    open.sort_by(|a, b| a.received_at.cmp(&b.received_at).then_with(|| a.id.as_str().cmp(b.id.as_str())));
    for order in open {
        let received = order.received_at.date();
        for line in &order.lines {
            table.push(vec![
                order.id.as_str().into(),
                order.order_number.as_str().into(),
                order.buyer.customer_id.as_str().into(),
                order.buyer.name.as_str().into(),
                order.status.as_str().into(),
                received.into(),
                Cell::Integer((date - received).whole_days()),
                Cell::Integer(i64::from(line.line_no)),
                line.sku_text().into(),
                line.description.as_str().into(),
                line.quantity.normalize().into(),
                line.confirmed_quantity.normalize().into(),
                line.shipped_quantity.normalize().into(),
                line.invoiced_quantity.normalize().into(),
                open_quantity(order, line).normalize().into(),
                (line.shipped_quantity - line.invoiced_quantity).max(Decimal::ZERO).normalize().into(),
            ]);
        }
    }
    table
}

/// The age buckets of the open-quantity chart, as (label, first day, last day).
pub const AGE_BUCKETS: [(&str, i64, i64); 5] =
    [("0–1 d", 0, 1), ("2–3 d", 2, 3), ("4–7 d", 4, 7), ("8–30 d", 8, 30), ("> 30 d", 31, i64::MAX)];

/// Open (to ship) quantity of an [`order_tracking`] table per age bucket ([`AGE_BUCKETS`]).
pub fn tracking_by_age(tracking: &Table) -> Vec<(&'static str, Decimal)> {
    let (Some(age), Some(open)) = (tracking.column("age_days"), tracking.column("open")) else {
        return Vec::new();
    };
    AGE_BUCKETS
        .iter()
        .map(|&(label, from, to)| {
            let sum = tracking
                .rows
                .iter()
                .filter_map(|row| match (&row[age], &row[open]) {
                    (Cell::Integer(days), Cell::Decimal(q)) if (from..=to).contains(days) => Some(*q),
                    _ => None,
                })
                .sum();
            (label, sum)
        })
        .collect()
}

/// When an order reached each stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestones {
    /// The order.
    pub order_id: OrderId,
    /// The webshop's number.
    pub order_number: String,
    /// The buyer.
    pub customer_id: String,
    /// Stored by intake.
    pub received_at: OffsetDateTime,
    /// Answered (accepted, changed or rejected).
    pub responded_at: Option<OffsetDateTime>,
    /// Its first despatch was recorded.
    pub first_despatch_at: Option<OffsetDateTime>,
    /// Its first invoice was issued.
    pub first_invoice_at: Option<OffsetDateTime>,
}

/// Hours from `from` to `to`, one decimal place; none when either is missing.
fn hours(from: Option<OffsetDateTime>, to: Option<OffsetDateTime>) -> Option<Decimal> {
    let (from, to) = (from?, to?);
    let seconds = (to - from).whole_seconds();
    Some((Decimal::from(seconds) / Decimal::from(3600)).round_dp(1))
}

/// The stages of [`lead_times`], as (column, from, to).
type Stage = (&'static str, fn(&Milestones) -> Option<OffsetDateTime>, fn(&Milestones) -> Option<OffsetDateTime>);

const STAGES: [Stage; 4] = [
    ("received_to_response_h", |m| Some(m.received_at), |m| m.responded_at),
    ("response_to_despatch_h", |m| m.responded_at, |m| m.first_despatch_at),
    ("despatch_to_invoice_h", |m| m.first_despatch_at, |m| m.first_invoice_at),
    ("received_to_invoice_h", |m| Some(m.received_at), |m| m.first_invoice_at),
];

/// Lead times of the orders given (those first invoiced on the report's day): one row per order with the hours
/// of each stage.
pub fn lead_times(milestones: &[Milestones]) -> Table {
    let mut columns = vec![
        ("order_id", ColumnKind::Text),
        ("order_number", ColumnKind::Text),
        ("customer_id", ColumnKind::Text),
        ("received_date", ColumnKind::Date),
    ];
    columns.extend(STAGES.iter().map(|(name, _, _)| (*name, ColumnKind::Decimal)));
    let mut table = Table::new("lead_times", &columns);
    let mut sorted: Vec<&Milestones> = milestones.iter().collect();
    sorted.sort_by(|a, b| a.received_at.cmp(&b.received_at).then_with(|| a.order_id.as_str().cmp(b.order_id.as_str())));
    for m in sorted {
        let mut row = vec![
            m.order_id.as_str().into(),
            m.order_number.as_str().into(),
            m.customer_id.as_str().into(),
            m.received_at.date().into(),
        ];
        row.extend(STAGES.iter().map(|(_, from, to)| hours(from(m), to(m)).into()));
        table.push(row);
    }
    table
}

/// p50 and p90 (nearest rank) and the mean of each stage of [`lead_times`], over the orders that reached it.
pub fn lead_time_summary(milestones: &[Milestones]) -> Table {
    let mut table = Table::new(
        "lead_time_summary",
        &[
            ("stage", ColumnKind::Text),
            ("orders", ColumnKind::Integer),
            ("p50_h", ColumnKind::Decimal),
            ("p90_h", ColumnKind::Decimal),
            ("mean_h", ColumnKind::Decimal),
        ],
    );
    for (name, from, to) in STAGES {
        let mut values: Vec<Decimal> = milestones.iter().filter_map(|m| hours(from(m), to(m))).collect();
        values.sort();
        let mean = if values.is_empty() {
            None
        } else {
            Some((values.iter().sum::<Decimal>() / Decimal::from(values.len())).round_dp(1))
        };
        table.push(vec![
            name.trim_end_matches("_h").into(),
            Cell::Integer(i64::try_from(values.len()).unwrap_or(i64::MAX)),
            percentile(&values, 50).into(),
            percentile(&values, 90).into(),
            mean.into(),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;
    use time::Duration;

    #[test]
    fn tracking_shows_the_open_lines_with_their_age_and_leaves_closed_orders_out() {
        let today = OffsetDateTime::UNIX_EPOCH.date() + Duration::days(10);
        let mut old = fixtures::order(OrderType::Purchase, &[("A", dec!(5)), ("B", dec!(2))]);
        old.status = OrderStatus::PartiallyDelivered;
        for line in &mut old.lines {
            line.confirmed_quantity = line.quantity;
        }
        old.lines[0].shipped_quantity = dec!(3);
        old.lines[0].invoiced_quantity = dec!(1);
        let mut new = fixtures::order(OrderType::Purchase, &[("C", dec!(4))]);
        new.received_at += Duration::days(9);
        let mut done = fixtures::order(OrderType::Purchase, &[("D", dec!(1))]);
        done.status = OrderStatus::Invoiced;
        let mut future = fixtures::order(OrderType::Purchase, &[("E", dec!(1))]);
        future.received_at += Duration::days(11);
        let table = order_tracking(&[new, old, done, future], today);
        assert_eq!(table.rows.len(), 3, "{table:?}");
        let col = |row: usize, name: &str| table.rows[row][table.column(name).expect(name)].clone();
        assert_eq!(col(0, "sku"), "A".into());
        assert_eq!(col(0, "age_days"), Cell::Integer(10));
        assert_eq!(
            (col(0, "open"), col(0, "to_invoice"), col(1, "open")),
            (dec!(2).into(), dec!(2).into(), dec!(2).into())
        );
        // not yet answered: everything ordered is open
        assert_eq!((col(2, "age_days"), col(2, "open")), (Cell::Integer(1), dec!(4).into()));
        let by_age = tracking_by_age(&table);
        assert_eq!(by_age[0], ("0–1 d", dec!(4)));
        assert_eq!(by_age[3], ("8–30 d", dec!(4)));
    }

    #[test]
    fn lead_times_measure_each_stage_and_summarise_with_nearest_rank_percentiles() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let milestones: Vec<Milestones> = (1..=10)
            .map(|n| Milestones {
                order_id: OrderId::generate(),
                order_number: format!("WS-{n}"),
                customer_id: "c".into(),
                received_at: start,
                responded_at: Some(start + Duration::minutes(30)),
                first_despatch_at: (n < 10).then(|| start + Duration::hours(n)),
                first_invoice_at: Some(start + Duration::hours(2 * n)),
            })
            .collect();
        let table = lead_times(&milestones);
        assert_eq!(table.rows.len(), 10);
        assert_eq!(table.rows[0][4], dec!(0.5).into());
        let summary = lead_time_summary(&milestones);
        assert_eq!(
            summary.rows[0],
            vec![
                "received_to_response".into(),
                Cell::Integer(10),
                dec!(0.5).into(),
                dec!(0.5).into(),
                dec!(0.5).into()
            ]
        );
        // response → despatch: 0.5, 1.5, …, 8.5 hours (9 orders despatched)
        assert_eq!(summary.rows[1][1..4], [Cell::Integer(9), dec!(4.5).into(), dec!(8.5).into()]);
        // received → invoice: 2, 4, …, 20 hours
        assert_eq!(summary.rows[3][1..], [Cell::Integer(10), dec!(10.0).into(), dec!(18.0).into(), dec!(11.0).into()]);
    }
}
