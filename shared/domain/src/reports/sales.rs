//! Sales: by day, customer, channel and product (the orders received on a day that were not rejected or
//! cancelled), and the top customers and products among them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::Date;

use super::{Cell, ColumnKind, Table};
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

/// The sales reports' rows of a period, as [`super::stream::SalesStream::sales`] sums them from the order-line
/// facts: by day, and by customer, channel and product, each ordered by key and currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sales {
    /// By day and currency.
    pub days: Vec<SalesDay>,
    /// By customer and currency (named by the caller: facts carry ids only).
    pub customers: Vec<SalesBy>,
    /// By channel and currency.
    pub channels: Vec<SalesBy>,
    /// By SKU and currency; free-text lines share one row under an empty SKU (named by the caller).
    pub products: Vec<SalesBy>,
}

impl Sales {
    /// Sales by `dimension`, ordered by key and currency.
    pub fn by(&self, dimension: SalesDimension) -> &[SalesBy] {
        match dimension {
            SalesDimension::Customer => &self.customers,
            SalesDimension::Channel => &self.channels,
            SalesDimension::Product => &self.products,
        }
    }

    /// Names the customers and products (`name_of` gets the dimension and the key; `None` leaves the name as it
    /// is). Channels are named by themselves.
    pub fn name_members(&mut self, name_of: impl Fn(SalesDimension, &str) -> Option<String>) {
        for (dimension, rows) in
            [(SalesDimension::Customer, &mut self.customers), (SalesDimension::Product, &mut self.products)]
        {
            for row in rows.iter_mut() {
                if let Some(name) = name_of(dimension, &row.key) {
                    row.name = name;
                }
            }
        }
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
    use crate::reports::facts::{contribution, facts_header};
    use crate::reports::stream::SalesStream;
    use rust_decimal_macros::dec;

    /// The sales of `orders` as the reporting function sums them: their facts through the stream core, members
    /// named after the orders' buyers and lines.
    fn sales_of(orders: &[Order]) -> Sales {
        let mut file = facts_header();
        for row in orders.iter().flat_map(contribution) {
            file.push_str(&row.to_csv_line().expect("a writable row"));
        }
        let mut stream = SalesStream::new();
        stream.push_file(file.as_bytes()).expect("facts");
        let mut sales = stream.sales().expect("sales");
        sales.name_members(|dimension, key| match dimension {
            SalesDimension::Customer => {
                orders.iter().find(|o| o.buyer.customer_id.as_str() == key).map(|o| o.buyer.name.clone())
            }
            _ => orders.iter().flat_map(|o| &o.lines).find(|l| l.sku_text() == key).map(|l| l.description.clone()),
        });
        sales
    }

    #[test]
    fn sales_by_customer_channel_and_product_add_up_to_the_days_sales() {
        let mut a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        a.buyer.name = "=HYPERLINK(\"x\")".into();
        let mut b = fixtures::order(OrderType::Purchase, &[("A", dec!(1))]);
        b.channel = "shop-2".into();
        let sales = sales_of(&[a, b]);
        let day_total = &sales.days[0];
        for dimension in [SalesDimension::Customer, SalesDimension::Channel, SalesDimension::Product] {
            let rows = sales.by(dimension);
            assert_eq!(rows.iter().map(|r| r.net).sum::<Decimal>(), day_total.net, "{dimension:?}");
            assert_eq!(rows.iter().map(|r| r.quantity).sum::<Decimal>(), day_total.quantity, "{dimension:?}");
        }
        let products = sales.by(SalesDimension::Product);
        assert_eq!((products[0].key.as_str(), products[0].orders, products[0].quantity), ("A", 2, dec!(3)));
        // 3 × 10.00 at 25 %
        assert_eq!((products[0].vat, products[0].gross), (Some(dec!(7.5)), Some(dec!(37.5))));
        let customers = sales_by_table(sales.by(SalesDimension::Customer), SalesDimension::Customer).to_csv();
        assert!(customers.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{customers}");
        assert_eq!(sales.by(SalesDimension::Channel).len(), 2);

        let top_products = top(products, SalesDimension::Product, 1);
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
    fn sales_count_the_days_orders_per_currency_and_leave_out_rejected_and_cancelled_ones() {
        let a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        let b = fixtures::order(OrderType::Purchase, &[("A", dec!(1))]);
        let mut rejected = fixtures::order(OrderType::Purchase, &[("A", dec!(9))]);
        rejected.status = OrderStatus::Rejected;
        let mut other_day = b.clone();
        other_day.id = crate::ids::OrderId::generate();
        other_day.received_at += time::Duration::days(1);
        let sales = sales_of(&[a.clone(), b.clone(), rejected, other_day]);
        let rows = &sales.days;
        assert_eq!(rows.len(), 2, "{rows:?}");
        // (2 + 1.5) × 10.00 = 35.00 and 1 × 10.00 = 10.00; 25 % VAT
        assert_eq!(
            (rows[0].orders, rows[0].quantity, rows[0].net, rows[0].vat, rows[0].gross),
            (2, dec!(4.5), dec!(45.00), dec!(11.25), dec!(56.25))
        );
        let csv = sales_by_day_table(&rows[..1]).to_csv();
        assert_eq!(csv, "date,currency,orders,quantity,net,vat,gross\r\n1970-01-01,EUR,2,4.5,45.00,11.25,56.25\r\n");
        assert!(sales.products.iter().all(|p| p.orders > 0), "the rejected order's 9 × A is nowhere");
        assert_eq!(sales.products[0].quantity, dec!(4), "A: 2 + 1 + 1 (the next day's)");
    }
}
