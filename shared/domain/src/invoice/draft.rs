//! Drafting an invoice (docs/domain.md "Invoice rules"): the document of a billing plan with its lines, totals, due
//! date and payment details, and the order as it will be once the invoice is issued — its invoiced quantities and
//! the billing status they call for.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::document::{document_number, Invoice, InvoiceError, InvoiceLine, PaymentDetails, Seller};
use super::plan::BillingPlan;
use super::totals::{document_totals, line_amounts};
use super::vat::check_vat_categories;
use crate::document_kind::DocumentKind;
use crate::order::{Order, OrderStatus};
use crate::tenant::{InvoicingSettings, TenantSettings};

/// Everything of an invoice but its number, which the store assigns in the transaction that issues it.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceDraft {
    /// Kind.
    pub kind: DocumentKind,
    /// The invoice with an empty number (`seq` 0).
    pub invoice: Invoice,
    /// The order with its invoiced quantities and status updated.
    pub order: Order,
}

impl InvoiceDraft {
    /// The draft numbered as the `seq`-th document of its series.
    pub fn numbered(&self, seq: u64) -> Invoice {
        let mut invoice = self.invoice.clone();
        invoice.seq = seq;
        invoice.number = document_number(&invoice.series, seq);
        invoice.payment.reference = invoice.number.clone();
        invoice
    }
}

/// Drafts the invoice (or debit note) of `plan` on `issue_date`, and the order as it will be once issued.
pub fn draft_invoice(
    order: &Order,
    plan: &BillingPlan,
    tenant: &TenantSettings,
    source: &str,
    issued_at: OffsetDateTime,
) -> Result<InvoiceDraft, InvoiceError> {
    let settings = tenant.invoicing.as_ref().ok_or_else(|| InvoiceError::NotConfigured(tenant.tenant.to_string()))?;
    let mut updated = order.clone();
    let mut lines = Vec::new();
    for (index, (line_no, quantity)) in plan.quantities.iter().enumerate() {
        let line = updated
            .lines
            .iter_mut()
            .find(|l| l.line_no == *line_no)
            .ok_or_else(|| InvoiceError::Quantity(format!("line {line_no} is not on the order")))?;
        if *quantity <= Decimal::ZERO || line.invoiced_quantity + *quantity > line.shipped_quantity {
            return Err(InvoiceError::Quantity(format!(
                "line {line_no}: {quantity} more invoiced would exceed the shipped {}",
                line.shipped_quantity
            )));
        }
        let (allowance, line_net) = line_amounts(line, *quantity, line.invoiced_quantity, order.currency);
        line.invoiced_quantity += *quantity;
        lines.push(InvoiceLine {
            line_id: u32::try_from(index).unwrap_or(u32::MAX - 1) + 1,
            order_line_no: *line_no,
            order_line_ref: line.buyer_line_id.clone(),
            line_id_in_invoice: None,
            order: None,
            sku: line.sku.clone(),
            description: line.description.clone(),
            unit: line.unit.clone(),
            quantity: *quantity,
            unit_price: line.unit_price,
            allowance,
            line_net,
            vat_category: line.vat_category,
            vat_rate: line.vat_rate,
        });
    }
    updated.status = billing_status(&updated);
    check_vat_categories(&lines, &plan.adjustments, order)?;
    let (totals, vat_breakdown) = document_totals(&lines, &plan.adjustments, order.currency);
    let issue_date = issued_at.date();
    let kind = DocumentKind::Invoice;
    let invoice = Invoice {
        tenant: tenant.tenant.clone(),
        kind,
        number: String::new(),
        series: settings.series(kind, issue_date),
        seq: 0,
        issue_date,
        due_date: issue_date.checked_add(time::Duration::days(i64::from(settings.payment_terms_days))),
        issued_at,
        order_id: order.id.clone(),
        order_number: order.order_number.clone(),
        orders: Vec::new(),
        source: source.to_owned(),
        despatch_number: plan.despatch_number.clone(),
        delivery_date: plan.delivery_date,
        seller: seller_of(tenant, settings),
        buyer: order.buyer.clone(),
        delivery_address: order.delivery_address.clone(),
        language: order.buyer.language.clone().unwrap_or_else(|| tenant.language.clone()),
        payment: PaymentDetails {
            iban: settings.iban.clone(),
            bic: settings.bic.clone(),
            terms_days: settings.payment_terms_days,
            reference: String::new(),
        },
        currency: order.currency,
        lines,
        adjustments: plan.adjustments.clone(),
        totals,
        vat_breakdown,
        billing_reference: None,
        reason: None,
    };
    Ok(InvoiceDraft { kind, invoice, order: updated })
}

pub(super) fn seller_of(tenant: &TenantSettings, settings: &InvoicingSettings) -> Seller {
    Seller {
        name: tenant.name.clone(),
        vat_id: settings.vat_id.clone(),
        legal_registration_id: settings.legal_registration_id.clone(),
        address: settings.address.clone(),
        peppol_id: tenant.peppol_id.clone(),
        email: tenant.order_desk_email.to_string(),
    }
}

/// The billing status the line quantities call for: invoiced when every confirmed quantity is invoiced,
/// partially invoiced when some is, otherwise the delivery status (after a credit note takes everything back).
pub fn billing_status(order: &Order) -> OrderStatus {
    let invoiced_any = order.lines.iter().any(|l| !l.invoiced_quantity.is_zero());
    let all_invoiced = order.lines.iter().all(|l| l.invoiced_quantity >= l.confirmed_quantity);
    if order.status.kept_on_billing() {
        return order.status;
    }
    match (invoiced_any, all_invoiced) {
        (true, true) => OrderStatus::Invoiced,
        (true, false) => OrderStatus::PartiallyInvoiced,
        (false, _) => {
            let shipped_any = order.lines.iter().any(|l| !l.shipped_quantity.is_zero());
            let all_shipped = order.lines.iter().all(|l| l.shipped_quantity >= l.confirmed_quantity);
            match (shipped_any, all_shipped) {
                (true, true) => OrderStatus::Delivered,
                (true, false) => OrderStatus::PartiallyDelivered,
                (false, _) => order.status,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::invoice::plan_order_invoice;
    use crate::invoice::testing::{at, delivered};
    use rust_decimal_macros::dec;

    #[test]
    fn a_whole_order_invoice_bills_every_shipped_quantity_and_marks_the_order_invoiced() {
        let order = delivered(&[("A", dec!(3)), ("B", dec!(1.5))]);
        let plan = plan_order_invoice(&order, None).expect("plan");
        let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("draft");
        // 3 × 10.00 + 1.5 × 10.00 = 45.00; 25 % VAT 11.25; 56.25 payable
        let totals = &draft.invoice.totals;
        assert_eq!((totals.line_extension, totals.vat, totals.payable), (dec!(45.00), dec!(11.25), dec!(56.25)));
        assert_eq!(draft.order.status, OrderStatus::Invoiced);
        assert_eq!(draft.invoice.series, "INV-2026");
        assert_eq!(draft.numbered(123).number, "INV-2026-000123");
        assert_eq!(draft.invoice.due_date, Some(time::macros::date!(2026 - 12 - 30)));
        assert!(plan_order_invoice(&draft.order, None).is_err(), "nothing is left to invoice");
    }

    #[test]
    fn billing_status_falls_back_to_delivery_once_everything_is_credited() {
        let mut order = delivered(&[("A", dec!(2))]);
        order.status = OrderStatus::Invoiced;
        assert_eq!(billing_status(&order), OrderStatus::Delivered);
        order.lines[0].invoiced_quantity = dec!(1);
        assert_eq!(billing_status(&order), OrderStatus::PartiallyInvoiced);
        order.lines[0].invoiced_quantity = dec!(2);
        assert_eq!(billing_status(&order), OrderStatus::Invoiced);
    }
}
