//! A webshop's order document: parsed, checked against earlier requests (same order number in the channel, same
//! `Idempotency-Key`), priced against the catalogue, the buyer's agreed prices and the blanket order a call-off
//! draws from, then placed.

use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, CreateOutcome, DuplicateCheck, OrderInputsRequest};
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
    let check = DuplicateCheck {
        channel: &key.channel,
        order_number: Some(&draft.order_number),
        idempotency_key,
        fingerprint: &parsed.fingerprint,
    };
    let order = match price_order(store, &key.tenant, &key.channel, tenant, &draft, now, Some(check)).await? {
        Priced::Repeat(duplicate) => {
            return replay(store, &key.tenant, &draft.order_number, idempotency_key, duplicate).await
        }
        Priced::Order(order) => *order,
    };
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
        settings_version: tenant.stored_version,
    };
    super::place_and_answer(store, publisher, tenant, placement).await
}

/// A priced draft, or the order an earlier request with the same key or number stored.
#[derive(Debug)]
pub(crate) enum Priced {
    /// What the draft's `DuplicateCheck` found.
    Repeat(CreateOutcome),
    /// The priced order.
    Order(Box<Order>),
}

impl Priced {
    /// The priced order; a repeat (only found when a check was asked for) is no order to place.
    pub(crate) fn into_order(self) -> Result<Order, OrderingError> {
        match self {
            Priced::Order(order) => Ok(*order),
            Priced::Repeat(_) => Err(OrderingError::Conflict("an earlier request placed this order already".into())),
        }
    }
}

/// Prices a draft against the catalogue (see [`price_draft`]). The uniqueness records of `duplicate` (checked
/// first: a repeat is answered, not priced), the customer and the catalogue slice are read in one request; the
/// blanket order of a call-off at the same time.
pub(crate) async fn price_order(
    store: &Store,
    tenant_id: &TenantId,
    channel: &str,
    tenant: &TenantSettings,
    draft: &OrderDraft,
    now: OffsetDateTime,
    duplicate: Option<DuplicateCheck<'_>>,
) -> Result<Priced, OrderingError> {
    let customer_id = buyer_id(draft);
    let skus: Vec<_> = draft.lines.iter().filter_map(|l| l.sku().cloned()).collect();
    let request = OrderInputsRequest {
        tenant: tenant_id,
        duplicate,
        customer: customer_id,
        skus: &skus,
        warehouses: &tenant.warehouses,
    };
    let (inputs, blanket) = futures::try_join!(store.order_inputs(&request), async {
        match &draft.blanket_order_id {
            Some(id) => store.get_order_with_history(tenant_id, id).await.map(|o| o.map(|(order, _)| order)),
            None => Ok(None),
        }
    })?;
    if let Some(repeat) = inputs.duplicate {
        return Ok(Priced::Repeat(repeat));
    }
    let pricing = PricingInputs {
        tenant: tenant_id,
        channel,
        customer: inputs.customer.as_ref(),
        catalogue: &inputs.catalogue,
        blanket: blanket.as_ref(),
        now,
    };
    price_draft(draft, &pricing).map(|order| Priced::Order(Box::new(order))).map_err(OrderingError::Invalid)
}
