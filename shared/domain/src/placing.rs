//! Turning a checked [`OrderDraft`] into a priced [`Order`] against the catalogue: what every way of placing an
//! order shares (a webshop's `POST /v1/orders`, a buyer's portal cart, a seller's quote). Unknown SKUs and
//! customers, and prices that cannot be computed, are reported with JSON Pointers; short stock only warns.

use std::collections::HashMap;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::catalogue::{CatalogueView, Customer};
use crate::ids::{CustomerId, OrderId, Sku, TenantId};
use crate::intake::{BuyerDraft, LineItem, OrderDraft};
use crate::order::{Buyer, Order, OrderStatus, OrderType, StockWarning};
use crate::pricing::{amount_problem, order_totals, price_free_text, price_line};
use crate::validation::{FieldError, FieldErrors};

/// What pricing a draft reads besides the draft itself.
#[derive(Debug, Clone, Copy)]
pub struct PricingInputs<'a> {
    /// The seller.
    pub tenant: &'a TenantId,
    /// Where the order comes from (webshop key id, `portal`, `quotes`).
    pub channel: &'a str,
    /// The draft's buyer as the customer register has it, if it does.
    pub customer: Option<&'a Customer>,
    /// Products, the buyer's prices and stock of the draft's SKUs.
    pub catalogue: &'a CatalogueView,
    /// The blanket order a call-off names, if it exists.
    pub blanket: Option<&'a Order>,
    /// When the order is received.
    pub now: OffsetDateTime,
}

/// The customer the draft's buyer refers to.
pub fn buyer_id(draft: &OrderDraft) -> &CustomerId {
    match &draft.buyer {
        BuyerDraft::Existing(id) => id,
        BuyerDraft::Inline(inline) => &inline.customer_id,
    }
}

/// The customer register entry of a buyer posted inline (intake upserts it); `None` for an existing customer.
pub fn inline_customer(draft: &OrderDraft) -> Option<Customer> {
    match &draft.buyer {
        BuyerDraft::Inline(inline) => Some(Customer {
            id: inline.customer_id.clone(),
            name: inline.name.clone(),
            email: inline.email.clone(),
            language: inline.language.clone(),
            vat_id: inline.vat_id.clone(),
            address: inline.address.clone(),
            discount: None,
            peppol_id: None,
            delivery_addresses: Vec::new(),
        }),
        BuyerDraft::Existing(_) => None,
    }
}

/// Prices every line of `draft` (the draft's price, else the buyer's agreed price, else the catalogue's) into a
/// new order in status `received`, or says what is wrong with which field.
pub fn price_draft(draft: &OrderDraft, inputs: &PricingInputs<'_>) -> Result<Order, Vec<FieldError>> {
    let catalogue = inputs.catalogue;
    let mut errors = FieldErrors::new();
    let buyer = match &draft.buyer {
        BuyerDraft::Existing(id) => match inputs.customer {
            Some(customer) => Some(Buyer {
                customer_id: id.clone(),
                name: customer.name.clone(),
                email: customer.email.clone(),
                language: customer.language.clone(),
                vat_id: customer.vat_id.clone(),
                address: customer.address.clone(),
                peppol_id: customer.peppol_id.clone(),
            }),
            None => {
                errors.push("/buyer/customer_id", format!("no customer {id} in your customer register"));
                None
            }
        },
        BuyerDraft::Inline(inline) => Some(Buyer {
            customer_id: inline.customer_id.clone(),
            name: inline.name.clone(),
            email: inline.email.clone(),
            language: inline.language.clone(),
            vat_id: inline.vat_id.clone(),
            address: inline.address.clone(),
            peppol_id: None,
        }),
    };
    if let Some(id) = &draft.blanket_order_id {
        match inputs.blanket {
            Some(order) if order.order_type == OrderType::Blanket && order.currency == draft.currency => {}
            Some(_) => errors.push("/blanket_order_id", format!("{id} is not a blanket order in {}", draft.currency)),
            None => errors.push("/blanket_order_id", format!("no order {id}")),
        }
    }
    let customer_discount = inputs.customer.and_then(|c| c.discount);

    let mut requested: HashMap<&Sku, Decimal> = HashMap::new();
    for line in &draft.lines {
        if let Some(sku) = line.sku() {
            *requested.entry(sku).or_default() += line.request.quantity;
        }
    }
    let mut lines = Vec::with_capacity(draft.lines.len());
    for (index, line) in draft.lines.iter().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let sku = match &line.item {
            LineItem::Product(sku) => sku,
            LineItem::FreeText(item) => {
                match price_free_text(line_no, &line.request, item, draft.currency) {
                    Ok(mut priced) => {
                        priced.requested_delivery_date = line.requested_delivery_date.or(draft.requested_delivery_date);
                        lines.push(priced);
                    }
                    Err(error) => errors.push(format!("/lines/{index}/{}", error.field), error.detail),
                }
                continue;
            }
        };
        let Some(product) = catalogue.products.get(sku) else {
            errors.push(format!("/lines/{index}/sku"), format!("unknown SKU {sku}"));
            continue;
        };
        match price_line(
            line_no,
            &line.request,
            product,
            catalogue.customer_prices.get(sku),
            customer_discount,
            draft.currency,
        ) {
            Err(error) => errors.push(format!("/lines/{index}/{}", error.field), error.detail),
            Ok(mut priced) => {
                priced.requested_delivery_date = line.requested_delivery_date.or(draft.requested_delivery_date);
                let available = catalogue.available(sku);
                let wanted = requested.get(sku).copied().unwrap_or_default();
                if available < wanted {
                    priced.stock_warning = Some(StockWarning {
                        available_quantity: available,
                        detail: format!(
                            "only {available} {} available in all warehouses for {wanted} ordered; confirmation decides",
                            product.unit
                        ),
                    });
                }
                lines.push(priced);
            }
        }
    }
    let buyer = match (buyer, errors.is_empty()) {
        (Some(buyer), true) => buyer,
        _ => return Err(errors.into_vec()),
    };
    let (totals, vat_breakdown) = order_totals(&lines, draft.currency);
    if let Some(problem) = amount_problem(&totals) {
        return Err(vec![FieldError::new("/lines", problem)]);
    }
    Ok(Order {
        id: OrderId::generate(),
        tenant: inputs.tenant.clone(),
        order_number: draft.order_number.clone(),
        order_type: draft.order_type,
        status: OrderStatus::Received,
        channel: inputs.channel.to_owned(),
        currency: draft.currency,
        buyer,
        requested_delivery_date: draft.requested_delivery_date,
        delivery_address: draft.delivery_address.clone(),
        final_consignee: draft.final_consignee.clone(),
        blanket_order_id: draft.blanket_order_id.clone(),
        schedule: draft.schedule,
        lines,
        totals,
        vat_breakdown,
        notes: draft.notes.clone(),
        received_at: inputs.now,
        response_reason: None,
        adjustments: Vec::new(),
        reservations: Vec::new(),
        responded_at: None,
        references: Default::default(),
    })
}
