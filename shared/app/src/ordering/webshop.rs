//! A webshop's order document: parsed, checked against earlier requests (same order number in the channel, same
//! `Idempotency-Key`), priced against the catalogue, the buyer's agreed prices and the blanket order a call-off
//! draws from, then placed.

use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, CreateOutcome, DuplicateCheck, OrderInputs, OrderInputsRequest, PresumedKey};
use orders_aws::{EventPublisher, Store};
use orders_domain::ids::TenantId;
use orders_domain::intake::{parse_order, OrderDraft};
use orders_domain::order::Order;
use orders_domain::placing::{buyer_id, inline_customer, price_draft, PricingInputs};
use orders_domain::tenant::TenantSettings;

use super::{replay, Ordered, OrderingError};
use crate::placing::Placement;

/// Who posts a webshop's order, with what this container knows of the seller before the order's first read.
#[derive(Debug, Clone, Copy)]
pub enum Poster<'a> {
    /// An authenticated key, with its tenant's settings read.
    Known {
        /// The key.
        key: &'a ApiKeyRecord,
        /// Its tenant's settings.
        tenant: &'a TenantSettings,
    },
    /// A key presumed from this container's memory, with the container's copy of its tenant's settings (they
    /// name the warehouses whose stock to read): the key's item and the settings are read fresh with the order's
    /// inputs, and nothing is stored or answered before that read confirms the key.
    Presumed {
        /// The key as last read.
        key: &'a PresumedKey,
        /// The settings as last read.
        remembered: &'a TenantSettings,
    },
}

/// Places the order document `body` a webshop's key posted (with its `Idempotency-Key`, if any), or answers the
/// order an identical earlier request placed.
pub async fn submit_order(
    store: &Store,
    publisher: &EventPublisher,
    poster: Poster<'_>,
    body: &str,
    idempotency_key: Option<&str>,
    now: OffsetDateTime,
) -> Result<Ordered, OrderingError> {
    let now = super::now_micros(now);
    let parsed = match parse_order(body, now.date()) {
        Ok(parsed) => parsed,
        Err(error) => {
            // A presumed key hears about its document only once it is confirmed.
            if let Poster::Presumed { key, .. } = poster {
                store.confirm_presumed(key).await?.ok_or(OrderingError::Unauthorized)?;
            }
            return Err(error.into());
        }
    };
    let draft = parsed.draft;
    let (key, remembered) = match poster {
        Poster::Known { key, tenant } => (key, tenant),
        Poster::Presumed { key, remembered } => (key.record(), remembered),
    };
    let check = DuplicateCheck {
        channel: &key.channel,
        order_number: Some(&draft.order_number),
        idempotency_key,
        fingerprint: &parsed.fingerprint,
    };
    let customer_id = buyer_id(&draft);
    let skus: Vec<_> = draft.lines.iter().filter_map(|l| l.sku().cloned()).collect();
    let presumed = match poster {
        Poster::Known { .. } => None,
        Poster::Presumed { key, .. } => Some(key),
    };
    let request = OrderInputsRequest {
        tenant: &key.tenant,
        duplicate: Some(check),
        customer: customer_id,
        skus: &skus,
        warehouses: &remembered.warehouses,
        caller_key: presumed.map(PresumedKey::hash),
        settings: presumed.is_some(),
    };
    let (mut inputs, blanket) = read_inputs(store, &request, &draft).await?;
    let confirmed;
    let fresh;
    let (key, tenant) = match presumed {
        None => (key, remembered),
        Some(presumed) => {
            confirmed = presumed.confirmed_by(inputs.caller_key.take()).ok_or(OrderingError::Unauthorized)?;
            fresh = inputs.settings.take().ok_or_else(|| {
                tracing::error!(tenant = %key.tenant, "API key of a tenant without settings");
                OrderingError::Unavailable("this tenant is not set up yet".into())
            })?;
            if fresh.warehouses != remembered.warehouses {
                // The warehouses changed since this container's copy: read their stock as they are now.
                let again =
                    OrderInputsRequest { warehouses: &fresh.warehouses, caller_key: None, settings: false, ..request };
                inputs = store.order_inputs(&again).await?;
            }
            (&confirmed, &fresh)
        }
    };
    let stock = inputs.catalogue.stock_hint(&skus);
    let priced = price_read(inputs, blanket.as_ref(), &key.tenant, &key.channel, &draft, now)?;
    let order = match priced {
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
        stock: Some(&stock),
        received_document: None,
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
        caller_key: None,
        settings: false,
    };
    let (inputs, blanket) = read_inputs(store, &request, draft).await?;
    price_read(inputs, blanket.as_ref(), tenant_id, channel, draft, now)
}

/// What pricing `draft` reads: `request`'s items in one request, and the blanket order of a call-off at the same
/// time.
async fn read_inputs(
    store: &Store,
    request: &OrderInputsRequest<'_>,
    draft: &OrderDraft,
) -> Result<(OrderInputs, Option<Order>), OrderingError> {
    Ok(futures::try_join!(store.order_inputs(request), async {
        match &draft.blanket_order_id {
            Some(id) => store.get_order_with_history(request.tenant, id).await.map(|o| o.map(|(order, _)| order)),
            None => Ok(None),
        }
    })?)
}

/// Prices `draft` from what [`read_inputs`] read: the repeat it found, or the priced order.
fn price_read(
    inputs: OrderInputs,
    blanket: Option<&Order>,
    tenant_id: &TenantId,
    channel: &str,
    draft: &OrderDraft,
    now: OffsetDateTime,
) -> Result<Priced, OrderingError> {
    if let Some(repeat) = inputs.duplicate {
        return Ok(Priced::Repeat(repeat));
    }
    let pricing = PricingInputs {
        tenant: tenant_id,
        channel,
        customer: inputs.customer.as_ref(),
        catalogue: &inputs.catalogue,
        blanket,
        now,
    };
    price_draft(draft, &pricing).map(|order| Priced::Order(Box::new(order))).map_err(OrderingError::Invalid)
}
