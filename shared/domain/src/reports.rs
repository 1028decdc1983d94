//! Reports for analysts (domain.md "Reports"): what each report counts, as pure code, and CSV as RFC 4180 with
//! cells that a spreadsheet would run as formulas neutralised. So far: sales by day.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::Date;

use crate::order::{Order, OrderStatus};

/// One row of the sales-by-day report: the orders received on `date` in `currency` that were not rejected or
/// cancelled, with their ordered quantity and their totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesDay {
    /// Day received (UTC).
    pub date: Date,
    /// Currency of the amounts (never mixed).
    pub currency: String,
    /// Orders.
    pub orders: u64,
    /// Σ ordered line quantities.
    pub quantity: Decimal,
    /// Σ order net (lines − allowances + charges).
    pub net: Decimal,
    /// Σ VAT.
    pub vat: Decimal,
    /// Σ gross.
    pub gross: Decimal,
}

/// Whether an order counts as a sale: answered or still open, not rejected or cancelled.
pub fn counts_as_sale(order: &Order) -> bool {
    !matches!(order.status, OrderStatus::Rejected | OrderStatus::Cancelled)
}

/// Sales by day of `orders` (those received on `date`; others are ignored), one row per currency.
pub fn sales_by_day(orders: &[Order], date: Date) -> Vec<SalesDay> {
    let mut rows: BTreeMap<String, SalesDay> = BTreeMap::new();
    for order in orders.iter().filter(|o| o.received_at.date() == date && counts_as_sale(o)) {
        let row = rows.entry(order.currency.code().to_owned()).or_insert_with(|| SalesDay {
            date,
            currency: order.currency.code().to_owned(),
            orders: 0,
            quantity: Decimal::ZERO,
            net: Decimal::ZERO,
            vat: Decimal::ZERO,
            gross: Decimal::ZERO,
        });
        row.orders += 1;
        row.quantity += order.lines.iter().map(|l| l.quantity).sum::<Decimal>();
        row.net += order.totals.net - order.totals.allowances + order.totals.charges;
        row.vat += order.totals.vat;
        row.gross += order.totals.gross;
    }
    rows.into_values().collect()
}

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote, CR or LF (quotes doubled); a text starting
/// with `=`, `+`, `-`, `@`, a tab or CR gets a leading `'` so a spreadsheet shows it instead of running it.
/// Numbers are written by [`csv_number`], which never needs this.
pub fn csv_text(value: &str) -> String {
    let neutral = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if neutral.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A decimal as a CSV cell: plain, exact (`-12.50`), never neutralised.
pub fn csv_number(value: Decimal) -> String {
    value.to_string()
}

/// The sales-by-day report as CSV (header, then one row per currency; CRLF line ends).
pub fn sales_by_day_csv(rows: &[SalesDay]) -> String {
    let mut out = String::from("date,currency,orders,quantity,net,vat,gross\r\n");
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            row.date,
            csv_text(&row.currency),
            row.orders,
            csv_number(row.quantity.normalize()),
            csv_number(row.net),
            csv_number(row.vat),
            csv_number(row.gross)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::order::OrderType;
    use rust_decimal_macros::dec;

    #[test]
    fn formula_cells_are_neutralised_and_quotes_doubled() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("-2"), "'-2");
        assert_eq!(csv_text("\tx"), "'\tx");
        assert_eq!(csv_text("Åsa, AB"), "\"Åsa, AB\"");
        assert_eq!(csv_text("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_number(dec!(-12.50)), "-12.50");
    }

    #[test]
    fn sales_count_the_days_orders_per_currency_and_leave_out_rejected_ones() {
        let day = time::OffsetDateTime::UNIX_EPOCH.date();
        let a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        let b = fixtures::order(OrderType::Purchase, &[("A", dec!(1))]);
        let mut rejected = fixtures::order(OrderType::Purchase, &[("A", dec!(9))]);
        rejected.status = OrderStatus::Rejected;
        let mut other_day = b.clone();
        other_day.received_at += time::Duration::days(1);
        let rows = sales_by_day(&[a.clone(), b.clone(), rejected, other_day], day);
        assert_eq!(rows.len(), 1);
        // (2 + 1.5) × 10.00 = 35.00 and 1 × 10.00 = 10.00; 25 % VAT
        assert_eq!(
            (rows[0].orders, rows[0].quantity, rows[0].net, rows[0].vat, rows[0].gross),
            (2, dec!(4.5), dec!(45.00), dec!(11.25), dec!(56.25))
        );
        let csv = sales_by_day_csv(&rows);
        assert_eq!(csv, "date,currency,orders,quantity,net,vat,gross\r\n1970-01-01,EUR,2,4.5,45.00,11.25,56.25\r\n");
    }
}
