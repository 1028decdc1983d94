//! What a run computes: the data each report needs, read once per tenant and period, and the reports' tables.

use std::collections::BTreeMap;

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::invoice::{DocumentKind, Invoice};
use orders_domain::order::Order;
use orders_domain::reports::finance::{statement_summary, statement_table, statements_table};
use orders_domain::reports::sales::{sales_by_day_table, sales_by_table};
use orders_domain::reports::{
    invoice_register, lead_time_summary, lead_times, order_tracking, statements, top, MarginAccumulator, Milestones,
    Period, ReportName, Sales, SalesDimension, Table, OPEN_STATUSES,
};
use rust_decimal::Decimal;

use super::{ReportError, Reporting};

/// How many members the top lists show.
pub const TOP: usize = 10;

/// One report's content: its table (CSV and Parquet) and the sheets of its workbook.
#[derive(Debug, Clone)]
pub struct ReportContent {
    /// Which report.
    pub name: ReportName,
    /// Its rows.
    pub table: Table,
    /// The workbook's sheets (default: the table as one sheet named after the report).
    pub sheets: Vec<(String, Table)>,
}

impl ReportContent {
    fn single(name: ReportName, table: Table) -> Self {
        Self { name, sheets: vec![(name.as_str().to_owned(), table.clone())], table }
    }
}

/// The reports in `wanted` of `tenant` for `period`, reading only what they need.
pub async fn build(
    app: &Reporting,
    tenant: &TenantId,
    period: &Period,
    wanted: &[ReportName],
) -> Result<Vec<ReportContent>, ReportError> {
    use ReportName as R;
    let needs = |names: &[ReportName]| names.iter().any(|n| wanted.contains(n));
    let open_orders = if needs(&[R::OrderTracking]) {
        app.store.orders_in_statuses(tenant, &OPEN_STATUSES).await?
    } else {
        Vec::new()
    };
    // Statements need every document up to the period's end; the register and lead times those of the period.
    let documents: Vec<Invoice> = if needs(&[R::CustomerStatement]) {
        app.store.documents_issued(tenant, None, Some(period.to.to_string())).await?
    } else if needs(&[R::InvoiceRegister, R::LeadTimes, R::LeadTimeSummary]) {
        app.store.documents_issued(tenant, Some(period.from.to_string()), Some(period.to.to_string())).await?
    } else {
        Vec::new()
    };
    let of_period: Vec<Invoice> = documents.iter().filter(|d| period.contains(d.issue_date)).cloned().collect();
    let milestones = if needs(&[R::LeadTimes, R::LeadTimeSummary]) {
        milestones(app, tenant, period, &of_period).await?
    } else {
        Vec::new()
    };
    // The whole catalogue for the margin's cost prices; the sales reports name their products from it too.
    let catalogue = if needs(&[R::GrossMargin]) { Some(app.store.all_products(tenant).await?) } else { None };
    let costs: BTreeMap<String, (Decimal, String)> = catalogue
        .iter()
        .flatten()
        .filter_map(|p| p.cost_price.map(|cost| (p.sku.as_str().to_owned(), (cost, p.currency.code().to_owned()))))
        .collect();

    let sales_reports =
        [R::SalesByDay, R::SalesByCustomer, R::SalesByChannel, R::SalesByProduct, R::TopProducts, R::TopCustomers];
    let sales = if needs(&sales_reports) {
        super::facts::sales_of_period(app, tenant, period, catalogue.as_deref()).await?
    } else {
        Sales::default()
    };
    // Gross margin still reads the period's orders page by page into running sums (memory grows with the
    // products and customers, not with the orders): the facts carry no cost yet.
    let mut margin = MarginAccumulator::new(*period);
    if needs(&[R::GrossMargin]) {
        let cost_of = cost_lookup(&costs);
        app.store.each_order_of_period(tenant, period, |order| margin.add(order, &cost_of)).await?;
    }
    let inputs = Inputs { period: *period, sales, margin, open_orders, documents, of_period, milestones };
    Ok(wanted.iter().map(|&name| compute(name, &inputs)).collect())
}

/// What the reports are computed from.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The period.
    pub period: Period,
    /// Sales of the orders received in it, summed from the order-line facts.
    pub sales: Sales,
    /// Their gross margin.
    pub margin: MarginAccumulator,
    /// Orders open now.
    pub open_orders: Vec<Order>,
    /// Billing documents up to its end (for statements) or of it.
    pub documents: Vec<Invoice>,
    /// Billing documents issued in it.
    pub of_period: Vec<Invoice>,
    /// Milestones of the orders first invoiced in it.
    pub milestones: Vec<Milestones>,
}

impl Inputs {
    /// No data (every report's shape, for the Glue tables' check).
    pub fn empty(period: Period) -> Self {
        Self {
            period,
            sales: Sales::default(),
            margin: MarginAccumulator::new(period),
            open_orders: Vec::new(),
            documents: Vec::new(),
            of_period: Vec::new(),
            milestones: Vec::new(),
        }
    }
}

/// One report from its inputs.
pub fn compute(name: ReportName, inputs: &Inputs) -> ReportContent {
    use ReportName as R;
    let (sales, period) = (&inputs.sales, &inputs.period);
    let by = |dimension: SalesDimension| ReportContent::single(name, sales_by_table(sales.by(dimension), dimension));
    match name {
        R::SalesByDay => ReportContent::single(name, sales_by_day_table(&sales.days)),
        R::SalesByCustomer => by(SalesDimension::Customer),
        R::SalesByChannel => by(SalesDimension::Channel),
        R::SalesByProduct => by(SalesDimension::Product),
        R::TopProducts => {
            ReportContent::single(name, top(sales.by(SalesDimension::Product), SalesDimension::Product, TOP))
        }
        R::TopCustomers => {
            ReportContent::single(name, top(sales.by(SalesDimension::Customer), SalesDimension::Customer, TOP))
        }
        R::OrderTracking => ReportContent::single(name, order_tracking(&inputs.open_orders, period.to)),
        R::LeadTimes => ReportContent::single(name, lead_times(&inputs.milestones)),
        R::LeadTimeSummary => ReportContent::single(name, lead_time_summary(&inputs.milestones)),
        R::GrossMargin => ReportContent::single(name, inputs.margin.table()),
        R::InvoiceRegister => ReportContent::single(name, invoice_register(&inputs.of_period)),
        R::CustomerStatement => {
            let all = statements(&inputs.documents, period.to);
            let mut sheets = vec![("Summary".to_owned(), statement_summary(&all))];
            sheets.extend(all.iter().map(|s| {
                let sheet = if all.iter().filter(|o| o.customer_id == s.customer_id).count() > 1 {
                    format!("{} {}", s.customer_id, s.currency)
                } else {
                    s.customer_id.clone()
                };
                (sheet, statement_table(s))
            }));
            ReportContent { name, table: statements_table(&all), sheets }
        }
    }
}

/// A SKU's cost price in a currency, from the catalogue's (cost, its currency).
fn cost_lookup(costs: &BTreeMap<String, (Decimal, String)>) -> impl Fn(&str, &str) -> Option<Decimal> + '_ {
    move |sku, currency| costs.get(sku).filter(|(_, c)| c == currency).map(|(cost, _)| *cost)
}

/// The milestones of the orders first invoiced in `period` (an order invoiced before it was counted then).
async fn milestones(
    app: &Reporting,
    tenant: &TenantId,
    period: &Period,
    documents: &[Invoice],
) -> Result<Vec<Milestones>, ReportError> {
    // Each order's first invoice in the period (a collective invoice is the first of each order it bills).
    let mut first_in_period: BTreeMap<&OrderId, &Invoice> = BTreeMap::new();
    for doc in documents.iter().filter(|d| d.kind == DocumentKind::Invoice) {
        for order_id in doc.order_ids() {
            let entry = first_in_period.entry(order_id).or_insert(doc);
            if doc.issued_at < entry.issued_at {
                *entry = doc;
            }
        }
    }
    let mut out = Vec::new();
    for (order_id, invoice) in first_in_period {
        let Some(detail) = app.store.get_order_detail(tenant, order_id).await? else { continue };
        let earlier = detail.invoices.iter().any(|link| {
            link.kind == DocumentKind::Invoice && link.issue_date.as_str() < period.from.to_string().as_str()
        });
        if earlier {
            continue;
        }
        out.push(Milestones {
            order_id: detail.order.id.clone(),
            order_number: detail.order.order_number.clone(),
            customer_id: detail.order.buyer.customer_id.as_str().to_owned(),
            received_at: detail.order.received_at,
            responded_at: detail.order.responded_at,
            first_despatch_at: detail.despatches.iter().map(|d| d.created_at).min(),
            first_invoice_at: Some(invoice.issued_at),
        });
    }
    Ok(out)
}
