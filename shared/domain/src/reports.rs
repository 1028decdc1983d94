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

/// Sales of one member of a dimension (a customer, a channel, a product) in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesBy {
    /// The member's key (customer id, channel, SKU).
    pub key: String,
    /// Its name (customer name, channel, product description).
    pub name: String,
    /// Currency of the amounts.
    pub currency: String,
    /// Orders it appears in.
    pub orders: u64,
    /// Σ ordered quantity.
    pub quantity: Decimal,
    /// Σ net: order net for customers and channels, line net for products.
    pub net: Decimal,
    /// Σ VAT (customers and channels; products show none, VAT is computed per rate group of an order).
    pub vat: Option<Decimal>,
    /// Σ gross (customers and channels).
    pub gross: Option<Decimal>,
}

/// The dimensions sales are reported by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesDimension {
    /// By buyer.
    Customer,
    /// By webshop channel.
    Channel,
    /// By product (lines).
    Product,
}

impl SalesDimension {
    /// The report's name (`sales_by_customer`).
    pub fn report_name(self) -> &'static str {
        match self {
            Self::Customer => "sales_by_customer",
            Self::Channel => "sales_by_channel",
            Self::Product => "sales_by_product",
        }
    }
}

/// Sales of the orders received on `date` (not rejected or cancelled) by `dimension`, ordered by key and currency.
pub fn sales_by(orders: &[Order], date: Date, dimension: SalesDimension) -> Vec<SalesBy> {
    let mut rows: BTreeMap<(String, String), SalesBy> = BTreeMap::new();
    let blank = |key: &str, name: &str, currency: &str| SalesBy {
        key: key.to_owned(),
        name: name.to_owned(),
        currency: currency.to_owned(),
        orders: 0,
        quantity: Decimal::ZERO,
        net: Decimal::ZERO,
        vat: None,
        gross: None,
    };
    for order in orders.iter().filter(|o| o.received_at.date() == date && counts_as_sale(o)) {
        let currency = order.currency.code();
        let order_net = order.totals.net - order.totals.allowances + order.totals.charges;
        let quantity: Decimal = order.lines.iter().map(|l| l.quantity).sum();
        let mut add_order = |key: &str, name: &str| {
            let row = rows.entry((key.to_owned(), currency.to_owned())).or_insert_with(|| blank(key, name, currency));
            row.orders += 1;
            row.quantity += quantity;
            row.net += order_net;
            row.vat = Some(row.vat.unwrap_or_default() + order.totals.vat);
            row.gross = Some(row.gross.unwrap_or_default() + order.totals.gross);
        };
        match dimension {
            SalesDimension::Customer => add_order(order.buyer.customer_id.as_str(), &order.buyer.name),
            SalesDimension::Channel => add_order(&order.channel, &order.channel),
            SalesDimension::Product => {
                let mut seen = std::collections::BTreeSet::new();
                for line in &order.lines {
                    let key = line.sku.as_str();
                    let row = rows
                        .entry((key.to_owned(), currency.to_owned()))
                        .or_insert_with(|| blank(key, &line.description, currency));
                    if seen.insert(key) {
                        row.orders += 1;
                    }
                    row.quantity += line.quantity;
                    row.net += line.line_net;
                }
            }
        }
    }
    rows.into_values().collect()
}

/// A sales-by-dimension report as CSV: `key,name,currency,orders,quantity,net,vat,gross` (VAT and gross empty for
/// products), names neutralised and quoted as needed.
pub fn sales_by_csv(rows: &[SalesBy], dimension: SalesDimension) -> String {
    let key = match dimension {
        SalesDimension::Customer => "customer_id",
        SalesDimension::Channel => "channel",
        SalesDimension::Product => "sku",
    };
    let mut out = format!("{key},name,currency,orders,quantity,net,vat,gross\r\n");
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            csv_text(&row.key),
            csv_text(&row.name),
            csv_text(&row.currency),
            row.orders,
            csv_number(row.quantity.normalize()),
            csv_number(row.net),
            row.vat.map(csv_number).unwrap_or_default(),
            row.gross.map(csv_number).unwrap_or_default()
        ));
    }
    out
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
    fn sales_by_customer_channel_and_product_add_up_to_the_days_sales() {
        let day = time::OffsetDateTime::UNIX_EPOCH.date();
        let mut a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        a.buyer.name = "=HYPERLINK(\"x\")".into();
        let mut b = fixtures::order(OrderType::Purchase, &[("A", dec!(1))]);
        b.channel = "shop-2".into();
        let orders = [a, b];
        let day_total = sales_by_day(&orders, day);
        for dimension in [SalesDimension::Customer, SalesDimension::Channel, SalesDimension::Product] {
            let rows = sales_by(&orders, day, dimension);
            assert_eq!(rows.iter().map(|r| r.net).sum::<Decimal>(), day_total[0].net, "{dimension:?}");
            assert_eq!(rows.iter().map(|r| r.quantity).sum::<Decimal>(), day_total[0].quantity, "{dimension:?}");
        }
        let products = sales_by(&orders, day, SalesDimension::Product);
        assert_eq!((products[0].key.as_str(), products[0].orders, products[0].quantity), ("A", 2, dec!(3)));
        let customers = sales_by_csv(&sales_by(&orders, day, SalesDimension::Customer), SalesDimension::Customer);
        assert!(customers.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{customers}");
        assert_eq!(sales_by(&orders, day, SalesDimension::Channel).len(), 2);
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
