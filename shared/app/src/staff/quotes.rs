//! The seller's quotes: a draft priced like an order of its buyer (agreed prices apply, the request's prices win),
//! stored as version 1; a sent, declined or expired quote (or one whose order was rejected) reopened as the next
//! version, for the same buyer.

use time::OffsetDateTime;

use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::ids::QuoteId;
use orders_domain::order::Order;
use orders_domain::placing::{buyer_id, price_draft, PricingInputs};
use orders_domain::quote::{draft_quote, Quote, QuoteDraft, QuoteRefusal, QUOTE_CHANNEL};
use orders_domain::FieldError;

use super::{tenant_settings, ActionError};

impl From<QuoteRefusal> for ActionError {
    fn from(refusal: QuoteRefusal) -> Self {
        match refusal {
            QuoteRefusal::State(detail) => ActionError::Conflict(detail),
        }
    }
}

/// Prices `draft` and stores it as a new quote's version 1, a draft.
pub async fn create_quote(
    store: &Store,
    caller: &ApiKeyRecord,
    draft: &QuoteDraft,
    now: OffsetDateTime,
) -> Result<Quote, ActionError> {
    let priced = price_for(store, caller, draft, now).await?;
    let quote = draft_quote(QuoteId::generate(), 1, draft, priced, now).map_err(ActionError::Invalid)?;
    if !store.create_quote_version(&quote).await? {
        return Err(ActionError::KeptChanging("a quote with this id already exists; send the request again".into()));
    }
    tracing::info!(tenant = %caller.tenant, quote_id = %quote.id, "quote drafted");
    Ok(quote)
}

/// Reopens the quote as its next version, written from `draft` (for the same buyer); every version, the new last.
pub async fn reopen_quote(
    store: &Store,
    caller: &ApiKeyRecord,
    quote_id: &QuoteId,
    draft: &QuoteDraft,
    now: OffsetDateTime,
) -> Result<Vec<Quote>, ActionError> {
    let mut versions = store.quote_versions(&caller.tenant, quote_id).await?;
    let latest = versions.last().ok_or_else(|| ActionError::NotFound(format!("quote {quote_id}")))?;
    let order_status = match &latest.order_id {
        Some(order_id) => store.get_order_with_history(&caller.tenant, order_id).await?.map(|(order, _)| order.status),
        None => None,
    };
    latest.check_reopen(now.date(), order_status)?;
    if buyer_id(&draft.order) != &latest.buyer.customer_id {
        return Err(ActionError::Invalid(vec![FieldError::new(
            "/buyer/customer_id",
            format!("a new version is for the same buyer, {}", latest.buyer.customer_id),
        )]));
    }
    let priced = price_for(store, caller, draft, now).await?;
    let next = draft_quote(quote_id.clone(), latest.version + 1, draft, priced, now).map_err(ActionError::Invalid)?;
    if !store.reopen_quote(latest, &next).await? {
        return Err(ActionError::Conflict(format!("quote {quote_id} changed meanwhile; read it again")));
    }
    tracing::info!(tenant = %caller.tenant, quote_id = %next.id, version = next.version, "quote reopened");
    versions.push(next);
    Ok(versions)
}

/// The draft's lines priced as an order of its buyer would be.
async fn price_for(
    store: &Store,
    caller: &ApiKeyRecord,
    draft: &QuoteDraft,
    now: OffsetDateTime,
) -> Result<Order, ActionError> {
    let tenant = tenant_settings(store, caller).await?;
    let customer_id = buyer_id(&draft.order);
    let skus: Vec<_> = draft.order.lines.iter().filter_map(|l| l.sku().cloned()).collect();
    let (customer, catalogue) =
        store.customer_and_catalogue(&caller.tenant, customer_id, &skus, &tenant.warehouses).await?;
    let inputs = PricingInputs {
        tenant: &caller.tenant,
        channel: QUOTE_CHANNEL,
        customer: customer.as_ref(),
        catalogue: &catalogue,
        blanket: None,
        now,
    };
    price_draft(&draft.order, &inputs).map_err(ActionError::Invalid)
}
