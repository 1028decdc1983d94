//! Reports for analysts (docs/domain.md "Reports"): what each report counts, as pure code. Every report is a
//! [`Table`] of typed columns, so the writers (CSV here; XLSX, Parquet and the charts page in `orders-exports`)
//! know whether a cell is text, a whole number, an exact decimal or a date and never guess.
//!
//! - [`sales`]: sales by day, customer, channel and product; top products and customers.
//! - [`operations`]: order tracking (open quantities per line and their age) and lead times.
//! - [`facts`]: the order-line facts files the sales reports are summed from.
//! - [`finance`]: gross margin, the invoice register and the per-customer statement.
//! - [`stream`]: sales by day, product, customer and channel of facts files in one pass and constant memory (the
//!   core `make bench-reports` measures).

pub mod facts;
pub mod finance;
pub mod operations;
pub mod sales;
pub mod stream;

use rust_decimal::Decimal;
use time::Date;

pub use finance::{
    gross_margin, invoice_register, statement_summary, statement_table, statements, statements_table,
    CustomerStatement, MarginAccumulator, StatementEntry,
};
pub use operations::{
    lead_time_summary, lead_times, order_tracking, tracking_by_age, Milestones, AGE_BUCKETS, OPEN_STATUSES,
};
pub use sales::{counts_as_sale, sales_by_day_table, sales_by_table, top, Sales, SalesBy, SalesDay, SalesDimension};

/// The reports a run writes (docs/domain.md "Reports"), each one [`Table`] under its own folder and Glue table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportName {
    /// [`sales::sales_by_day_table`].
    SalesByDay,
    /// [`sales::sales_by_table`] by customer.
    SalesByCustomer,
    /// … by channel.
    SalesByChannel,
    /// … by product.
    SalesByProduct,
    /// [`sales::top`] products.
    TopProducts,
    /// [`sales::top`] customers.
    TopCustomers,
    /// [`operations::order_tracking`].
    OrderTracking,
    /// [`operations::lead_times`].
    LeadTimes,
    /// [`operations::lead_time_summary`].
    LeadTimeSummary,
    /// [`finance::gross_margin`].
    GrossMargin,
    /// [`finance::invoice_register`].
    InvoiceRegister,
    /// [`finance::statements_table`] (and the workbook with a sheet per customer).
    CustomerStatement,
}

impl ReportName {
    /// Every report, in the order a run writes them.
    pub const ALL: [Self; 12] = [
        Self::SalesByDay,
        Self::SalesByCustomer,
        Self::SalesByChannel,
        Self::SalesByProduct,
        Self::TopProducts,
        Self::TopCustomers,
        Self::OrderTracking,
        Self::LeadTimes,
        Self::LeadTimeSummary,
        Self::GrossMargin,
        Self::InvoiceRegister,
        Self::CustomerStatement,
    ];

    /// Its name (`sales_by_day`): folder, file stem, Glue table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SalesByDay => "sales_by_day",
            Self::SalesByCustomer => "sales_by_customer",
            Self::SalesByChannel => "sales_by_channel",
            Self::SalesByProduct => "sales_by_product",
            Self::TopProducts => "top_products",
            Self::TopCustomers => "top_customers",
            Self::OrderTracking => "order_tracking",
            Self::LeadTimes => "lead_times",
            Self::LeadTimeSummary => "lead_time_summary",
            Self::GrossMargin => "gross_margin",
            Self::InvoiceRegister => "invoice_register",
            Self::CustomerStatement => "customer_statement",
        }
    }

    /// The report called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// The days a report covers (both ends included): one day for the scheduled run, a range on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

impl Period {
    /// One day.
    pub fn day(date: Date) -> Self {
        Self { from: date, to: date }
    }

    /// Whether `date` is in it.
    pub fn contains(&self, date: Date) -> bool {
        (self.from..=self.to).contains(&date)
    }

    /// Its days, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> {
        let to = self.to;
        std::iter::successors(Some(self.from), move |d| d.next_day().filter(|next| *next <= to))
            .take_while(move |d| *d <= to)
    }

    /// `from_to`, or the day alone: how files and ids name it.
    pub fn label(&self) -> String {
        if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{}_{}", self.from, self.to)
        }
    }
}

/// The longest period a report can be asked for on demand (days).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// `POST /v1/reports`: which report, for which days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRequest {
    /// The report.
    pub report: ReportName,
    /// Its days.
    pub period: Period,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportRequestBody {
    report: Option<String>,
    from_date: Option<String>,
    to_date: Option<String>,
}

/// Parses `{"report": "sales_by_product", "from_date": "2026-11-01", "to_date": "2026-11-30"}`: a known report,
/// days as `YYYY-MM-DD`, `from_date` ≤ `to_date` ≤ `today`, at most [`MAX_PERIOD_DAYS`] days; every problem is
/// reported with its JSON Pointer.
pub fn parse_report_request(json: &str, today: Date) -> Result<ReportRequest, crate::parsing::RequestError> {
    use crate::parsing::{malformed_at, RequestError};
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: ReportRequestBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = crate::FieldErrors::new();
    let report = match body.report {
        None => {
            errors.push("/report", "required");
            None
        }
        Some(name) => {
            let parsed = ReportName::parse(&name);
            if parsed.is_none() {
                let known: Vec<&str> = ReportName::ALL.iter().map(|r| r.as_str()).collect();
                errors.push("/report", format!("{name:?} is not a report; one of {}", known.join(", ")));
            }
            parsed
        }
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut day = |pointer: &str, value: Option<String>| match value {
        None => {
            errors.push(pointer, "required");
            None
        }
        Some(text) => match Date::parse(&text, &format) {
            Ok(date) if date > today => {
                errors.push(pointer, format!("{text} is in the future (today is {today})"));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                errors.push(pointer, format!("{text:?} is not a date in the form YYYY-MM-DD"));
                None
            }
        },
    };
    let from = day("/from_date", body.from_date);
    let to = day("/to_date", body.to_date);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.push("/to_date", format!("{to} is before from_date {from}"));
        } else if (to - from).whole_days() >= MAX_PERIOD_DAYS {
            errors.push("/to_date", format!("at most {MAX_PERIOD_DAYS} days at a time"));
        }
    }
    if !errors.is_empty() {
        return Err(RequestError::Invalid(errors.into_vec()));
    }
    match (report, from, to) {
        (Some(report), Some(from), Some(to)) => Ok(ReportRequest { report, period: Period { from, to } }),
        _ => Err(RequestError::Invalid(Vec::new())),
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text (UTF-8).
    Text,
    /// A whole number.
    Integer,
    /// An exact decimal (amounts, percentages, hours); at most [`DECIMAL_SCALE`] places.
    Decimal,
    /// An exact decimal count of units (shown without a fixed number of places).
    Quantity,
    /// A calendar day.
    Date,
}

/// Decimal places every decimal column is stored with where a format needs a fixed scale (Parquet
/// `DECIMAL(18, 4)`): enough for any currency's minor unit and the quantities intake accepts.
pub const DECIMAL_SCALE: u32 = 4;

/// A named, typed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its header (snake_case).
    pub name: &'static str,
    /// What it holds.
    pub kind: ColumnKind,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// No value (an empty CSV cell, a Parquet null).
    Null,
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A day.
    Date(Date),
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<Decimal> for Cell {
    fn from(value: Decimal) -> Self {
        Self::Decimal(value)
    }
}

impl From<Option<Decimal>> for Cell {
    fn from(value: Option<Decimal>) -> Self {
        value.map_or(Self::Null, Self::Decimal)
    }
}

impl From<u64> for Cell {
    fn from(value: u64) -> Self {
        Self::Integer(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl From<Date> for Cell {
    fn from(value: Date) -> Self {
        Self::Date(value)
    }
}

impl From<Option<Date>> for Cell {
    fn from(value: Option<Date>) -> Self {
        value.map_or(Self::Null, Self::Date)
    }
}

/// A report's rows under typed columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The report's name (`sales_by_day`): its folder, file stem, Glue table.
    pub report: &'static str,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with `columns` given as `(name, kind)`.
    pub fn new(report: &'static str, columns: &[(&'static str, ColumnKind)]) -> Self {
        Self { report, columns: columns.iter().map(|&(name, kind)| Column { name, kind }).collect(), rows: Vec::new() }
    }

    /// Appends a row. A row of the wrong length is a bug in the report, not in its input.
    pub fn push(&mut self, row: Vec<Cell>) {
        assert_eq!(row.len(), self.columns.len(), "a row of {} has the wrong number of cells", self.report);
        self.rows.push(row);
    }

    /// The index of the column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The table as CSV (RFC 4180: header, CRLF line ends, UTF-8; text neutralised by [`csv_text`]).
    pub fn to_csv(&self) -> String {
        let mut out = self.csv_header();
        for row in &self.rows {
            out.push_str(&csv_row(row));
        }
        out
    }

    /// The CSV header line (with its CRLF).
    pub fn csv_header(&self) -> String {
        let header: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        format!("{}\r\n", header.join(","))
    }
}

/// One row as a CSV line (with its CRLF).
pub fn csv_row(row: &[Cell]) -> String {
    let cells: Vec<String> = row.iter().map(csv_cell).collect();
    format!("{}\r\n", cells.join(","))
}

/// One cell as CSV.
pub fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Text(text) => csv_text(text),
        Cell::Integer(n) => n.to_string(),
        Cell::Decimal(d) => csv_number(*d),
        Cell::Date(d) => d.to_string(),
    }
}

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote, CR or LF (quotes doubled); a text starting
/// with `=`, `+`, `-`, `@`, a tab or CR — also after leading spaces, and in their full-width forms `＝＋－＠`,
/// which spreadsheets read as the same — gets a leading `'` so a spreadsheet shows it instead of running it.
/// Numbers are written by [`csv_number`], which never needs this.
pub fn csv_text(value: &str) -> String {
    let formula = value
        .trim_start_matches([' ', '\u{3000}'])
        .starts_with(['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}']);
    let neutral = if formula { format!("'{value}") } else { value.to_owned() };
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

/// The value at nearest rank `p` percent of `sorted` (ascending): p50 is the median as one of the values.
pub fn percentile(sorted: &[Decimal], p: u32) -> Option<Decimal> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (usize::try_from(p).unwrap_or(100) * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
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
        // Leading spaces and the full-width forms spreadsheets read as the same do not hide a formula.
        assert_eq!(csv_text("  =1+1"), "'  =1+1");
        assert_eq!(csv_text("\u{3000}+1"), "'\u{3000}+1");
        for wide in ["＝1+1", "＋1", "－2", "＠SUM(A1)"] {
            assert_eq!(csv_text(wide), format!("'{wide}"));
        }
        assert_eq!(csv_text(" plain"), " plain");
        assert_eq!(csv_number(dec!(-12.50)), "-12.50");
    }

    #[test]
    fn a_table_writes_typed_cells_as_csv() {
        let mut table =
            Table::new("t", &[("a", ColumnKind::Text), ("n", ColumnKind::Integer), ("d", ColumnKind::Decimal)]);
        table.push(vec!["-x".into(), 3_i64.into(), Cell::Null]);
        table.push(vec!["y".into(), Cell::Integer(-1), dec!(-0.50).into()]);
        assert_eq!(table.to_csv(), "a,n,d\r\n'-x,3,\r\ny,-1,-0.50\r\n");
        assert_eq!(table.column("d"), Some(2));
    }

    #[test]
    fn a_report_request_names_a_known_report_and_a_period_up_to_today() {
        let today = time::macros::date!(2026 - 11 - 30);
        let ok =
            parse_report_request(r#"{"report":"gross_margin","from_date":"2026-11-01","to_date":"2026-11-30"}"#, today)
                .expect("valid");
        assert_eq!(ok.report, ReportName::GrossMargin);
        assert_eq!(ok.period.days().count(), 30);
        let pointers = |json: &str| match parse_report_request(json, today) {
            Err(crate::parsing::RequestError::Invalid(errors)) => {
                errors.into_iter().map(|e| e.pointer).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(pointers(r#"{"report":"nope","from_date":"2026-12-01"}"#), ["/report", "/from_date", "/to_date"]);
        assert_eq!(
            pointers(r#"{"report":"lead_times","from_date":"2026-11-30","to_date":"2026-11-01"}"#),
            ["/to_date"]
        );
        assert_eq!(
            pointers(r#"{"report":"lead_times","from_date":"2024-01-01","to_date":"2026-11-01"}"#),
            ["/to_date"]
        );
        assert!(matches!(
            parse_report_request(r#"{"report":"x","extra":1}"#, today),
            Err(crate::parsing::RequestError::Malformed { .. })
        ));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<Decimal> = (1..=10).map(Decimal::from).collect();
        assert_eq!(percentile(&values, 50), Some(dec!(5)));
        assert_eq!(percentile(&values, 90), Some(dec!(9)));
        assert_eq!(percentile(&values, 100), Some(dec!(10)));
        assert_eq!(percentile(&values[..1], 90), Some(dec!(1)));
        assert_eq!(percentile(&[], 50), None);
    }
}
