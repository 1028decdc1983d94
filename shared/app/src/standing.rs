//! Standing orders recur (docs/domain.md "Order types"): once a day, every standing order whose next occurrence
//! is due places it as an ordinary order — the standing order's buyer, delivery address, lines and notes, priced
//! again against today's catalogue and the buyer's prices (a price the webshop or the seller set is kept) —
//! through the same pricing and placing as a webshop's order, then moves its schedule on. The occurrence's order
//! number (`{number}-{YYYYMMDD}`) is unique in the channel, so a run repeated after a crash finds the occurrence
//! it placed instead of placing it again. Occurrences missed (the job did not run) are placed one by one.

use time::{Date, OffsetDateTime};

use orders_aws::store::{CreateOutcome, StandingEntry};
use orders_aws::{EventPublisher, Store, StoreError};
use orders_domain::intake::{BuyerDraft, FreeTextItem, LineDraft, LineItem, OrderDraft};
use orders_domain::order::{Order, OrderStatus, OrderType, PriceSource};
use orders_domain::pricing::LineRequest;
use orders_domain::standing::{base_date, occurrence_number};
use orders_domain::tenant::TenantSettings;

use crate::ordering::webshop::{price_order, Priced};
use crate::placing::{place_order, Placement};

/// What one tenant's run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StandingReport {
    /// Occurrences placed now.
    pub placed: usize,
    /// Occurrences an earlier run had placed already.
    pub already_placed: usize,
    /// Schedules that ended (past `until`, or the standing order was cancelled or rejected).
    pub ended: usize,
    /// Occurrences that could not be placed (a product gone, a customer removed): tried again tomorrow.
    pub failed: usize,
}

/// Places every occurrence of `tenant`'s standing orders due on `today`.
pub async fn place_due_occurrences(
    store: &Store,
    confirmation: &EventPublisher,
    tenant: &TenantSettings,
    today: Date,
    now: OffsetDateTime,
) -> Result<StandingReport, StoreError> {
    let mut report = StandingReport::default();
    for entry in store.standing_entries(&tenant.tenant).await? {
        run_entry(store, confirmation, tenant, &entry, today, now, &mut report).await?;
    }
    Ok(report)
}

async fn run_entry(
    store: &Store,
    confirmation: &EventPublisher,
    tenant: &TenantSettings,
    entry: &StandingEntry,
    today: Date,
    now: OffsetDateTime,
    report: &mut StandingReport,
) -> Result<(), StoreError> {
    let standing = store.get_order_with_history(&tenant.tenant, &entry.order_id).await?.map(|(order, _)| order);
    let (Some(standing), true) = (standing.clone(), standing.as_ref().is_some_and(still_recurs)) else {
        if store.advance_standing(&tenant.tenant, entry, None).await? {
            report.ended += 1;
        }
        return Ok(());
    };
    let Some(schedule) = standing.schedule else { return Ok(()) };
    let base = base_date(standing.requested_delivery_date, standing.received_at);
    let due = schedule.due(base, entry.next, today);
    let Some(&(last, _)) = due.last() else { return Ok(()) };
    for &(n, date) in &due {
        let draft = occurrence_draft(&standing, date, today);
        // No repeat check here: the occurrence's order number record makes it place once.
        let priced = price_order(store, &tenant.tenant, &standing.channel, tenant, &draft, now, None).await;
        let order = match priced.and_then(Priced::into_order) {
            Ok(order) => order,
            Err(error) => {
                tracing::warn!(tenant = %tenant.tenant, standing_order = %standing.id, occurrence = n, %error, "standing order occurrence not placed; tried again tomorrow");
                report.failed += 1;
                return Ok(());
            }
        };
        let detail = format!(
            "Occurrence {n} ({date}) of standing order {}: {} line(s), {} {} gross",
            standing.order_number,
            order.lines.len(),
            order.totals.gross,
            order.currency
        );
        let fingerprint = format!("standing:{}:{n}", standing.id);
        let placement = Placement {
            order: &order,
            actor: "system:standing",
            detail: &detail,
            fingerprint: &fingerprint,
            idempotency_key: None,
            inline_customer: None,
            quote: None,
            orders_per_minute: None,
            settings_version: tenant.stored_version,
            stock: None,
            received_document: None,
        };
        match place_order(store, confirmation, placement).await? {
            CreateOutcome::Created => report.placed += 1,
            CreateOutcome::Duplicate { same_request: true, .. } => report.already_placed += 1,
            other => {
                tracing::warn!(tenant = %tenant.tenant, standing_order = %standing.id, occurrence = n, ?other, "an order with the occurrence's number exists with other content");
                report.failed += 1;
                return Ok(());
            }
        }
    }
    let next = last + 1;
    if store.advance_standing(&tenant.tenant, entry, schedule.occurrence(base, next).map(|date| (next, date))).await?
        && schedule.occurrence(base, next).is_none()
    {
        report.ended += 1;
    }
    Ok(())
}

/// Whether a standing order still places occurrences: not cancelled, rejected or closed.
fn still_recurs(order: &Order) -> bool {
    order.order_type == OrderType::Standing
        && order.schedule.is_some()
        && !matches!(order.status, OrderStatus::Cancelled | OrderStatus::Rejected | OrderStatus::Closed)
}

/// The order document of occurrence `date` of `standing`, as a webshop would have sent it: catalogue and customer
/// prices are looked up again, a price the webshop or seller set stays, free-text lines keep theirs.
fn occurrence_draft(standing: &Order, date: Date, today: Date) -> OrderDraft {
    let lines = standing
        .lines
        .iter()
        .map(|line| {
            let kept_price =
                matches!(line.price_source, PriceSource::Webshop | PriceSource::Seller).then_some(line.unit_price);
            let item = match &line.sku {
                Some(sku) => LineItem::Product(sku.clone()),
                None => LineItem::FreeText(FreeTextItem {
                    description: line.description.clone(),
                    vat_category: line.vat_category,
                    vat_rate: line.vat_rate,
                }),
            };
            LineDraft {
                item,
                request: LineRequest { quantity: line.quantity, unit_price: kept_price, discount: line.discount },
                requested_delivery_date: None,
            }
        })
        .collect();
    OrderDraft {
        order_number: occurrence_number(&standing.order_number, date),
        order_type: OrderType::Purchase,
        currency: standing.currency,
        buyer: BuyerDraft::Existing(standing.buyer.customer_id.clone()),
        requested_delivery_date: (date >= today).then_some(date),
        delivery_address: standing.delivery_address.clone(),
        final_consignee: None,
        blanket_order_id: None,
        schedule: None,
        lines,
        notes: standing.notes.clone(),
    }
}
