//! A buyer's cart in the portal: changed under optimistic concurrency (another tab may change it meanwhile), and
//! ordered as one order through the same parsing, pricing and placing as a webshop's order document. Ordering the
//! same cart again answers the same order.

use time::OffsetDateTime;

use orders_aws::store::{CreateOutcome, DuplicateCheck};
use orders_aws::{EventPublisher, Store};
use orders_domain::ids::{CustomerId, OrderId, Sku, TenantId};
use orders_domain::intake::parse_order;
use orders_domain::placing::{price_draft, PricingInputs};
use orders_domain::portal::{delivery_address, order_document, Cart, Checkout};
use orders_domain::FieldError;

use super::{stored_order, Ordered, OrderingError};
use crate::placing::{place_order, Placement};
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// What a buyer naming a cart that is not (or no longer) theirs is told.
const NOT_YOUR_CART: &str = "this cart changed meanwhile; reload it and order again";

/// The channel of orders placed in the portal (their order numbers are unique within it).
pub const PORTAL_CHANNEL: &str = "portal";

/// The buyer ordering: whose cart, and through which portal link (named in the order's history).
#[derive(Debug, Clone, Copy)]
pub struct CartOwner<'a> {
    /// The seller.
    pub tenant: &'a TenantId,
    /// The buyer in the seller's customer register.
    pub customer: &'a CustomerId,
    /// The portal link the buyer came in with.
    pub link_id: &'a str,
}

/// Applies `change` to the buyer's cart and stores it on the condition that nobody changed it meanwhile (read
/// again and retried otherwise). A change the cart refuses is [`OrderingError::Invalid`].
pub async fn change_cart(
    store: &Store,
    tenant: &TenantId,
    customer: &CustomerId,
    change: impl Fn(&mut Cart) -> Result<(), FieldError>,
) -> Result<Cart, OrderingError> {
    let change = &change;
    retry_on_conflict(
        ATTEMPTS,
        |_| async move {
            let mut cart = store.cart(tenant, customer).await?;
            change(&mut cart).map_err(|e| OrderingError::Invalid(vec![e]))?;
            Ok(match store.put_cart(tenant, customer, &cart).await? {
                Some(stored) => Attempt::Done(stored),
                None => Attempt::Conflict,
            })
        },
        || OrderingError::Conflict("the cart keeps changing in another window; reload it".into()),
    )
    .await
}

/// The order an earlier request of this buyer placed (a replay); a conflict when it is another buyer's.
pub(super) async fn earlier_order(
    store: &Store,
    owner: CartOwner<'_>,
    order_id: &OrderId,
) -> Result<Ordered, OrderingError> {
    let order = stored_order(store, owner.tenant, order_id).await?;
    if &order.buyer.customer_id != owner.customer {
        return Err(OrderingError::Conflict(NOT_YOUR_CART.into()));
    }
    Ok(Ordered { order, replayed: true })
}

/// Orders what is in the buyer's cart (not the saved list) at the buyer's prices, as one order; the cart then
/// moves on to a new id with only its saved list. A `checkout` naming a cart that was ordered already answers that
/// order.
pub async fn order_cart(
    store: &Store,
    publisher: &EventPublisher,
    owner: CartOwner<'_>,
    checkout: &Checkout,
    now: OffsetDateTime,
) -> Result<Ordered, OrderingError> {
    let cart = store.cart(owner.tenant, owner.customer).await?;
    if checkout.cart_id != cart.cart_id {
        // Ordered already (the cart moved on), or a cart this buyer never had.
        let number = Cart { cart_id: checkout.cart_id.clone(), ..Cart::empty() }.order_number();
        let check = DuplicateCheck {
            channel: PORTAL_CHANNEL,
            order_number: Some(&number),
            idempotency_key: None,
            fingerprint: "",
        };
        return match store.find_duplicate(owner.tenant, &check).await? {
            Some(CreateOutcome::Duplicate { order_id, .. }) => earlier_order(store, owner, &order_id).await,
            _ => Err(OrderingError::Conflict(NOT_YOUR_CART.into())),
        };
    }
    let tenant = store
        .get_tenant(owner.tenant)
        .await?
        .ok_or_else(|| OrderingError::Unavailable("this seller is not set up yet".into()))?;
    let customer = store.get_customer(owner.tenant, owner.customer).await?.ok_or_else(|| {
        OrderingError::Conflict(format!("customer {} is not in the seller's register", owner.customer))
    })?;
    let address = delivery_address(&customer, checkout, tenant.portal.typed_delivery_addresses)
        .map_err(|e| OrderingError::Invalid(vec![e]))?;
    let document = order_document(&cart, checkout, owner.customer.as_str(), tenant.currency.code(), address)
        .map_err(|e| OrderingError::Invalid(vec![e]))?;
    let now = super::now_micros(now);
    let parsed = parse_order(&document.to_string(), now.date())?;
    let skus: Vec<Sku> = parsed.draft.lines.iter().filter_map(|l| l.sku().cloned()).collect();
    let view = store.load_catalogue(owner.tenant, &skus, Some(owner.customer), &tenant.warehouses).await?;
    let inputs = PricingInputs {
        tenant: owner.tenant,
        channel: PORTAL_CHANNEL,
        customer: Some(&customer),
        catalogue: &view,
        blanket: None,
        now,
    };
    let order = price_draft(&parsed.draft, &inputs).map_err(OrderingError::Invalid)?;
    let detail = format!(
        "Order {} placed in the buyer portal with {} line(s), {} {} gross (link {})",
        order.order_number,
        order.lines.len(),
        order.totals.gross,
        order.currency,
        owner.link_id
    );
    let placement = Placement {
        order: &order,
        actor: &format!("buyer:{}", owner.customer),
        detail: &detail,
        fingerprint: &parsed.fingerprint,
        idempotency_key: None,
        inline_customer: None,
        quote: None,
        orders_per_minute: Some(tenant.limits.orders_per_minute),
        settings_version: tenant.stored_version,
        stock: None,
        received_document: None,
    };
    let outcome = place_order(store, publisher, placement).await?;
    if let CreateOutcome::RateLimited { retry_after } = outcome {
        // Nothing was stored: the cart stays as it is.
        return Err(OrderingError::RateLimited { orders_per_minute: tenant.limits.orders_per_minute, retry_after });
    }
    // An earlier request ordered this cart but died before renewing it: did it order what the cart holds now?
    let earlier = match &outcome {
        CreateOutcome::Duplicate { order_id, .. } => Some(stored_order(store, owner.tenant, order_id).await?),
        _ => None,
    };
    let same_lines = earlier.as_ref().is_none_or(|earlier| {
        let mut had: Vec<(String, String)> =
            earlier.lines.iter().map(|l| (l.sku_text().to_owned(), l.quantity.normalize().to_string())).collect();
        let mut has: Vec<(String, String)> =
            cart.ordered_lines().map(|l| (l.sku.to_string(), l.quantity.normalize().to_string())).collect();
        had.sort();
        has.sort();
        had == has
    });
    // The ordered cart moves on to a new id (another tab's change to it meanwhile does not stop that): with only
    // its saved list once its content is ordered, or with all its lines when it holds more than was ordered.
    let ordered = cart.cart_id.clone();
    change_cart(store, owner.tenant, owner.customer, |current| {
        if current.cart_id == ordered {
            *current = if same_lines { current.after_ordering() } else { current.renewed() };
        }
        Ok(())
    })
    .await?;
    match (outcome, earlier) {
        (CreateOutcome::Created, _) => Ok(Ordered { order, replayed: false }),
        (_, Some(earlier)) if same_lines => Ok(Ordered { order: earlier, replayed: true }),
        (_, Some(earlier)) => Err(OrderingError::Conflict(format!(
            "this cart was ordered already as order {} with other lines than it holds now; it keeps them under a \
             new cart id: check it and order again",
            earlier.order_number
        ))),
        (_, None) => Err(OrderingError::Unavailable("unexpected store outcome".into())),
    }
}
