//! Sales: by day, customer, channel and product (the orders received on a day that were not rejected or
//! cancelled), and the top customers and products among them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::Date;

use super::{Cell, ColumnKind, Period, Table};
use crate::order::{Order, OrderLine};

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

/// The VAT of one line as the product reports count it: its net at its rate, to 4 places. The order's VAT is
/// rounded per rate group, so products' VAT can differ from the day's by those roundings.
pub fn line_vat(line: &OrderLine) -> Decimal {
    (line.line_net * line.vat_rate / Decimal::ONE_HUNDRED).round_dp(4)
}

/// Whether an order counts as a sale: answered or still open, not rejected or cancelled.
pub fn counts_as_sale(order: &Order) -> bool {
    order.status.counts_as_sale()
}

/// Sales by day of `orders` (those received in `period`; others are ignored), one row per day and currency.
pub fn sales_by_day(orders: &[Order], period: &Period) -> Vec<SalesDay> {
    let mut sales = SalesAccumulator::new(*period);
    orders.iter().for_each(|order| sales.add(order));
    sales.days()
}

/// Sales of orders added one at a time (as they are read, page by page): memory grows with the days,
/// customers, channels and products, not with the orders. Orders outside the period, rejected or cancelled
/// are ignored.
#[derive(Debug, Clone)]
pub struct SalesAccumulator {
    period: Period,
    days: BTreeMap<(Date, String), SalesDay>,
    customers: BTreeMap<(String, String), SalesBy>,
    channels: BTreeMap<(String, String), SalesBy>,
    products: BTreeMap<(String, String), SalesBy>,
}

impl SalesAccumulator {
    /// Nothing added yet.
    pub fn new(period: Period) -> Self {
        Self {
            period,
            days: BTreeMap::new(),
            customers: BTreeMap::new(),
            channels: BTreeMap::new(),
            products: BTreeMap::new(),
        }
    }

    /// Adds one order.
    pub fn add(&mut self, order: &Order) {
        let date = order.received_at.date();
        if !self.period.contains(date) || !counts_as_sale(order) {
            return;
        }
        let currency = order.currency.code();
        let order_net = order.totals.net - order.totals.allowances + order.totals.charges;
        let quantity: Decimal = order.lines.iter().map(|l| l.quantity).sum();
        let day = self.days.entry((date, currency.to_owned())).or_insert_with(|| SalesDay {
            date,
            currency: currency.to_owned(),
            orders: 0,
            quantity: Decimal::ZERO,
            net: Decimal::ZERO,
            vat: Decimal::ZERO,
            gross: Decimal::ZERO,
        });
        day.orders += 1;
        day.quantity += quantity;
        day.net += order_net;
        day.vat += order.totals.vat;
        day.gross += order.totals.gross;
        let blank = |key: &str, name: &str| SalesBy {
            key: key.to_owned(),
            name: name.to_owned(),
            currency: currency.to_owned(),
            orders: 0,
            quantity: Decimal::ZERO,
            net: Decimal::ZERO,
            vat: None,
            gross: None,
        };
        for (rows, key, name) in [
            (&mut self.customers, order.buyer.customer_id.as_str(), order.buyer.name.as_str()),
            (&mut self.channels, order.channel.as_str(), order.channel.as_str()),
        ] {
            let row = rows.entry((key.to_owned(), currency.to_owned())).or_insert_with(|| blank(key, name));
            row.orders += 1;
            row.quantity += quantity;
            row.net += order_net;
            row.vat = Some(row.vat.unwrap_or_default() + order.totals.vat);
            row.gross = Some(row.gross.unwrap_or_default() + order.totals.gross);
        }
        let mut seen = std::collections::BTreeSet::new();
        for line in &order.lines {
            // Free-text lines share one row under an empty SKU.
            let (key, name) = match &line.sku {
                Some(sku) => (sku.as_str(), line.description.as_str()),
                None => ("", "Free-text lines"),
            };
            let row = self.products.entry((key.to_owned(), currency.to_owned())).or_insert_with(|| blank(key, name));
            if seen.insert(key) {
                row.orders += 1;
            }
            let vat = line_vat(line);
            row.quantity += line.quantity;
            row.net += line.line_net;
            row.vat = Some(row.vat.unwrap_or_default() + vat);
            row.gross = Some(row.gross.unwrap_or_default() + line.line_net + vat);
        }
    }

    /// Sales by day and currency.
    pub fn days(&self) -> Vec<SalesDay> {
        self.days.values().cloned().collect()
    }

    /// Sales by `dimension`, ordered by key and currency.
    pub fn by(&self, dimension: SalesDimension) -> Vec<SalesBy> {
        let rows = match dimension {
            SalesDimension::Customer => &self.customers,
            SalesDimension::Channel => &self.channels,
            SalesDimension::Product => &self.products,
        };
        rows.values().cloned().collect()
    }
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
    /// Σ VAT: the orders' for customers and channels; for products each line's net × its rate (4 places), which
    /// can differ from the orders' VAT (rounded per rate group) by those roundings.
    pub vat: Option<Decimal>,
    /// Σ gross (net + VAT as above).
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

/// Sales of the orders received in `period` (not rejected or cancelled) by `dimension`, ordered by key and
/// currency.
pub fn sales_by(orders: &[Order], period: &Period, dimension: SalesDimension) -> Vec<SalesBy> {
    let mut sales = SalesAccumulator::new(*period);
    orders.iter().for_each(|order| sales.add(order));
    sales.by(dimension)
}

/// The measures every sales report ends with.
const MEASURES: [(&str, ColumnKind); 5] = [
    ("orders", ColumnKind::Integer),
    ("quantity", ColumnKind::Quantity),
    ("net", ColumnKind::Decimal),
    ("vat", ColumnKind::Decimal),
    ("gross", ColumnKind::Decimal),
];

/// The cells of [`MEASURES`].
pub fn measure_cells(
    orders: u64,
    quantity: Decimal,
    net: Decimal,
    vat: impl Into<Cell>,
    gross: impl Into<Cell>,
) -> [Cell; 5] {
    [orders.into(), quantity.normalize().into(), net.into(), vat.into(), gross.into()]
}

/// `keys` followed by [`MEASURES`].
pub fn sales_columns(keys: &[(&'static str, ColumnKind)]) -> Vec<(&'static str, ColumnKind)> {
    keys.iter().copied().chain(MEASURES).collect()
}

/// Sales by day as a table: `date,currency,orders,quantity,net,vat,gross`, one row per currency.
pub fn sales_by_day_table(rows: &[SalesDay]) -> Table {
    let mut table =
        Table::new("sales_by_day", &sales_columns(&[("date", ColumnKind::Date), ("currency", ColumnKind::Text)]));
    for row in rows {
        let mut cells = vec![row.date.into(), row.currency.as_str().into()];
        cells.extend(measure_cells(row.orders, row.quantity, row.net, row.vat, row.gross));
        table.push(cells);
    }
    table
}

impl SalesDimension {
    /// The key column's name.
    fn key_column(self) -> &'static str {
        match self {
            Self::Customer => "customer_id",
            Self::Channel => "channel",
            Self::Product => "sku",
        }
    }
}

/// Sales by a dimension as a table: `<key>,name,currency,orders,quantity,net,vat,gross`.
pub fn sales_by_table(rows: &[SalesBy], dimension: SalesDimension) -> Table {
    let mut table = Table::new(
        dimension.report_name(),
        &sales_columns(&[
            (dimension.key_column(), ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("currency", ColumnKind::Text),
        ]),
    );
    for row in rows {
        let mut cells = vec![row.key.as_str().into(), row.name.as_str().into(), row.currency.as_str().into()];
        cells.extend(measure_cells(row.orders, row.quantity, row.net, row.vat, row.gross));
        table.push(cells);
    }
    table
}

/// The `n` best customers or products by net per currency (ties by key), with their rank and share of the
/// currency's net in percent (two places): reports `top_customers` and `top_products`.
pub fn top(rows: &[SalesBy], dimension: SalesDimension, n: usize) -> Table {
    let report = match dimension {
        SalesDimension::Product => "top_products",
        SalesDimension::Customer | SalesDimension::Channel => "top_customers",
    };
    let mut table = Table::new(
        report,
        &[
            ("currency", ColumnKind::Text),
            ("rank", ColumnKind::Integer),
            (dimension.key_column(), ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("orders", ColumnKind::Integer),
            ("quantity", ColumnKind::Quantity),
            ("net", ColumnKind::Decimal),
            ("share_of_net_pct", ColumnKind::Decimal),
        ],
    );
    let mut by_currency: BTreeMap<&str, Vec<&SalesBy>> = BTreeMap::new();
    for row in rows {
        by_currency.entry(row.currency.as_str()).or_default().push(row);
    }
    for (currency, mut members) in by_currency {
        let total: Decimal = members.iter().map(|r| r.net).sum();
        members.sort_by(|a, b| b.net.cmp(&a.net).then_with(|| a.key.cmp(&b.key)));
        for (rank, row) in members.into_iter().take(n).enumerate() {
            let share = if total.is_zero() { None } else { Some((row.net * Decimal::ONE_HUNDRED / total).round_dp(2)) };
            table.push(vec![
                currency.into(),
                Cell::Integer(i64::try_from(rank).unwrap_or(i64::MAX) + 1),
                row.key.as_str().into(),
                row.name.as_str().into(),
                row.orders.into(),
                row.quantity.normalize().into(),
                row.net.into(),
                share.into(),
            ]);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;

    #[test]
    fn sales_by_customer_channel_and_product_add_up_to_the_days_sales() {
        let day = Period::day(time::OffsetDateTime::UNIX_EPOCH.date());
        let mut a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        a.buyer.name = "=HYPERLINK(\"x\")".into();
        let mut b = fixtures::order(OrderType::Purchase, &[("A", dec!(1))]);
        b.channel = "shop-2".into();
        let orders = [a, b];
        let day_total = sales_by_day(&orders, &day);
        for dimension in [SalesDimension::Customer, SalesDimension::Channel, SalesDimension::Product] {
            let rows = sales_by(&orders, &day, dimension);
            assert_eq!(rows.iter().map(|r| r.net).sum::<Decimal>(), day_total[0].net, "{dimension:?}");
            assert_eq!(rows.iter().map(|r| r.quantity).sum::<Decimal>(), day_total[0].quantity, "{dimension:?}");
        }
        let products = sales_by(&orders, &day, SalesDimension::Product);
        assert_eq!((products[0].key.as_str(), products[0].orders, products[0].quantity), ("A", 2, dec!(3)));
        // 3 × 10.00 at 25 %
        assert_eq!((products[0].vat, products[0].gross), (Some(dec!(7.5)), Some(dec!(37.5))));
        let customers =
            sales_by_table(&sales_by(&orders, &day, SalesDimension::Customer), SalesDimension::Customer).to_csv();
        assert!(customers.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{customers}");
        assert_eq!(sales_by(&orders, &day, SalesDimension::Channel).len(), 2);

        let top_products = top(&products, SalesDimension::Product, 1);
        assert_eq!(top_products.rows.len(), 1);
        // A: 3 × 10.00 of 45.00 net
        assert_eq!(
            top_products.rows[0],
            vec![
                "EUR".into(),
                Cell::Integer(1),
                "A".into(),
                "Product A".into(),
                Cell::Integer(2),
                dec!(3).into(),
                dec!(30.00).into(),
                dec!(66.67).into()
            ]
        );
    }

    #[test]
    fn sales_count_the_days_orders_per_currency_and_leave_out_rejected_ones() {
        let day = Period::day(time::OffsetDateTime::UNIX_EPOCH.date());
        let a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        let b = fixtures::order(OrderType::Purchase, &[("A", dec!(1))]);
        let mut rejected = fixtures::order(OrderType::Purchase, &[("A", dec!(9))]);
        rejected.status = OrderStatus::Rejected;
        let mut other_day = b.clone();
        other_day.received_at += time::Duration::days(1);
        let rows = sales_by_day(&[a.clone(), b.clone(), rejected, other_day], &day);
        assert_eq!(rows.len(), 1);
        // (2 + 1.5) × 10.00 = 35.00 and 1 × 10.00 = 10.00; 25 % VAT
        assert_eq!(
            (rows[0].orders, rows[0].quantity, rows[0].net, rows[0].vat, rows[0].gross),
            (2, dec!(4.5), dec!(45.00), dec!(11.25), dec!(56.25))
        );
        let csv = sales_by_day_table(&rows).to_csv();
        assert_eq!(csv, "date,currency,orders,quantity,net,vat,gross\r\n1970-01-01,EUR,2,4.5,45.00,11.25,56.25\r\n");
    }
}
