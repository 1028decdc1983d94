//! Order-line facts from the table's stream (docs/decisions/0011-order-line-facts.md): each batch of order
//! changes becomes one CSV file per tenant and day in the exports bucket, under
//! `facts/tenant={tenant}/date={YYYY-MM-DD}/`, named after the batch's first record with rows for that day. A batch
//! is written whole or reported failed from its first record, so a retry writes the same keys again and no change
//! lands in two files.
//!
//! The sales reports of a period are summed from those files ([`sales_of_period`]) by the one core
//! `make bench-reports` measures, [`SalesStream`]: the reports read files, not the order table.

use futures::StreamExt;
use time::Date;

use orders_aws::store::MemberNames;
use orders_domain::catalogue::Product;
use orders_domain::ids::{CustomerId, Sku, TenantId};
use orders_domain::order::Order;
use orders_domain::reports::facts::{changes, facts_header};
use orders_domain::reports::stream::SalesStream;
use orders_domain::reports::{Period, Sales, SalesDimension};

use super::{ReportError, Reporting};

/// One change of an order item, as the stream carried it.
#[derive(Debug, Clone)]
pub struct OrderChange {
    /// The stream record's identity (`{sequence number}-{event id}`): unique, and the same on every delivery.
    pub record: String,
    /// The order before (none: it is new).
    pub before: Option<Order>,
    /// The order after.
    pub after: Order,
}

/// Where a tenant's facts of `date` are.
pub fn facts_prefix(tenant: &str, date: Date) -> String {
    format!("facts/tenant={tenant}/date={date}/")
}

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactsFile {
    /// Its key in the exports bucket.
    pub key: String,
    /// Header and rows.
    pub body: String,
    /// Rows (without the header).
    pub rows: usize,
}

/// The files a batch of changes makes: one per tenant and day that some change moved, in the order of their first
/// record; none when no change moved a report.
pub fn facts_files(batch: &[OrderChange]) -> Result<Vec<FactsFile>, ReportError> {
    let mut files: Vec<((String, Date), FactsFile)> = Vec::new();
    for change in batch {
        let rows = changes(change.before.as_ref(), &change.after);
        let Some(first) = rows.first() else { continue };
        let group = (first.tenant.clone(), first.date);
        let index = match files.iter().position(|(g, _)| *g == group) {
            Some(index) => index,
            None => {
                let key = format!("{}{}.csv", facts_prefix(&group.0, group.1), change.record);
                files.push((group, FactsFile { key, body: facts_header(), rows: 0 }));
                files.len() - 1
            }
        };
        let file = &mut files[index].1;
        for row in &rows {
            file.body.push_str(&row.to_csv_line().map_err(|e| ReportError::Export(e.to_string()))?);
            file.rows += 1;
        }
    }
    Ok(files.into_iter().map(|(_, file)| file).collect())
}

/// What a batch wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactsWritten {
    /// Files (one per tenant and day the batch moved).
    pub files: usize,
    /// Rows in them (without headers).
    pub rows: usize,
}

/// Writes the facts of a batch of changes. Any failure fails the whole batch (its files are written again, to the
/// same keys, when it is retried).
pub async fn write_facts(app: &Reporting, batch: &[OrderChange]) -> Result<FactsWritten, ReportError> {
    let mut written = FactsWritten::default();
    for file in facts_files(batch)? {
        app.exports.put(&file.key, file.body.into_bytes(), "text/csv; charset=utf-8").await?;
        written.files += 1;
        written.rows += file.rows;
    }
    Ok(written)
}

/// How many facts files a run reads at once (they are added in key order as they arrive).
const CONCURRENT_READS: usize = 8;

/// The sales of `tenant` in `period`: every facts file of its days through [`SalesStream::push_file`], then the
/// customers named from the register and the SKUs from the catalogue as they are now (facts carry ids only;
/// `catalogue` is the whole catalogue when the caller has read it already, and then no product is read again). A
/// file that does not read as facts fails the run, naming its key.
pub async fn sales_of_period(
    app: &Reporting,
    tenant: &TenantId,
    period: &Period,
    catalogue: Option<&[Product]>,
) -> Result<Sales, ReportError> {
    let mut stream = SalesStream::new();
    for day in period.days() {
        let keys = app.exports.list_keys(&facts_prefix(tenant.as_str(), day)).await?;
        let mut reads = futures::stream::iter(keys)
            .map(|key| async move { (app.exports.get(&key).await, key) })
            .buffered(CONCURRENT_READS);
        while let Some((body, key)) = reads.next().await {
            // Listed but gone: replaced between the list and the read, which only a rewrite of the day does.
            let Some(body) = body? else { continue };
            stream.push_file(&body).map_err(|error| ReportError::Facts { key, detail: error.to_string() })?;
        }
    }
    let mut sales = stream
        .sales()
        .map_err(|error| ReportError::Facts { key: format!("facts/tenant={tenant}/"), detail: error.to_string() })?;
    // Rows are by key, then currency: a key's rows are next to each other.
    let mut customers: Vec<CustomerId> =
        sales.customers.iter().filter_map(|c| CustomerId::parse(c.key.as_str()).ok()).collect();
    customers.dedup();
    let mut skus: Vec<Sku> = match catalogue {
        Some(_) => Vec::new(),
        None => sales.products.iter().filter_map(|p| Sku::parse(&p.key).ok()).collect(),
    };
    skus.dedup();
    let mut names = MemberNames::default();
    if !customers.is_empty() || !skus.is_empty() {
        names = app.store.names_of(tenant, &customers, &skus).await?;
    }
    names.products.extend(catalogue.into_iter().flatten().map(|p| (p.sku.as_str().to_owned(), p.name.clone())));
    sales.name_members(|dimension, key| match dimension {
        SalesDimension::Customer => names.customers.get(key).cloned(),
        SalesDimension::Product => names.products.get(key).cloned(),
        SalesDimension::Channel => None,
    });
    Ok(sales)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orders_domain::fixtures;
    use orders_domain::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;

    #[test]
    fn a_batch_makes_one_file_per_tenant_and_day_named_after_its_first_record() {
        let placed = fixtures::order(OrderType::Purchase, &[("A", dec!(2))]);
        let mut accepted = placed.clone();
        accepted.status = OrderStatus::Accepted;
        let mut cancelled = accepted.clone();
        cancelled.status = OrderStatus::Cancelled;
        let mut next_day = fixtures::order(OrderType::Purchase, &[("B", dec!(1))]);
        next_day.received_at += time::Duration::days(1);
        let change =
            |record: &str, before: Option<&orders_domain::order::Order>, after: &orders_domain::order::Order| {
                OrderChange { record: record.into(), before: before.cloned(), after: after.clone() }
            };
        let batch = [
            change("10-a", Some(&placed), &accepted), // moves nothing
            change("11-b", None, &placed),
            change("12-c", None, &next_day),
            change("13-d", Some(&accepted), &cancelled),
        ];
        let files = facts_files(&batch).expect("files");
        let day = placed.received_at.date();
        let tenant = placed.tenant.as_str();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].key, format!("facts/tenant={tenant}/date={day}/11-b.csv"));
        assert_eq!((files[0].rows, files[1].rows), (2, 1));
        assert!(files[0].body.starts_with("order_id,tenant,date,"), "{}", files[0].body);
        assert!(files[0].body.contains(",A,-2,-20,-5,,cancelled\n"), "{}", files[0].body);
        assert!(files[1].key.ends_with(&format!("date={}/12-c.csv", day.next_day().expect("day"))));
        assert!(facts_files(&batch[..1]).expect("files").is_empty(), "a batch that moves nothing writes nothing");
    }
}
