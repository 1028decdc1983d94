//! Proforma invoices (docs/domain.md "Invoice rules"): what is confirmed (or, before confirmation, ordered) and not
//! invoiced yet, drafted like an invoice on a throw-away copy of the order — type 325, not a tax invoice, not
//! numbered in a series.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::document::{Invoice, InvoiceError};
use super::draft::draft_invoice;
use super::plan::{first_invoice_adjustments, BillingPlan};
use crate::order::Order;
use crate::tenant::TenantSettings;

/// A proforma invoice of `order` (type 325, not a tax invoice and not numbered): what is confirmed (or, before
/// confirmation, ordered) and not invoiced yet, with the order's allowances and charges while nothing is invoiced.
pub fn draft_proforma(order: &Order, tenant: &TenantSettings, at: OffsetDateTime) -> Result<Invoice, InvoiceError> {
    let mut shadow = order.clone();
    let mut quantities = Vec::new();
    for line in &mut shadow.lines {
        let basis = if line.confirmed_quantity > Decimal::ZERO { line.confirmed_quantity } else { line.quantity };
        let open = basis - line.invoiced_quantity;
        if open > Decimal::ZERO {
            // billed as if shipped, on a copy of the order that is thrown away
            line.shipped_quantity = line.invoiced_quantity + open;
            quantities.push((line.line_no, open));
        }
    }
    if quantities.is_empty() || !order.status.can_proforma() {
        return Err(InvoiceError::NothingToBill(format!("order {} has nothing left to invoice", order.id)));
    }
    let plan = BillingPlan {
        quantities,
        adjustments: first_invoice_adjustments(order),
        despatch_number: None,
        delivery_date: order.requested_delivery_date,
    };
    let mut proforma = draft_invoice(&shadow, &plan, tenant, "proforma", at)?.invoice;
    proforma.number = format!("PROFORMA-{}", order.order_number);
    proforma.series = "PROFORMA".into();
    proforma.payment.reference = order.order_number.clone();
    Ok(proforma)
}
