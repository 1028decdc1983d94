//! What buyers keep in the portal: their cart (`T#{tenant}#CART#{customer}` / `CART`, written with optimistic
//! concurrency) and their change and cancellation requests (`BR#{request_id}` items in the order's partition,
//! written with a history entry; they change nothing else).

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use orders_domain::ids::{CustomerId, OrderId, TenantId};
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::portal::{BuyerRequest, Cart, RequestStatus};

use super::{corrupt, dynamo_error, from_item, history_item, put_plain, s, to_item, Store, StoreError};
use crate::keys;

const CART_SK: &str = "CART";
/// Sort key prefix of buyer requests.
pub(crate) const REQUEST_PREFIX: &str = "BR#";
/// The history sequence number of a buyer request's entry.
const REQUEST_HISTORY_SEQ: u32 = 8;

fn cart_pk(tenant: &TenantId, customer: &CustomerId) -> String {
    format!("T#{tenant}#CART#{customer}")
}

#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct CartItem {
    PK: String,
    SK: String,
    entity: String,
    #[serde(flatten)]
    cart: Cart,
}

#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct RequestItem {
    PK: String,
    SK: String,
    entity: String,
    /// `T#{tenant}#BREQ#{status}`: the tenant's requests by status (GSI1), newest first.
    #[serde(default)]
    GSI1PK: String,
    /// `{requested_at}#{request_id}`.
    #[serde(default)]
    GSI1SK: String,
    /// The order it is about (for the seller's list of requests).
    #[serde(default)]
    order_id: Option<OrderId>,
    /// Its number.
    #[serde(default)]
    order_number: Option<String>,
    /// The buyer's name.
    #[serde(default)]
    buyer_name: Option<String>,
    #[serde(flatten)]
    request: BuyerRequest,
}

/// A buyer request with the order it is about, as the seller's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedRequest {
    /// The order.
    pub order_id: Option<OrderId>,
    /// Its number.
    pub order_number: Option<String>,
    /// The buyer's name.
    pub buyer_name: Option<String>,
    /// The request.
    #[serde(flatten)]
    pub request: BuyerRequest,
}

fn requests_gsi_pk(tenant: &TenantId, status: RequestStatus) -> String {
    let status = match status {
        RequestStatus::Open => "open",
        RequestStatus::Done => "done",
        RequestStatus::Declined => "declined",
    };
    format!("T#{tenant}#BREQ#{status}")
}

/// The stored form of `request` on `order`.
fn request_item(order: &Order, request: &BuyerRequest) -> RequestItem {
    RequestItem {
        PK: keys::order_pk(&order.tenant, &order.id),
        SK: format!("{REQUEST_PREFIX}{}", request.request_id),
        entity: "buyer_request".into(),
        GSI1PK: requests_gsi_pk(&order.tenant, request.status),
        GSI1SK: format!("{}#{}", super::sortable_timestamp(request.requested_at), request.request_id),
        order_id: Some(order.id.clone()),
        order_number: Some(order.order_number.clone()),
        buyer_name: Some(order.buyer.name.clone()),
        request: request.clone(),
    }
}

impl Store {
    /// The buyer's cart (an empty one when there is none yet).
    pub async fn cart(&self, tenant: &TenantId, customer: &CustomerId) -> Result<Cart, StoreError> {
        match self.get("cart", cart_pk(tenant, customer), CART_SK).await? {
            Some(item) => Ok(from_item::<CartItem>("cart", item)?.cart),
            None => Ok(Cart::empty()),
        }
    }

    /// Stores `cart` as the next version of the one read (`cart.version`); `None` if it changed meanwhile
    /// (another tab, or an order placed from it), else the stored cart.
    pub async fn put_cart(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        cart: &Cart,
    ) -> Result<Option<Cart>, StoreError> {
        let stored = Cart { version: cart.version + 1, ..cart.clone() };
        let item =
            CartItem { PK: cart_pk(tenant, customer), SK: CART_SK.into(), entity: "cart".into(), cart: stored.clone() };
        let put = self.client.put_item().table_name(&self.table).set_item(Some(to_item("cart", &item)?));
        let put = if cart.version == 0 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("version = :read").expression_attribute_values(
                ":read",
                aws_sdk_dynamodb::types::AttributeValue::N(cart.version.to_string()),
            )
        };
        match put.send().await {
            Ok(_) => Ok(Some(stored)),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(None),
            Err(e) => Err(dynamo_error(format!("store the cart of {customer}"), e)),
        }
    }

    /// Records a request of `customer` on `order` with its history entry, within the buyer's limit for it.
    pub async fn add_buyer_request(
        &self,
        order: &Order,
        customer: &CustomerId,
        request: &BuyerRequest,
        history: &HistoryEntry,
    ) -> Result<super::Addition, StoreError> {
        let item = to_item("buyer request", &request_item(order, request))?;
        let counting = super::notes::Counting::Buyer(customer, orders_domain::portal::BuyerContribution::Request);
        self.add_to_order_counted(order, item, history, REQUEST_HISTORY_SEQ, "add a buyer request", counting).await
    }

    /// Records the seller's answer to an open request (`request` as answered) with its history entry; `false`
    /// if it is not open any more.
    pub async fn resolve_buyer_request(
        &self,
        order: &Order,
        request: &BuyerRequest,
        history: &HistoryEntry,
    ) -> Result<bool, StoreError> {
        let item = request_item(order, request);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item("buyer request", &item)?))
            .condition_expression("#status = :open")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":open", s("open"))
            .build()
            .map_err(|e| corrupt("request put", e))?;
        let history = to_item("history entry", &history_item(order, history, REQUEST_HISTORY_SEQ))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(put_plain(&self.table, history)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(super::cancelled_by_condition) => Ok(false),
            Err(error) => Err(dynamo_error(format!("answer buyer request {}", request.request_id), error)),
        }
    }

    /// One page of the tenant's buyer requests in `status`, the newest first.
    pub async fn list_buyer_requests(
        &self,
        tenant: &TenantId,
        status: RequestStatus,
        limit: i32,
        start: Option<super::PageKey>,
    ) -> Result<(Vec<ListedRequest>, Option<super::PageKey>), StoreError> {
        let (items, next) = self.index_page("GSI1", requests_gsi_pk(tenant, status), true, limit, start).await?;
        let listed = items
            .into_iter()
            .map(|item| {
                from_item::<RequestItem>("buyer request", item).map(|r| ListedRequest {
                    order_id: r.order_id,
                    order_number: r.order_number,
                    buyer_name: r.buyer_name,
                    request: r.request,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok((listed, next))
    }
}

/// A buyer request item of an order's partition.
pub(crate) fn request_of(item: super::Item) -> Result<BuyerRequest, StoreError> {
    Ok(from_item::<RequestItem>("buyer request", item)?.request)
}
