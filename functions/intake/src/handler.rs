//! Turns API Gateway HTTP API requests into domain calls and side effects.

use futures::StreamExt;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use orders_app::ordering::peppol::{submit_peppol_order, PeppolDocument};
use orders_app::ordering::staff::submit_staff_order;
use orders_app::ordering::webshop::{submit_order, Poster};
use orders_app::ordering::Ordered;
use orders_app::staff::despatch::record_despatch;
use orders_aws::store::{ApiKeyRecord, CallerKey};
use orders_domain::despatch::parse_despatch;
use orders_domain::fingerprint::json_fingerprint;
use orders_domain::ids::{CustomerId, OrderId, Role};
use orders_domain::intake::parse_batch;
use orders_domain::tenant::TenantSettings;
use orders_http::routes::{dispatch, Handler, Route, ANY_ROLE, STAFF};
use orders_http::{idempotency_key, is_xml, json_body, json_response, limit_param, query_param, text_body, ApiError};

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

/// The intake API's routes: webshops post orders, and operators enter the orders staff take; staff record
/// despatches; every role reads the catalogue.
const ROUTES: &[Route<Intake>] = &[
    Route {
        method: Method::POST,
        path: "/v1/orders",
        roles: &[Role::Webshop, Role::Operator],
        action: "post orders",
        handler: Handler::KeyRead(|intake, call| Box::pin(post_order(intake, &call.caller, call.request))),
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
        handler: Handler::KeyRead(|intake, call| {
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

/// `POST /v1/orders`. A webshop's key this container knows, with its tenant's settings copied here, is
/// confirmed by the order's own first read (one read for key, settings, repeat check, customer and catalogue);
/// otherwise the key and the settings are read first.
async fn post_order(intake: &Intake, caller: &CallerKey, request: &Request) -> Result<Response<Body>, ApiError> {
    if is_xml(request) {
        return post_peppol_order(intake, caller, request).await;
    }
    let body = json_body(request);
    let idem = idempotency_key(request.headers());
    let remembered = intake.store.remembered_tenant(&caller.record().tenant);
    let ordered = match (caller, remembered) {
        (CallerKey::Presumed(key), Some(remembered)) if key.record().role == Role::Webshop => {
            let poster = Poster::Presumed { key, remembered: &remembered };
            let (body, idem) = match (body, idem) {
                (Ok(body), Ok(idem)) => (body, idem),
                (body, idem) => {
                    // A presumed key hears about its request only once it is confirmed.
                    intake.gate.confirmed(caller).await?;
                    (body?, idem?)
                }
            };
            let now = (intake.clock)();
            submit_order(&intake.store, &intake.publisher, poster, body, idem.as_deref(), now).await?
        }
        _ => {
            let caller = intake.gate.confirmed(caller).await?;
            let (body, idem) = (body?, idem?);
            let tenant = tenant_settings(intake, &caller).await?;
            if caller.role == Role::Operator {
                // An order staff took on the phone, from an email or a fax (the console's "New order").
                let now = (intake.clock)();
                submit_staff_order(&intake.store, &intake.publisher, &caller, &tenant, body, idem.as_deref(), now)
                    .await?
            } else {
                store_order(intake, &caller, &tenant, body, idem.as_deref()).await?
            }
        }
    };
    Ok(created_response(&ordered))
}

/// `POST /v1/orders` with an XML body: a Peppol BIS Order (T01) a buyer's procurement system sent, through a
/// webshop's or an operator's key (docs/decisions/0016-peppol-order-intake.md).
async fn post_peppol_order(intake: &Intake, caller: &CallerKey, request: &Request) -> Result<Response<Body>, ApiError> {
    let caller = intake.gate.confirmed(caller).await?;
    let (document, idem) = (text_body(request)?, idempotency_key(request.headers())?);
    let tenant = tenant_settings(intake, &caller).await?;
    let actor = format!("peppol:{}", caller.key_id);
    let document = PeppolDocument { text: document, actor: &actor, idempotency_key: idem.as_deref() };
    let now = (intake.clock)();
    let ordered = submit_peppol_order(&intake.store, &intake.publisher, &tenant, document, now).await?;
    Ok(created_response(&ordered))
}

fn created_response(ordered: &Ordered) -> Response<Body> {
    let mut headers = vec![("location", format!("/v1/orders/{}", ordered.order.id))];
    if ordered.replayed {
        headers.push(("idempotent-replayed", "true".to_owned()));
    }
    json_response(StatusCode::CREATED, &order_json(&ordered.order, None), &headers)
}

/// One order document through [`submit_order`].
async fn store_order(
    intake: &Intake,
    caller: &ApiKeyRecord,
    tenant: &TenantSettings,
    body: &str,
    idem: Option<&str>,
) -> Result<Ordered, ApiError> {
    let now = (intake.clock)();
    let poster = Poster::Known { key: caller, tenant };
    Ok(submit_order(&intake.store, &intake.publisher, poster, body, idem, now).await?)
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
                    Ok(ordered) => json!({
                        "index": index,
                        "status": 201,
                        "replayed": ordered.replayed,
                        "order": order_json(&ordered.order, None),
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
            // Staff also see where the stock is: per warehouse, and per lot for lot-tracked products (none yet: []).
            if caller.role != Role::Webshop {
                item["stock"] =
                    catalogue.stock.get(&product.sku).map_or_else(|| json!([]), |levels| stock_json(levels));
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
    caller: &CallerKey,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let parsed = json_body(request).and_then(|body| Ok(parse_despatch(body)?)).and_then(|despatch| {
        let order_id = OrderId::parse_public(id).map_err(|_| ApiError::NotFound(format!("order {id}")))?;
        Ok((despatch, order_id))
    });
    let (despatch_request, order_id) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            // A presumed key hears about its request only once it is confirmed.
            intake.gate.confirmed(caller).await?;
            return Err(error);
        }
    };
    let now = (intake.clock)();
    let despatch = record_despatch(&intake.store, &intake.shipment, caller, &order_id, &despatch_request, now).await?;
    let body = serde_json::to_value(&despatch).unwrap_or_default();
    Ok(json_response(StatusCode::CREATED, &body, &[("location", format!("/v1/orders/{order_id}"))]))
}
