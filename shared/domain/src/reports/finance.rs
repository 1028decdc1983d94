//! Finance: gross margin (sales − cost price), the invoice register (every invoice and credit note with its
//! VAT groups) and the per-customer statement (documents, balance, what is due).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::Date;

use super::{counts_as_sale, Cell, ColumnKind, Period, Table};
use crate::document_kind::DocumentKind;
use crate::invoice::Invoice;
use crate::order::Order;

/// Gross margin of the orders received in `period` (not rejected or cancelled) per product and per customer
/// (column `dimension`), per currency. `cost_of` gives a SKU's cost price in the order's currency, when known.
/// `net` is every line's net; `cost` and `margin` cover the lines whose cost is known (`costed_net` − `cost`),
/// `uncosted_net` is the rest, so a missing cost price shows instead of inflating the margin.
pub fn gross_margin(orders: &[Order], period: &Period, cost_of: impl Fn(&str, &str) -> Option<Decimal>) -> Table {
    let mut margin = MarginAccumulator::new(*period);
    orders.iter().for_each(|order| margin.add(order, &cost_of));
    margin.table()
}

#[derive(Debug, Clone, Default)]
struct MarginSums {
    name: String,
    quantity: Decimal,
    net: Decimal,
    costed_net: Decimal,
    cost: Decimal,
    uncosted_net: Decimal,
}

/// [`gross_margin`] of orders added one at a time (memory grows with products and customers, not orders).
#[derive(Debug, Clone)]
pub struct MarginAccumulator {
    period: Period,
    rows: BTreeMap<(&'static str, String, String), MarginSums>,
}

impl MarginAccumulator {
    /// Nothing added yet.
    pub fn new(period: Period) -> Self {
        Self { period, rows: BTreeMap::new() }
    }

    /// Adds one order (ignored outside the period, rejected or cancelled).
    pub fn add(&mut self, order: &Order, cost_of: impl Fn(&str, &str) -> Option<Decimal>) {
        if !self.period.contains(order.received_at.date()) || !counts_as_sale(order) {
            return;
        }
        let currency = order.currency.code();
        for line in &order.lines {
            let cost =
                line.sku.as_ref().and_then(|sku| cost_of(sku.as_str(), currency)).map(|unit| unit * line.quantity);
            for (dimension, key, name) in [
                ("product", line.sku_text(), line.description.as_str()),
                ("customer", order.buyer.customer_id.as_str(), order.buyer.name.as_str()),
            ] {
                let sums = self.rows.entry((dimension, key.to_owned(), currency.to_owned())).or_default();
                name.clone_into(&mut sums.name);
                sums.quantity += line.quantity;
                sums.net += line.line_net;
                match cost {
                    Some(cost) => {
                        sums.costed_net += line.line_net;
                        sums.cost += cost;
                    }
                    None => sums.uncosted_net += line.line_net,
                }
            }
        }
    }

    /// The report.
    pub fn table(&self) -> Table {
        let mut table = Table::new(
            "gross_margin",
            &[
                ("dimension", ColumnKind::Text),
                ("key", ColumnKind::Text),
                ("name", ColumnKind::Text),
                ("currency", ColumnKind::Text),
                ("quantity", ColumnKind::Quantity),
                ("net", ColumnKind::Decimal),
                ("cost", ColumnKind::Decimal),
                ("margin", ColumnKind::Decimal),
                ("margin_pct", ColumnKind::Decimal),
                ("uncosted_net", ColumnKind::Decimal),
            ],
        );
        for ((dimension, key, currency), sums) in &self.rows {
            let margin = sums.costed_net - sums.cost;
            let pct =
                (!sums.costed_net.is_zero()).then(|| (margin * Decimal::ONE_HUNDRED / sums.costed_net).round_dp(2));
            table.push(vec![
                (*dimension).into(),
                key.as_str().into(),
                sums.name.as_str().into(),
                currency.as_str().into(),
                sums.quantity.normalize().into(),
                sums.net.into(),
                sums.cost.round_dp(4).into(),
                margin.round_dp(4).into(),
                pct.into(),
                sums.uncosted_net.into(),
            ]);
        }
        table
    }
}

/// The sign a document's amounts take in the register and the statement: credit notes reduce what is owed.
fn sign(kind: DocumentKind) -> Decimal {
    match kind {
        DocumentKind::CreditNote => Decimal::NEGATIVE_ONE,
        DocumentKind::Invoice | DocumentKind::DebitNote => Decimal::ONE,
    }
}

/// The invoice register: one row per document and VAT group (category and rate), by number, amounts signed
/// (credit notes negative), with the document's totals repeated on each of its rows.
pub fn invoice_register(documents: &[Invoice]) -> Table {
    let mut table = Table::new(
        "invoice_register",
        &[
            ("number", ColumnKind::Text),
            ("kind", ColumnKind::Text),
            ("issue_date", ColumnKind::Date),
            ("due_date", ColumnKind::Date),
            ("order_number", ColumnKind::Text),
            ("customer_id", ColumnKind::Text),
            ("customer_name", ColumnKind::Text),
            ("customer_vat_id", ColumnKind::Text),
            ("corrects", ColumnKind::Text),
            ("currency", ColumnKind::Text),
            ("vat_category", ColumnKind::Text),
            ("vat_rate", ColumnKind::Decimal),
            ("taxable", ColumnKind::Decimal),
            ("vat", ColumnKind::Decimal),
            ("document_net", ColumnKind::Decimal),
            ("document_vat", ColumnKind::Decimal),
            ("document_gross", ColumnKind::Decimal),
            ("payable", ColumnKind::Decimal),
        ],
    );
    let mut sorted: Vec<&Invoice> = documents.iter().collect();
    sorted.sort_by(|a, b| a.issue_date.cmp(&b.issue_date).then_with(|| a.number.cmp(&b.number)));
    for doc in sorted {
        let sign = sign(doc.kind);
        for group in &doc.vat_breakdown {
            table.push(vec![
                doc.number.as_str().into(),
                doc.kind.as_str().into(),
                doc.issue_date.into(),
                doc.due_date.into(),
                doc.order_number.as_str().into(),
                doc.buyer.customer_id.as_str().into(),
                doc.buyer.name.as_str().into(),
                doc.buyer.vat_id.clone().map_or(Cell::Null, Cell::Text),
                doc.billing_reference.as_ref().map_or(Cell::Null, |r| Cell::Text(r.number.clone())),
                doc.currency.code().into(),
                format!("{:?}", group.category).into(),
                group.rate.normalize().into(),
                (sign * group.taxable).into(),
                (sign * group.vat).into(),
                (sign * doc.totals.tax_exclusive).into(),
                (sign * doc.totals.vat).into(),
                (sign * doc.totals.tax_inclusive).into(),
                (sign * doc.totals.payable).into(),
            ]);
        }
    }
    table
}

/// One document on a customer's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementEntry {
    /// Document number.
    pub number: String,
    /// Kind.
    pub kind: DocumentKind,
    /// Issued.
    pub issue_date: Date,
    /// Due (invoices and debit notes).
    pub due_date: Option<Date>,
    /// The invoice a note corrects.
    pub corrects: Option<String>,
    /// Payable, signed (credit notes negative).
    pub amount: Decimal,
    /// What is still due on an invoice or debit note after the credit notes against it (no payments are
    /// recorded in the pipeline, so this is the amount to collect); none for credit notes.
    pub outstanding: Option<Decimal>,
    /// Days past the due date at the statement's date, when outstanding and overdue.
    pub days_overdue: Option<i64>,
}

/// A customer's statement in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerStatement {
    /// The customer.
    pub customer_id: String,
    /// Their name (from their newest document).
    pub name: String,
    /// Currency.
    pub currency: String,
    /// Documents by issue date and number.
    pub entries: Vec<StatementEntry>,
    /// Σ amounts.
    pub balance: Decimal,
    /// Σ outstanding past its due date.
    pub overdue: Decimal,
}

/// Statements as of `date` from every billing document issued up to it, one per customer and currency.
pub fn statements(documents: &[Invoice], date: Date) -> Vec<CustomerStatement> {
    let documents: Vec<&Invoice> = documents.iter().filter(|d| d.issue_date <= date).collect();
    let mut credited: BTreeMap<&str, Decimal> = BTreeMap::new();
    for doc in &documents {
        if let (DocumentKind::CreditNote, Some(reference)) = (doc.kind, &doc.billing_reference) {
            *credited.entry(reference.number.as_str()).or_default() += doc.totals.payable;
        }
    }
    let mut by_customer: BTreeMap<(String, String), CustomerStatement> = BTreeMap::new();
    let mut sorted = documents;
    sorted.sort_by(|a, b| a.issue_date.cmp(&b.issue_date).then_with(|| a.number.cmp(&b.number)));
    for doc in sorted {
        let statement = by_customer
            .entry((doc.buyer.customer_id.as_str().to_owned(), doc.currency.code().to_owned()))
            .or_insert_with(|| CustomerStatement {
                customer_id: doc.buyer.customer_id.as_str().to_owned(),
                name: String::new(),
                currency: doc.currency.code().to_owned(),
                entries: Vec::new(),
                balance: Decimal::ZERO,
                overdue: Decimal::ZERO,
            });
        doc.buyer.name.clone_into(&mut statement.name);
        let amount = sign(doc.kind) * doc.totals.payable;
        let outstanding = match doc.kind {
            DocumentKind::CreditNote => None,
            _ => Some(
                (doc.totals.payable - credited.get(doc.number.as_str()).copied().unwrap_or_default())
                    .max(Decimal::ZERO),
            ),
        };
        let days_overdue = match (outstanding, doc.due_date) {
            (Some(due), Some(due_date)) if !due.is_zero() && due_date < date => Some((date - due_date).whole_days()),
            _ => None,
        };
        if days_overdue.is_some() {
            statement.overdue += outstanding.unwrap_or_default();
        }
        statement.balance += amount;
        statement.entries.push(StatementEntry {
            number: doc.number.clone(),
            kind: doc.kind,
            issue_date: doc.issue_date,
            due_date: doc.due_date,
            corrects: doc.billing_reference.as_ref().map(|r| r.number.clone()),
            amount,
            outstanding,
            days_overdue,
        });
    }
    by_customer.into_values().collect()
}

/// The columns of a statement's document rows (the workbook's sheets and the flat report).
pub const STATEMENT_COLUMNS: [(&str, ColumnKind); 8] = [
    ("number", ColumnKind::Text),
    ("kind", ColumnKind::Text),
    ("issue_date", ColumnKind::Date),
    ("due_date", ColumnKind::Date),
    ("corrects", ColumnKind::Text),
    ("amount", ColumnKind::Decimal),
    ("outstanding", ColumnKind::Decimal),
    ("days_overdue", ColumnKind::Integer),
];

fn entry_cells(entry: &StatementEntry) -> Vec<Cell> {
    vec![
        entry.number.as_str().into(),
        entry.kind.as_str().into(),
        entry.issue_date.into(),
        entry.due_date.into(),
        entry.corrects.clone().map_or(Cell::Null, Cell::Text),
        entry.amount.into(),
        entry.outstanding.into(),
        entry.days_overdue.map_or(Cell::Null, Cell::Integer),
    ]
}

/// One statement's documents as a table (a sheet of the workbook).
pub fn statement_table(statement: &CustomerStatement) -> Table {
    let mut table = Table::new("customer_statement", &STATEMENT_COLUMNS);
    for entry in &statement.entries {
        table.push(entry_cells(entry));
    }
    table
}

/// One row per statement: `customer_id,customer_name,currency,documents,balance,outstanding,overdue` (the
/// workbook's first sheet).
pub fn statement_summary(statements: &[CustomerStatement]) -> Table {
    let mut table = Table::new(
        "customer_statement",
        &[
            ("customer_id", ColumnKind::Text),
            ("customer_name", ColumnKind::Text),
            ("currency", ColumnKind::Text),
            ("documents", ColumnKind::Integer),
            ("balance", ColumnKind::Decimal),
            ("outstanding", ColumnKind::Decimal),
            ("overdue", ColumnKind::Decimal),
        ],
    );
    for statement in statements {
        let outstanding: Decimal = statement.entries.iter().filter_map(|e| e.outstanding).sum();
        table.push(vec![
            statement.customer_id.as_str().into(),
            statement.name.as_str().into(),
            statement.currency.as_str().into(),
            u64::try_from(statement.entries.len()).unwrap_or(u64::MAX).into(),
            statement.balance.into(),
            outstanding.into(),
            statement.overdue.into(),
        ]);
    }
    table
}

/// Every statement as one flat table (`customer_id`, `customer_name`, `currency` in front), for CSV and Parquet.
pub fn statements_table(statements: &[CustomerStatement]) -> Table {
    let mut columns =
        vec![("customer_id", ColumnKind::Text), ("customer_name", ColumnKind::Text), ("currency", ColumnKind::Text)];
    columns.extend(STATEMENT_COLUMNS);
    let mut table = Table::new("customer_statement", &columns);
    for statement in statements {
        for entry in &statement.entries {
            let mut row: Vec<Cell> = vec![
                statement.customer_id.as_str().into(),
                statement.name.as_str().into(),
                statement.currency.as_str().into(),
            ];
            row.extend(entry_cells(entry));
            table.push(row);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::invoice::{draft_credit_note, draft_invoice, plan_order_invoice, CreditLedger, CreditScope};
    use crate::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;

    fn invoiced() -> (Invoice, Order) {
        let mut order = fixtures::order(OrderType::Purchase, &[("A", dec!(3)), ("B", dec!(1.5))]);
        for line in &mut order.lines {
            line.confirmed_quantity = line.quantity;
            line.shipped_quantity = line.quantity;
        }
        order.status = OrderStatus::Delivered;
        let at = time::macros::datetime!(2026-11-30 12:00 UTC);
        let plan = plan_order_invoice(&order, None).expect("plan");
        let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at).expect("draft");
        (draft.numbered(1), draft.order)
    }

    #[test]
    fn margin_is_sales_minus_cost_and_lines_without_cost_stay_apart() {
        let day = Period::day(time::OffsetDateTime::UNIX_EPOCH.date());
        let mut a = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1))]);
        a.buyer.name = "Åsa".into();
        let cost = |sku: &str, currency: &str| (sku == "A" && currency == "EUR").then_some(dec!(6.50));
        let table = gross_margin(&[a], &day, cost);
        let rows: Vec<_> =
            table.rows.iter().map(|r| (r[0].clone(), r[1].clone(), r[7].clone(), r[8].clone())).collect();
        // customer: lines 20.00 (cost 13.00) + 10.00 uncosted; product A: 20.00 − 13.00 = 7.00 = 35 %
        assert_eq!(rows[0].0, "customer".into());
        assert_eq!((rows[0].2.clone(), rows[0].3.clone()), (dec!(7.00).into(), dec!(35.00).into()));
        assert_eq!(table.rows[0][9], dec!(10.00).into());
        assert_eq!(rows[1], ("product".into(), "A".into(), dec!(7.00).into(), dec!(35.00).into()));
        assert_eq!((rows[2].2.clone(), rows[2].3.clone()), (dec!(0).into(), Cell::Null));
    }

    #[test]
    fn register_and_statement_sign_credit_notes_and_show_what_is_due() {
        let (invoice, order) = invoiced();
        let at = time::macros::datetime!(2026-12-01 12:00 UTC);
        let note = draft_credit_note(
            &invoice,
            &order,
            &CreditLedger::default(),
            &CreditScope::Full,
            "damaged",
            &fixtures::tenant(),
            at,
        )
        .expect("credit note")
        .numbered(1);
        let register = invoice_register(&[note.clone(), invoice.clone()]);
        assert_eq!(register.rows.len(), invoice.vat_breakdown.len() + note.vat_breakdown.len());
        let payable = register.column("payable").expect("payable");
        let total: Decimal = register
            .rows
            .iter()
            .filter(|r| {
                r[register.column("vat_rate").expect("rate")] == invoice.vat_breakdown[0].rate.normalize().into()
            })
            .map(|r| match &r[payable] {
                Cell::Decimal(d) => *d,
                _ => Decimal::ZERO,
            })
            .sum();
        assert_eq!(total, Decimal::ZERO, "the full credit note cancels the invoice");

        let later = invoice.due_date.expect("due") + time::Duration::days(5);
        let open = statements(std::slice::from_ref(&invoice), later);
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].entries[0].days_overdue, Some(5));
        assert_eq!(open[0].overdue, invoice.totals.payable);
        let settled = statements(&[invoice.clone(), note], later);
        assert_eq!(settled[0].balance, Decimal::ZERO);
        assert_eq!(
            settled[0].entries.iter().find(|e| e.kind == DocumentKind::Invoice).and_then(|e| e.outstanding),
            Some(Decimal::ZERO)
        );
        assert_eq!(settled[0].overdue, Decimal::ZERO);
        assert_eq!(statements_table(&settled).rows.len(), 2);
    }
}
