//! The run's page (`tenant=<t>/index/<partition>/index.html`): sales by day over the last 30 days, the top
//! products and customers, open quantity by age, and links to every file of the run.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::{Date, Duration};

use orders_domain::ids::TenantId;
use orders_domain::reports::{tracking_by_age, Cell, Period, ReportName, Table};
use orders_exports::charts::{index_html, Bar, Chart, FileLink};

use super::tables::ReportContent;
use super::writer::{get, partition, put, read_manifest, WrittenReport};
use super::{ReportError, Reporting};

/// Days the sales chart spans.
const SALES_DAYS: i64 = 30;

/// The page's key.
pub fn index_key(tenant: &TenantId, period: &Period) -> String {
    format!("tenant={tenant}/index/{}/index.html", partition(period))
}

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Integer(n) => n.to_string(),
        Cell::Decimal(d) => d.to_string(),
        Cell::Null => String::new(),
    }
}

fn number(cell: &Cell) -> Decimal {
    match cell {
        Cell::Decimal(d) => *d,
        Cell::Integer(n) => Decimal::from(*n),
        _ => Decimal::ZERO,
    }
}

/// Net sales per (currency, day) from a sales-by-day table.
fn sales_points(table: &Table, into: &mut BTreeMap<String, BTreeMap<Date, Decimal>>) {
    let (Some(date), Some(currency), Some(net)) = (table.column("date"), table.column("currency"), table.column("net"))
    else {
        return;
    };
    for row in &table.rows {
        if let Cell::Date(day) = row[date] {
            *into.entry(text(&row[currency])).or_default().entry(day).or_default() += number(&row[net]);
        }
    }
}

/// Net sales of earlier days from their runs' CSV (`date,currency,orders,quantity,net,…`), per currency.
async fn earlier_sales(
    app: &Reporting,
    tenant: &TenantId,
    days: impl Iterator<Item = Date>,
    into: &mut BTreeMap<String, BTreeMap<Date, Decimal>>,
) -> Result<(), ReportError> {
    for day in days {
        let prefix = super::writer::report_prefix(tenant, ReportName::SalesByDay, &Period::day(day));
        let Some(manifest) = read_manifest(app, &format!("{prefix}manifest.json")).await? else { continue };
        let Some(csv) = manifest.files.iter().find(|f| f.format == "csv") else { continue };
        let Some(bytes) = get(app, &csv.key).await? else { continue };
        for line in String::from_utf8_lossy(&bytes).lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if let (Some(currency), Some(Ok(net))) = (cells.get(1), cells.get(4).map(|n| n.parse::<Decimal>())) {
                *into.entry((*currency).to_owned()).or_default().entry(day).or_default() += net;
            }
        }
    }
    Ok(())
}

fn top_chart(table: &Table, title: &str) -> Vec<Chart> {
    let (Some(currency), Some(name), Some(net)) = (table.column("currency"), table.column("name"), table.column("net"))
    else {
        return Vec::new();
    };
    let mut by_currency: BTreeMap<String, Vec<Bar>> = BTreeMap::new();
    for row in &table.rows {
        by_currency
            .entry(text(&row[currency]))
            .or_default()
            .push(Bar { label: text(&row[name]), value: number(&row[net]) });
    }
    by_currency
        .into_iter()
        .map(|(currency, bars)| Chart {
            title: title.to_owned(),
            unit: format!("{currency} net"),
            bars,
            horizontal: true,
        })
        .collect()
}

/// Where a run's page goes: beside every report of the tenant for a full run (`tenant=<t>/index/<partition>/`),
/// inside the report's run folder for a run of some reports only (so it never replaces the full page).
pub fn page_key(tenant: &TenantId, period: &Period, written: &[WrittenReport]) -> String {
    let full = written.len() == ReportName::ALL.len();
    let folder = written.first().and_then(|r| r.files.first()).and_then(|f| f.key.rsplit_once('/'));
    match folder {
        Some((folder, _)) if !full => format!("{folder}/index.html"),
        _ => index_key(tenant, period),
    }
}

/// `key` relative to the folder of `page`.
fn relative(page: &str, key: &str) -> String {
    let page_dir: Vec<&str> = page.split('/').collect();
    let target: Vec<&str> = key.split('/').collect();
    let page_dir = &page_dir[..page_dir.len().saturating_sub(1)];
    let common = page_dir.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", page_dir.len() - common).collect();
    parts.extend(&target[common..]);
    parts.join("/")
}

/// Writes the run's page (at [`page_key`]); returns its key.
pub async fn write_index(
    app: &Reporting,
    tenant: &TenantId,
    period: &Period,
    contents: &[ReportContent],
    written: &[WrittenReport],
) -> Result<String, ReportError> {
    let key = page_key(tenant, period, written);
    let table = |name: ReportName| contents.iter().find(|c| c.name == name).map(|c| &c.table);
    let mut charts = Vec::new();
    if let Some(days) = table(ReportName::SalesByDay) {
        let first = period.to - Duration::days(SALES_DAYS - 1);
        let mut sales = BTreeMap::new();
        sales_points(days, &mut sales);
        if period.from > first {
            let earlier = Period { from: first, to: period.from - Duration::days(1) };
            earlier_sales(app, tenant, earlier.days(), &mut sales).await?;
        }
        let span = Period { from: first.min(period.from), to: period.to };
        for (currency, points) in sales {
            let bars = span
                .days()
                .map(|day| Bar { label: day.to_string(), value: points.get(&day).copied().unwrap_or_default() })
                .collect();
            charts.push(Chart {
                title: "Sales by day".into(),
                unit: format!("{currency} net"),
                bars,
                horizontal: false,
            });
        }
    }
    if let Some(top) = table(ReportName::TopProducts) {
        charts.extend(top_chart(top, "Top 10 products"));
    }
    if let Some(top) = table(ReportName::TopCustomers) {
        charts.extend(top_chart(top, "Top 10 customers"));
    }
    if let Some(tracking) = table(ReportName::OrderTracking) {
        let bars =
            tracking_by_age(tracking).into_iter().map(|(label, value)| Bar { label: label.into(), value }).collect();
        charts.push(Chart {
            title: "Open order quantity by age".into(),
            unit: "units to ship".into(),
            bars,
            horizontal: false,
        });
    }
    let links: Vec<FileLink> = written
        .iter()
        .flat_map(|report| {
            report.files.iter().map(|file| FileLink {
                report: report.report.clone(),
                name: file.name.clone(),
                href: relative(&key, &file.key),
                rows: file.rows,
                bytes: file.bytes,
            })
        })
        .collect();
    let title = if period.from == period.to {
        format!("Reports of {tenant}, {}", period.from)
    } else {
        format!("Reports of {tenant}, {} to {}", period.from, period.to)
    };
    put(app, &key, index_html(&title, &charts, &links).into_bytes(), "text/html; charset=utf-8").await?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_page() {
        assert_eq!(
            relative("tenant=t/index/date=d/index.html", "tenant=t/report=r/date=d/run=1/r.csv"),
            "../../report=r/date=d/run=1/r.csv"
        );
        assert_eq!(
            relative("tenant=t/report=r/date=d/run=1/index.html", "tenant=t/report=r/date=d/run=1/r.csv"),
            "r.csv"
        );
    }
}
