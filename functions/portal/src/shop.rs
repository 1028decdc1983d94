//! The buyer's shop: the seller's catalogue at the buyer's prices with availability, a cart kept server-side with
//! a "save for later" list, ordering the cart (through the same parsing, pricing and storing as a webshop's
//! order) and re-ordering an earlier order.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_app::ordering::cart::CartOwner;
use orders_app::ordering::Ordered;
use orders_domain::ids::{OrderId, Sku};
use orders_domain::portal::{Cart, Checkout};
use orders_domain::pricing::{order_totals, price_line, LineRequest};
use orders_domain::tenant::TenantSettings;
use orders_domain::FieldError;
use orders_http::portal::Buyer;
use orders_http::views::order_json;
use orders_http::{json_body, json_response, limit_param, parse_json, query_param, ApiError};

use crate::Portal;

/// The seller's settings.
pub(crate) async fn tenant(app: &Portal, buyer: &Buyer) -> Result<TenantSettings, ApiError> {
    app.store
        .get_tenant(&buyer.tenant)
        .await?
        .ok_or_else(|| ApiError::Unavailable("this seller is not set up yet".into()))
}

/// `quantity` of `product` priced for the buyer (their agreed price, else the catalogue's; their discount), as a
/// line of an order of theirs would be; `None` if it cannot be priced (another currency).
fn buyer_price(
    view: &orders_domain::catalogue::CatalogueView,
    product: &orders_domain::catalogue::Product,
    quantity: Decimal,
    discount: Option<orders_domain::order::Discount>,
    tenant: &TenantSettings,
) -> Option<orders_domain::order::OrderLine> {
    let request = LineRequest { quantity, unit_price: None, discount: None };
    price_line(1, &request, product, view.customer_prices.get(&product.sku), discount, tenant.currency).ok()
}

/// The buyer's `?q=`, trimmed and in lower case (`None` when blank); at most 100 characters.
pub(crate) fn search_param(request: &Request) -> Result<Option<String>, ApiError> {
    let search = query_param(request, "q").map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    if search.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::InvalidParameter { name: "q", detail: "search for at most 100 characters".into() });
    }
    Ok(search)
}

/// `GET /v1/portal/catalogue` (`?q=`, `?limit=`, `?cursor=`): the seller's products at the buyer's prices, with
/// what is available now. `q` keeps the page's products whose SKU or name contains it (any case).
pub(crate) async fn catalogue(app: &Portal, buyer: &Buyer, request: &Request) -> Result<Response<Body>, ApiError> {
    let limit = limit_param(request)?;
    let listing = format!("portal-catalogue:{}", buyer.customer);
    let start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(buyer.tenant.as_str(), &listing, &cursor).await?),
    };
    let search = search_param(request)?;
    let (tenant, (products, next), customer) = futures::try_join!(
        tenant(app, buyer),
        async { Ok(app.store.list_products(&buyer.tenant, limit, start).await?) },
        async { Ok(app.store.get_customer(&buyer.tenant, &buyer.customer).await?) },
    )?;
    let products: Vec<_> = products
        .into_iter()
        .filter(|p| {
            search.as_ref().is_none_or(|q| {
                p.sku.as_str().to_lowercase().contains(q.as_str()) || p.name.to_lowercase().contains(q.as_str())
            })
        })
        .collect();
    let skus: Vec<Sku> = products.iter().map(|p| p.sku.clone()).collect();
    let view = app.store.load_catalogue(&buyer.tenant, &skus, Some(&buyer.customer), &tenant.warehouses).await?;
    let discount = customer.as_ref().and_then(|c| c.discount);
    let items: Vec<Value> = products
        .iter()
        .map(|product| {
            let priced = buyer_price(&view, product, Decimal::ONE, discount, &tenant);
            json!({
                "sku": product.sku,
                "name": product.name,
                "unit": product.unit,
                "currency": tenant.currency.code(),
                "unit_price": priced.as_ref().map(|l| l.unit_price.to_string()),
                "net_unit_price": priced.as_ref().map(|l| l.line_net.to_string()),
                "vat_rate": product.vat_rate.to_string(),
                "available": view.available(&product.sku).to_string(),
            })
        })
        .collect();
    let next_cursor = app.cursors.next(buyer.tenant.as_str(), &listing, next).await?;
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

/// The cart as the buyer sees it: each line priced for them with what is available, and the totals of what
/// would be ordered now (saved-for-later lines are not in them).
async fn cart_view(app: &Portal, buyer: &Buyer, cart: &Cart) -> Result<Value, ApiError> {
    let tenant = tenant(app, buyer).await?;
    let skus: Vec<Sku> = cart.lines.iter().map(|l| l.sku.clone()).collect();
    let (customer, view) = futures::try_join!(
        app.store.get_customer(&buyer.tenant, &buyer.customer),
        app.store.load_catalogue(&buyer.tenant, &skus, Some(&buyer.customer), &tenant.warehouses),
    )?;
    let discount = customer.as_ref().and_then(|c| c.discount);
    let mut ordered = Vec::new();
    let lines: Vec<Value> = cart
        .lines
        .iter()
        .map(|line| {
            let product = view.products.get(&line.sku);
            let priced = product.and_then(|p| buyer_price(&view, p, line.quantity, discount, &tenant));
            if let (Some(priced), false) = (&priced, line.saved_for_later) {
                ordered.push(priced.clone());
            }
            json!({
                "sku": line.sku,
                "name": product.map(|p| p.name.clone()),
                "unit": product.map(|p| p.unit.clone()),
                "quantity": line.quantity.to_string(),
                "saved_for_later": line.saved_for_later,
                "unit_price": priced.as_ref().map(|l| l.unit_price.to_string()),
                "line_net": priced.as_ref().map(|l| l.line_net.to_string()),
                "available": view.available(&line.sku).to_string(),
                "orderable": priced.is_some(),
            })
        })
        .collect();
    let (totals, _) = order_totals(&ordered, tenant.currency);
    let addresses = customer.map(|c| c.portal_delivery_addresses()).unwrap_or_default();
    let address = addresses.first().map(|a| serde_json::to_value(&a.address).unwrap_or_default());
    Ok(json!({
        "cart_id": cart.cart_id,
        "version": cart.version,
        "currency": tenant.currency.code(),
        "lines": lines,
        "totals": totals,
        "default_delivery_address": address,
        "delivery_addresses": addresses,
        "typed_delivery_address_allowed": tenant.portal.typed_delivery_addresses,
    }))
}

/// `GET /v1/portal/cart`.
pub(crate) async fn show_cart(app: &Portal, buyer: &Buyer) -> Result<Response<Body>, ApiError> {
    let cart = app.store.cart(&buyer.tenant, &buyer.customer).await?;
    Ok(json_response(StatusCode::OK, &cart_view(app, buyer, &cart).await?, &[]))
}

/// Reads the cart, changes it with `change` and stores it, again from the top when another request wrote it
/// meanwhile (each change is a "set", so applying it to the newer cart is right).
async fn change_cart(
    app: &Portal,
    buyer: &Buyer,
    change: impl Fn(&mut Cart) -> Result<(), FieldError>,
) -> Result<Cart, ApiError> {
    Ok(orders_app::ordering::cart::change_cart(&app.store, &buyer.tenant, &buyer.customer, change).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CartLineBody {
    #[serde(with = "rust_decimal::serde::str")]
    quantity: Decimal,
    #[serde(default)]
    saved_for_later: bool,
}

fn cart_sku(sku: &str) -> Result<Sku, ApiError> {
    Sku::parse(sku).map_err(|e| ApiError::Validation(vec![FieldError::new("/sku", e.to_string())]))
}

/// `PUT /v1/portal/cart/lines/{sku}` with `{"quantity": "2", "saved_for_later": false}`: sets the product's
/// quantity and list (0 removes it). Only products of the catalogue go in.
pub(crate) async fn set_cart_line(
    app: &Portal,
    buyer: &Buyer,
    request: &Request,
    sku: &str,
) -> Result<Response<Body>, ApiError> {
    let body: CartLineBody = parse_json(json_body(request)?)?;
    let sku = cart_sku(sku)?;
    if !body.quantity.is_zero() {
        let view = app.store.load_catalogue(&buyer.tenant, std::slice::from_ref(&sku), None, &[]).await?;
        if !view.products.contains_key(&sku) {
            return Err(ApiError::NotFound(format!("product {sku}")));
        }
    }
    let cart = change_cart(app, buyer, |cart| cart.set_line(sku.clone(), body.quantity, body.saved_for_later)).await?;
    Ok(json_response(StatusCode::OK, &cart_view(app, buyer, &cart).await?, &[]))
}

/// `DELETE /v1/portal/cart/lines/{sku}`: takes the product out of the cart and the saved list.
pub(crate) async fn remove_cart_line(app: &Portal, buyer: &Buyer, sku: &str) -> Result<Response<Body>, ApiError> {
    let sku = cart_sku(sku)?;
    let cart = change_cart(app, buyer, |cart| cart.set_line(sku.clone(), Decimal::ZERO, false)).await?;
    Ok(json_response(StatusCode::OK, &cart_view(app, buyer, &cart).await?, &[]))
}

/// The buyer's own order `id`; 404 for anyone else's.
pub(crate) async fn own_order(
    app: &Portal,
    buyer: &Buyer,
    id: &str,
) -> Result<orders_aws::store::OrderDetail, ApiError> {
    let not_found = || ApiError::NotFound(format!("order {id}"));
    let order_id = OrderId::parse_public(id).map_err(|_| not_found())?;
    if !buyer.reaches_order(&app.store, &order_id).await? {
        return Err(not_found());
    }
    let detail = app.store.get_order_detail(&buyer.tenant, &order_id).await?.ok_or_else(not_found)?;
    if detail.order.buyer.customer_id != buyer.customer {
        return Err(not_found());
    }
    Ok(detail)
}

/// `POST /v1/portal/orders/{id}/reorder`: puts an earlier order's products and quantities in the cart (at
/// today's prices, which the cart shows before anything is ordered).
pub(crate) async fn reorder(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let order = own_order(app, buyer, id).await?.order;
    let cart = change_cart(app, buyer, |cart| cart.add_order(&order)).await?;
    Ok(json_response(StatusCode::OK, &cart_view(app, buyer, &cart).await?, &[]))
}

/// The buyer who orders: their cart and the link they came in with.
pub(crate) fn owner(buyer: &Buyer) -> CartOwner<'_> {
    CartOwner { tenant: &buyer.tenant, customer: &buyer.customer, link_id: &buyer.link.link_id }
}

/// An order placed in the portal: 201 when placed now, 200 with `Idempotent-Replayed` when an earlier request
/// placed it.
pub(crate) fn ordered_response(ordered: &Ordered) -> Response<Body> {
    let location = ("location", format!("/v1/portal/orders/{}", ordered.order.id));
    if ordered.replayed {
        json_response(
            StatusCode::OK,
            &order_json(&ordered.order, None),
            &[location, ("idempotent-replayed", "true".into())],
        )
    } else {
        json_response(StatusCode::CREATED, &order_json(&ordered.order, None), &[location])
    }
}

/// Now, to the microsecond the sort keys keep.
pub(crate) fn now_micros() -> OffsetDateTime {
    orders_app::ordering::now_micros(OffsetDateTime::now_utc())
}

/// `POST /v1/portal/orders` with `{"cart_id": …, "delivery_address"?, "requested_delivery_date"?, "notes"?}`:
/// orders what is in the cart (not the saved list) at the buyer's prices, as one order through the intake path;
/// the cart then keeps only the saved list. Ordering the same cart again answers the same order.
pub(crate) async fn order_cart(app: &Portal, buyer: &Buyer, request: &Request) -> Result<Response<Body>, ApiError> {
    let checkout: Checkout = parse_json(json_body(request)?)?;
    let ordered = orders_app::ordering::cart::order_cart(
        &app.store,
        &app.publisher,
        owner(buyer),
        &checkout,
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(ordered_response(&ordered))
}
