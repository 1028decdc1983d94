//! Turns API Gateway HTTP API requests into domain calls and side effects.

use futures::StreamExt;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_app::placing::{place_order, Placement};
use orders_app::staff::despatch::record_despatch;
use orders_aws::store::{ApiKeyRecord, CreateOutcome, DuplicateOf};
use orders_domain::despatch::parse_despatch;
use orders_domain::fingerprint::json_fingerprint;
use orders_domain::ids::{CustomerId, OrderId, Role};
use orders_domain::intake::{parse_batch, parse_order, OrderDraft};
use orders_domain::order::Order;
use orders_domain::placing::{buyer_id, inline_customer, price_draft, PricingInputs};
use orders_domain::tenant::TenantSettings;
use orders_http::routes::{dispatch, Handler, Route, ANY_ROLE, STAFF};
use orders_http::{idempotency_key, json_body, json_response, limit_param, query_param, ApiError};

use crate::Intake;
use orders_http::views::{order_json, product_json};

/// How many orders of a batch are stored at once.
const BATCH_CONCURRENCY: usize = 8;

/// Handles one HTTP request; every failure becomes a problem response, never a Lambda error.
pub async fn handle(intake: &Intake, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| format!("req_{}", uuid_like()));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = match dispatch(intake, &intake.gate, ROUTES, &request).await {
        Ok(response) => response,
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(request_id = %request_id, %method, %path, error = %error, "request failed");
            } else {
                tracing::info!(request_id = %request_id, %method, %path, status = error.status().as_u16(), error = %error, "request refused");
            }
            error.into_response(&request_id)
        }
    };
    Ok(response)
}

fn uuid_like() -> String {
    OrderId::generate().as_str().trim_start_matches("ord_").to_owned()
}

/// The intake API's routes: webshops post orders; staff record despatches; every role reads the catalogue.
const ROUTES: &[Route<Intake>] = &[
    Route {
        method: Method::POST,
        path: "/v1/orders",
        roles: &[Role::Webshop],
        action: "post orders",
        handler: Handler::Key(|intake, call| Box::pin(post_order(intake, &call.caller, call.request))),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/batch",
        roles: &[Role::Webshop],
        action: "post orders",
        handler: Handler::Key(|intake, call| Box::pin(post_batch(intake, &call.caller, call.request))),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/despatches",
        roles: STAFF,
        action: "record despatches",
        handler: Handler::Key(|intake, call| {
            Box::pin(post_despatch(intake, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/products",
        roles: ANY_ROLE,
        action: "read the catalogue",
        handler: Handler::Key(|intake, call| Box::pin(list_products(intake, &call.caller, call.request))),
    },
];

async fn tenant_settings(intake: &Intake, caller: &ApiKeyRecord) -> Result<TenantSettings, ApiError> {
    intake.store.get_tenant(&caller.tenant).await?.ok_or_else(|| {
        tracing::error!(tenant = %caller.tenant, "API key of a tenant without settings");
        ApiError::Unavailable("this tenant is not set up yet".into())
    })
}

/// Result of storing one order: the order and whether it was stored by this request.
struct Stored {
    order: Order,
    replayed: bool,
}

async fn post_order(intake: &Intake, caller: &ApiKeyRecord, request: &Request) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let idem = idempotency_key(request.headers())?;
    let tenant = tenant_settings(intake, caller).await?;
    let stored = store_order(intake, caller, &tenant, body, idem.as_deref()).await?;
    Ok(created_response(&stored))
}

fn created_response(stored: &Stored) -> Response<Body> {
    let mut headers = vec![("location", format!("/v1/orders/{}", stored.order.id))];
    if stored.replayed {
        headers.push(("idempotent-replayed", "true".to_owned()));
    }
    json_response(StatusCode::CREATED, &order_json(&stored.order, None), &headers)
}

/// Validates, prices and stores one order document, or finds the order an identical earlier request stored.
async fn store_order(
    intake: &Intake,
    caller: &ApiKeyRecord,
    tenant: &TenantSettings,
    body: &str,
    idem: Option<&str>,
) -> Result<Stored, ApiError> {
    let now = (intake.clock)();
    // Microseconds are what the sort keys keep; the stored timestamp says the same.
    let now = now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now);
    let parsed = parse_order(body, now.date())?;
    let draft = parsed.draft;
    let key = caller;

    if let Some(duplicate) =
        intake.store.find_duplicate(&key.tenant, &key.channel, &draft.order_number, idem, &parsed.fingerprint).await?
    {
        return replay(intake, caller, &draft, idem, duplicate).await;
    }

    let order = price_order(intake, caller, tenant, &draft, now).await?;
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
        idempotency_key: idem,
        inline_customer: inline_customer.as_ref(),
        quote: None,
        orders_per_minute: Some(tenant.limits.orders_per_minute),
    };
    match place_order(&intake.store, &intake.publisher, placement).await? {
        CreateOutcome::Created => Ok(Stored { order, replayed: false }),
        CreateOutcome::RateLimited { retry_after } => {
            Err(ApiError::order_limit(tenant.limits.orders_per_minute, retry_after))
        }
        duplicate => replay(intake, caller, &draft, idem, duplicate).await,
    }
}

async fn replay(
    intake: &Intake,
    caller: &ApiKeyRecord,
    draft: &OrderDraft,
    idem: Option<&str>,
    outcome: CreateOutcome,
) -> Result<Stored, ApiError> {
    let CreateOutcome::Duplicate { of, order_id, same_request } = outcome else {
        return Err(ApiError::Unavailable("unexpected store outcome".into()));
    };
    if !same_request {
        return Err(match of {
            DuplicateOf::IdempotencyKey => ApiError::IdempotencyKeyReused(idem.unwrap_or_default().to_owned()),
            DuplicateOf::OrderNumber => ApiError::Conflict(format!(
                "order number {} was already used for order {order_id} with different content",
                draft.order_number
            )),
        });
    }
    let (order, _) = intake
        .store
        .get_order_with_history(&caller.tenant, &order_id)
        .await?
        .ok_or_else(|| ApiError::Unavailable(format!("order {order_id} is not readable yet")))?;
    Ok(Stored { order, replayed: true })
}

/// Prices a draft against the catalogue (see [`price_draft`]): reads the customer, the catalogue slice and the
/// blanket order of a call-off at once.
async fn price_order(
    intake: &Intake,
    caller: &ApiKeyRecord,
    tenant: &TenantSettings,
    draft: &OrderDraft,
    now: OffsetDateTime,
) -> Result<Order, ApiError> {
    let store = &intake.store;
    let tenant_id = &caller.tenant;
    let customer_id = buyer_id(draft);
    let skus: Vec<_> = draft.lines.iter().map(|l| l.sku.clone()).collect();
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
        channel: &caller.channel,
        customer: customer.as_ref(),
        catalogue: &catalogue,
        blanket: blanket.as_ref(),
        now,
    };
    price_draft(draft, &inputs).map_err(ApiError::Validation)
}

async fn post_batch(intake: &Intake, caller: &ApiKeyRecord, request: &Request) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let idem = idempotency_key(request.headers())?;
    let batch = parse_batch(body)?;
    if let Some(idem) = &idem {
        let whole: Value = serde_json::from_str(body)
            .map_err(|e| ApiError::Malformed { pointer: String::new(), detail: e.to_string() })?;
        let now = (intake.clock)();
        if !intake.store.claim_idempotency_key(&caller.tenant, idem, &json_fingerprint(&whole), now).await? {
            return Err(ApiError::IdempotencyKeyReused(idem.clone()));
        }
    }
    let tenant = tenant_settings(intake, caller).await?;
    let results: Vec<(usize, Value)> = futures::stream::iter(batch.orders.into_iter().enumerate())
        .map(|(index, raw)| {
            let tenant = &tenant;
            async move {
                let result = match store_order(intake, caller, tenant, raw.get(), None).await {
                    Ok(stored) => json!({
                        "index": index,
                        "status": 201,
                        "replayed": stored.replayed,
                        "order": order_json(&stored.order, None),
                    }),
                    Err(error) => {
                        let status = error.status().as_u16();
                        let mut problem = error.problem(&format!("/orders/{index}"));
                        if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
                            for entry in errors {
                                if let Some(pointer) = entry.get("pointer").and_then(Value::as_str) {
                                    entry["pointer"] = json!(format!("/orders/{index}{pointer}"));
                                }
                            }
                        }
                        json!({ "index": index, "status": status, "problem": problem })
                    }
                };
                (index, result)
            }
        })
        .buffer_unordered(BATCH_CONCURRENCY)
        .collect()
        .await;
    let mut results = results;
    results.sort_by_key(|(index, _)| *index);
    let created = results.iter().filter(|(_, r)| r["status"] == 201 && r["replayed"] == false).count();
    let replayed = results.iter().filter(|(_, r)| r["replayed"] == true).count();
    let failed = results.len() - created - replayed;
    let body = json!({
        "results": results.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
        "summary": { "created": created, "replayed": replayed, "failed": failed },
    });
    Ok(json_response(StatusCode::MULTI_STATUS, &body, &[]))
}

async fn list_products(intake: &Intake, caller: &ApiKeyRecord, request: &Request) -> Result<Response<Body>, ApiError> {
    let tenant_id = &caller.tenant;
    let limit = limit_param(request)?;
    let start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(intake.cursors.decode(tenant_id.as_str(), "products", &cursor).await?),
    };
    let customer = match query_param(request, "customer") {
        None => None,
        Some(raw) => {
            let invalid = || ApiError::InvalidParameter {
                name: "customer",
                detail: format!("no customer {raw:?} in your customer register"),
            };
            let id = CustomerId::parse(raw.clone()).map_err(|_| invalid())?;
            Some(intake.store.get_customer(tenant_id, &id).await?.ok_or_else(invalid)?)
        }
    };
    let tenant = tenant_settings(intake, caller).await?;
    let (products, next) = intake.store.list_products(tenant_id, limit, start).await?;
    let skus: Vec<_> = products.iter().map(|p| p.sku.clone()).collect();
    let catalogue =
        intake.store.load_catalogue(tenant_id, &skus, customer.as_ref().map(|c| &c.id), &tenant.warehouses).await?;
    let items: Vec<Value> = products
        .iter()
        .map(|product| {
            let mut item = product_json(
                product,
                catalogue.customer_prices.get(&product.sku),
                customer.as_ref().and_then(|c| c.discount),
                catalogue.available(&product.sku),
            );
            // Staff also see where the stock is: per warehouse, and per lot for lot-tracked products.
            if caller.role != Role::Webshop {
                item["stock"] = catalogue.stock.get(&product.sku).map(|levels| stock_json(levels)).unwrap_or_default();
            }
            item
        })
        .collect();
    let next_cursor = intake.cursors.next(tenant_id.as_str(), "products", next).await?;
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

fn stock_json(levels: &[orders_domain::catalogue::StockLevel]) -> Value {
    levels
        .iter()
        .map(|level| {
            json!({
                "warehouse": level.warehouse,
                "lot": level.lot,
                "expires_date": level.expires.map(|d| d.to_string()),
                "on_hand": level.on_hand.to_string(),
                "reserved": level.reserved.to_string(),
                "available_quantity": level.available().to_string(),
            })
        })
        .collect()
}

/// `POST /v1/orders/{id}/despatches` (operator or warehouse keys): records a despatch advice — reserved stock
/// leaves the warehouse (on hand and reserved both fall), the lines' shipped quantities rise — in one transaction
/// with the "publish pending" mark of `order.despatched`, which then goes to the shipment queue. More than is open
/// on a line is a 422 problem and changes nothing; a despatch number the tenant used before is a 409.
async fn post_despatch(
    intake: &Intake,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let despatch_request = parse_despatch(json_body(request)?)?;
    let order_id = OrderId::parse_public(id).map_err(|_| ApiError::NotFound(format!("order {id}")))?;
    let tenant = tenant_settings(intake, caller).await?;
    let now = (intake.clock)();
    let despatch =
        record_despatch(&intake.store, &intake.shipment, caller, &tenant, &order_id, &despatch_request, now).await?;
    let body = serde_json::to_value(&despatch).unwrap_or_default();
    Ok(json_response(StatusCode::CREATED, &body, &[("location", format!("/v1/orders/{order_id}"))]))
}
