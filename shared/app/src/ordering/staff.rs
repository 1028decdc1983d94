//! An order staff enter (`POST /v1/orders` with an operator key): taken on the phone, from an email or a fax. It
//! goes the webshop's way — parsed with the same rules, priced against the same catalogue and the buyer's prices,
//! placed and confirmed like any other — with three differences: staff name the channel, the number comes from the
//! seller's series of staff-entered orders (`SO-000001`, …), and lines may be free text (no product, no stock).

use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, DuplicateCheck};
use orders_aws::{EventPublisher, Store};
use orders_domain::intake::parse_staff_order;
use orders_domain::placing::inline_customer;
use orders_domain::tenant::TenantSettings;

use super::webshop::{price_order, Priced};
use super::{replay, Ordered, OrderingError};
use crate::placing::Placement;

/// The order number of the `n`th order staff entered.
pub fn staff_order_number(n: u64) -> String {
    format!("SO-{n:06}")
}

/// Places the order document `body` an operator's key posted. With an `Idempotency-Key` (the console always sends
/// one) a repeated request answers the order the first one placed, and takes no second number.
pub async fn submit_staff_order(
    store: &Store,
    publisher: &EventPublisher,
    key: &ApiKeyRecord,
    tenant: &TenantSettings,
    body: &str,
    idempotency_key: Option<&str>,
    now: OffsetDateTime,
) -> Result<Ordered, OrderingError> {
    let now = super::now_micros(now);
    let staff = parse_staff_order(body, now.date())?;
    let channel = staff.channel.as_str();
    let parsed = staff.parsed;
    let mut draft = parsed.draft;
    // The number is not known yet: only the key can find an earlier request.
    let check = idempotency_key.map(|idem| DuplicateCheck {
        channel,
        order_number: None,
        idempotency_key: Some(idem),
        fingerprint: &parsed.fingerprint,
    });
    // Priced before a number is taken, so a refused order takes none.
    let mut order = match price_order(store, &key.tenant, channel, tenant, &draft, now, check).await? {
        Priced::Repeat(duplicate) => return replay(store, &key.tenant, "", idempotency_key, duplicate).await,
        Priced::Order(order) => *order,
    };
    draft.order_number = staff_order_number(store.next_staff_order_number(&key.tenant).await?);
    order.order_number.clone_from(&draft.order_number);
    let detail = format!(
        "Order {} entered by staff ({channel}) with {} line(s), {} {} gross",
        order.order_number,
        order.lines.len(),
        order.totals.gross,
        order.currency
    );
    let inline_customer = inline_customer(&draft);
    let placement = Placement {
        order: &order,
        actor: &format!("operator:{}", key.key_id),
        detail: &detail,
        fingerprint: &parsed.fingerprint,
        idempotency_key,
        inline_customer: inline_customer.as_ref(),
        quote: None,
        orders_per_minute: None,
        settings_version: tenant.stored_version,
        stock: None,
        received_document: None,
    };
    super::place_and_answer(store, publisher, tenant, placement).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_order_numbers_sort_as_text() {
        assert_eq!(staff_order_number(1), "SO-000001");
        assert!(staff_order_number(9) < staff_order_number(10));
    }
}
