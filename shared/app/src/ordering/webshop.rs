//! A webshop's order document: parsed, checked against earlier requests (same order number in the channel, same
//! `Idempotency-Key`), priced against the catalogue, the buyer's agreed prices and the blanket order a call-off
//! draws from, then placed.

use time::OffsetDateTime;

use orders_aws::store::ApiKeyRecord;
use orders_aws::{EventPublisher, Store};
use orders_domain::ids::TenantId;
use orders_domain::intake::{parse_order, OrderDraft};
use orders_domain::order::Order;
use orders_domain::placing::{buyer_id, inline_customer, price_draft, PricingInputs};
use orders_domain::tenant::TenantSettings;

use super::{replay, Ordered, OrderingError};
use crate::placing::Placement;

/// Places the order document `body` a webshop's key posted (with its `Idempotency-Key`, if any), or answers the
/// order an identical earlier request placed.
pub async fn submit_order(
    store: &Store,
    publisher: &EventPublisher,
    key: &ApiKeyRecord,
    tenant: &TenantSettings,
    body: &str,
    idempotency_key: Option<&str>,
    now: OffsetDateTime,
) -> Result<Ordered, OrderingError> {
    let now = super::now_micros(now);
    let parsed = parse_order(body, now.date())?;
    let draft = parsed.draft;
    if let Some(duplicate) = store
        .find_duplicate(&key.tenant, &key.channel, &draft.order_number, idempotency_key, &parsed.fingerprint)
        .await?
    {
        return replay(store, &key.tenant, &draft.order_number, idempotency_key, duplicate).await;
    }
    let order = price_order(store, &key.tenant, &key.channel, tenant, &draft, now).await?;
    let detail = format!(
        "Order {} received with {} line(s), {} {} gross",
        order.order_number,
        order.lines.len(),
        order.totals.gross,
        order.currency
    );
    let inline_customer = inline_customer(&draft);
    let placement = Placement {
        order: &order,
        actor: &format!("webshop:{}", key.key_id),
        detail: &detail,
        fingerprint: &parsed.fingerprint,
        idempotency_key,
        inline_customer: inline_customer.as_ref(),
        quote: None,
        orders_per_minute: Some(tenant.limits.orders_per_minute),
    };
    super::place_and_answer(store, publisher, tenant, placement).await
}

/// Prices a draft against the catalogue (see [`price_draft`]): reads the customer, the catalogue slice and the
/// blanket order of a call-off at once.
pub(crate) async fn price_order(
    store: &Store,
    tenant_id: &TenantId,
    channel: &str,
    tenant: &TenantSettings,
    draft: &OrderDraft,
    now: OffsetDateTime,
) -> Result<Order, OrderingError> {
    let customer_id = buyer_id(draft);
    let skus: Vec<_> = draft.lines.iter().filter_map(|l| l.sku().cloned()).collect();
    let (customer, catalogue, blanket) = futures::try_join!(
        store.get_customer(tenant_id, customer_id),
        store.load_catalogue(tenant_id, &skus, Some(customer_id), &tenant.warehouses),
        async {
            match &draft.blanket_order_id {
                Some(id) => store.get_order_with_history(tenant_id, id).await.map(|o| o.map(|(order, _)| order)),
                None => Ok(None),
            }
        },
    )?;
    let inputs = PricingInputs {
        tenant: tenant_id,
        channel,
        customer: customer.as_ref(),
        catalogue: &catalogue,
        blanket: blanket.as_ref(),
        now,
    };
    price_draft(draft, &inputs).map_err(OrderingError::Invalid)
}
