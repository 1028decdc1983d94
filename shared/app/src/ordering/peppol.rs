//! A Peppol BIS Order (T01) a buyer's procurement system sends (`POST /v1/orders` as `application/xml`): checked
//! against the T01 rules and mapped (docs/decisions/0016-peppol-order-intake.md), its buyer found in the register by
//! Peppol id, then priced and placed as a webshop's order is. The order number is the T01's id, unique per buyer
//! endpoint (the order's channel), so the same document sent again answers the order it placed.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use orders_aws::store::DuplicateCheck;
use orders_aws::{EventPublisher, Store};
use orders_domain::catalogue::Customer;
use orders_domain::documents::IssuedDocument;
use orders_domain::ids::{Sku, TenantId};
use orders_domain::intake::BuyerDraft;
use orders_domain::parsing::RequestError;
use orders_domain::party::PeppolId;
use orders_domain::peppol_order::{parse_order, DocumentProblem, ItemRef, PeppolOrder, PeppolRefusal};
use orders_domain::placing::inline_customer;
use orders_domain::tenant::{TenantSettings, UnknownBuyerPolicy};
use orders_domain::FieldError;

use super::webshop::{price_order, Priced};
use super::{replay, Ordered, OrderingError};
use crate::placing::Placement;

/// The name of the T01 kept with its order (`DOC#peppol-order`, archived as `…/peppol-order.xml`).
pub const RECEIVED_DOCUMENT: &str = "peppol-order";
/// Where a T01 names its buyer.
const BUYER_PARTY: &str = "/Order[1]/cac:BuyerCustomerParty[1]/cac:Party[1]";
/// The most of the buyer's party identifiers tried when its endpoint names no customer.
const MAX_PARTY_IDS: usize = 3;

impl From<PeppolRefusal> for OrderingError {
    fn from(refusal: PeppolRefusal) -> Self {
        match refusal {
            PeppolRefusal::NotXml(detail) => OrderingError::Request(RequestError::Malformed {
                pointer: String::new(),
                detail: format!("not well-formed XML: {detail}"),
            }),
            PeppolRefusal::Refused(problems) => OrderingError::Document(problems),
        }
    }
}

fn refused(location: &str, detail: String) -> OrderingError {
    OrderingError::Document(vec![DocumentProblem { rule: None, location: location.to_owned(), detail }])
}

/// A T01 as it came in: through the API with a key, or from an access point through the documents bucket.
#[derive(Debug, Clone, Copy)]
pub struct PeppolDocument<'a> {
    /// The document.
    pub text: &'a str,
    /// Who delivered it, for the order's history (`peppol:<key id>`, `peppol-inbound:<object key>`).
    pub actor: &'a str,
    /// The request's `Idempotency-Key`, if any.
    pub idempotency_key: Option<&'a str>,
}

/// Places the T01 `document` for the seller `tenant`, or answers the order the same document placed before.
pub async fn submit_peppol_order(
    store: &Store,
    publisher: &EventPublisher,
    tenant: &TenantSettings,
    document: PeppolDocument<'_>,
    now: OffsetDateTime,
) -> Result<Ordered, OrderingError> {
    let now = super::now_micros(now);
    let tenant_id = &tenant.tenant;
    let idempotency_key = document.idempotency_key;
    let peppol = parse_order(document.text, now.date())?;
    let (buyer_draft, named_by) = buyer(store, tenant, &peppol).await?;
    let delivery_address = match (&peppol.delivery_address, &buyer_draft) {
        (Some(address), _) => address.clone(),
        (None, BuyerDraft::Inline(registered)) => registered.address.clone().ok_or_else(no_delivery_address)?,
        (None, BuyerDraft::Existing(customer_id)) => {
            store.get_customer(tenant_id, customer_id).await?.and_then(|c| c.address).ok_or_else(no_delivery_address)?
        }
    };
    let skus = products(store, tenant_id, &peppol).await?;
    let draft = peppol.draft(buyer_draft, delivery_address, skus);
    // A buyer registered from the document is the order's inline customer, written in the order's transaction
    // with its Peppol id and the register's entry naming it (docs/decisions/0016).
    let registered = inline_customer(&draft).map(|customer| Customer { peppol_id: Some(named_by.clone()), ..customer });
    let channel = peppol.channel();
    let fingerprint = hex::encode(Sha256::digest(document.text.as_bytes()));
    let check = DuplicateCheck {
        channel: &channel,
        order_number: Some(&draft.order_number),
        idempotency_key,
        fingerprint: &fingerprint,
    };
    let priced = price_order(store, tenant_id, &channel, tenant, &draft, now, Some(check)).await.map_err(at_lines)?;
    let mut order = match priced {
        Priced::Repeat(duplicate) => {
            return replay(store, tenant_id, &draft.order_number, idempotency_key, duplicate).await
        }
        Priced::Order(order) => *order,
    };
    if registered.is_some() {
        order.buyer.peppol_id = Some(named_by.clone());
    }
    if order.buyer.peppol_id.as_ref() != Some(&named_by) {
        // The register's entry outlived the customer's Peppol id.
        return Err(unknown_buyer(&peppol));
    }
    for (index, (line, requested)) in order.lines.iter_mut().zip(&peppol.lines).enumerate() {
        if line.unit != requested.unit_code {
            return Err(refused(
                &format!("/Order[1]/cac:OrderLine[{}]/cac:LineItem[1]/cbc:Quantity[1]", index + 1),
                format!("{} is sold in {}, not {}", line.description, line.unit, requested.unit_code),
            ));
        }
        // The buyer's line id, kept when it is not the line's position: our documents reference the line by it.
        if requested.line_id != line.line_no.to_string() {
            line.buyer_line_id = Some(requested.line_id.clone());
        }
        // Beside ours; the tenant's peppol_orders.buyer_prices decides at confirmation what a difference means.
        line.buyer_price = requested.buyer_price;
    }
    // Kept with the order as it came, and archived beside the answers (docs/decisions/0016).
    let received =
        IssuedDocument { order_id: order.id.clone(), name: RECEIVED_DOCUMENT.into(), xml: document.text.to_owned() };
    let detail = format!(
        "Order {} received as Peppol BIS Order from {} with {} line(s), {} {} gross",
        order.order_number,
        channel,
        order.lines.len(),
        order.totals.gross,
        order.currency
    );
    let placement = Placement {
        order: &order,
        actor: document.actor,
        detail: &detail,
        fingerprint: &fingerprint,
        idempotency_key,
        inline_customer: registered.as_ref(),
        quote: None,
        orders_per_minute: Some(tenant.limits.orders_per_minute),
        settings_version: tenant.stored_version,
        stock: None,
        received_document: Some(&received),
    };
    super::place_and_answer(store, publisher, tenant, placement).await
}

/// The product of each line: its SKU, or the one whose GTIN it names.
async fn products(store: &Store, tenant: &TenantId, peppol: &PeppolOrder) -> Result<Vec<Sku>, OrderingError> {
    let mut skus = Vec::with_capacity(peppol.lines.len());
    for (index, line) in peppol.lines.iter().enumerate() {
        let sku = match &line.item {
            ItemRef::Sku(sku) => sku.clone(),
            ItemRef::Gtin(gtin) => store.sku_by_gtin(tenant, gtin).await?.ok_or_else(|| {
                refused(
                    &format!("/Order[1]/cac:OrderLine[{}]/cac:LineItem[1]/cac:Item[1]", index + 1),
                    format!("no product of this seller has the GTIN {gtin}"),
                )
            })?,
        };
        skus.push(sku);
    }
    Ok(skus)
}

/// The customer the buyer's endpoint names, else the first of its party identifiers that names one, with the id
/// that named it; else, when the tenant registers unknown buyers, the buyer the document describes, named by its
/// endpoint.
async fn buyer(
    store: &Store,
    tenant: &TenantSettings,
    peppol: &PeppolOrder,
) -> Result<(BuyerDraft, PeppolId), OrderingError> {
    let candidates = std::iter::once(&peppol.buyer_endpoint).chain(peppol.buyer_party_ids.iter().take(MAX_PARTY_IDS));
    for id in candidates {
        if let Some(customer) = store.customer_by_peppol_id(&tenant.tenant, id).await? {
            return Ok((BuyerDraft::Existing(customer), id.clone()));
        }
    }
    match tenant.peppol_orders.unknown_buyers {
        UnknownBuyerPolicy::Refuse => Err(unknown_buyer(peppol)),
        UnknownBuyerPolicy::Register => {
            let buyer = peppol.buyer_to_register().map_err(|problem| OrderingError::Document(vec![problem]))?;
            Ok((BuyerDraft::Inline(Box::new(buyer)), peppol.buyer_endpoint.clone()))
        }
    }
}

fn no_delivery_address() -> OrderingError {
    refused(
        "/Order[1]/cac:Delivery[1]",
        "the document names no complete delivery address (street, city, postal code, country), and the customer has \
         none on record"
            .into(),
    )
}

fn unknown_buyer(peppol: &PeppolOrder) -> OrderingError {
    let PeppolId { scheme, id } = &peppol.buyer_endpoint;
    refused(
        &format!("{BUYER_PARTY}/cbc:EndpointID[1]"),
        format!(
            "no customer of this seller has the Peppol id {scheme}:{id} (nor one of the buyer's party identifiers): \
             register the buyer with its Peppol id first (or let the tenant register unknown buyers: \
             peppol_orders.unknown_buyers = register)"
        ),
    )
}

/// Pricing's findings point into the JSON order (`/lines/0/sku`); a T01's point into the document.
fn at_lines(error: OrderingError) -> OrderingError {
    let OrderingError::Invalid(errors) = error else { return error };
    OrderingError::Document(
        errors
            .into_iter()
            .map(|FieldError { pointer, detail }| {
                let line =
                    pointer.strip_prefix("/lines/").and_then(|rest| rest.split('/').next()?.parse::<usize>().ok());
                let location = match line {
                    Some(index) => format!("/Order[1]/cac:OrderLine[{}]/cac:LineItem[1]", index + 1),
                    None => "/Order[1]".to_owned(),
                };
                DocumentProblem { rule: None, location, detail: format!("{pointer}: {detail}") }
            })
            .collect(),
    )
}
