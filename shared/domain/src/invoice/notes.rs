//! Credit notes (381) and debit notes (383) (docs/domain.md "Invoice rules"): corrections of an issued invoice that
//! reference it. A credit note takes back all that is still uncredited or given lines and quantities, and lowers the
//! order's invoiced quantities; a debit note charges more and leaves them as they are.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::document::{BillingReference, Invoice, InvoiceError, InvoiceLine};
use super::draft::{billing_status, seller_of, InvoiceDraft};
use super::ledger::CreditLedger;
use super::totals::document_totals;
use crate::document_kind::DocumentKind;
use crate::order::Order;
use crate::tenant::TenantSettings;

/// What a credit note takes back: some quantity of some lines of one invoice, or all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditScope {
    /// Every line and every document-level allowance and charge still uncredited.
    Full,
    /// (invoice line id, quantity) pairs; document-level allowances and charges are not credited.
    Lines(Vec<(u32, Decimal)>),
}

impl CreditScope {
    /// The invoice lines it names (`None`: all of the invoice).
    pub fn line_ids(&self) -> Option<Vec<u32>> {
        match self {
            Self::Full => None,
            Self::Lines(lines) => Some(lines.iter().map(|(id, _)| *id).collect()),
        }
    }
}

/// Drafts a credit note (381) for `invoice`, given what earlier credit notes took back of it (`ledger`). The
/// order's invoiced quantities go down by the credited quantities and its status follows.
pub fn draft_credit_note(
    invoice: &Invoice,
    order: &Order,
    ledger: &CreditLedger,
    scope: &CreditScope,
    reason: &str,
    tenant: &TenantSettings,
    issued_at: OffsetDateTime,
) -> Result<InvoiceDraft, InvoiceError> {
    let (credited, adjustments_credited) = (&ledger.lines, ledger.adjustments);
    let settings = tenant.invoicing.as_ref().ok_or_else(|| InvoiceError::NotConfigured(tenant.tenant.to_string()))?;
    if invoice.kind != DocumentKind::Invoice {
        return Err(InvoiceError::Quantity(format!(
            "{} is a {}, not an invoice",
            invoice.number,
            invoice.kind.as_str()
        )));
    }
    let wanted: Vec<(u32, Decimal)> = match scope {
        CreditScope::Full => invoice
            .lines
            .iter()
            .map(|l| (l.line_id, l.quantity - credited.get(&l.line_id).copied().unwrap_or_default()))
            .filter(|(_, q)| *q > Decimal::ZERO)
            .collect(),
        CreditScope::Lines(lines) => lines.clone(),
    };
    let adjustments =
        if *scope == CreditScope::Full && !adjustments_credited { invoice.adjustments.clone() } else { Vec::new() };
    if wanted.is_empty() && adjustments.is_empty() {
        return Err(InvoiceError::NothingToBill(format!("{} is credited in full already", invoice.number)));
    }
    // A collective invoice of several orders is credited one order at a time (docs/decisions/0020).
    let credited_order = super::collective::credited_order(invoice, scope.line_ids().as_deref())?;
    if *credited_order != order.id {
        return Err(InvoiceError::NotTogether(format!("{} does not bill order {}", invoice.number, order.id)));
    }
    let mut updated = order.clone();
    let mut lines = Vec::new();
    for (index, (line_id, quantity)) in wanted.iter().enumerate() {
        let billed = invoice
            .lines
            .iter()
            .find(|l| l.line_id == *line_id)
            .ok_or_else(|| InvoiceError::Quantity(format!("{} has no line {line_id}", invoice.number)))?;
        let open = billed.quantity - credited.get(line_id).copied().unwrap_or_default();
        if *quantity <= Decimal::ZERO || *quantity > open {
            return Err(InvoiceError::Quantity(format!(
                "line {line_id}: {quantity} cannot be credited; {open} of {} is left to credit",
                billed.quantity
            )));
        }
        let (allowance, line_net) = if *quantity == open && credited.get(line_id).is_none() {
            (billed.allowance, billed.line_net)
        } else {
            let gross = invoice.currency.round(*quantity * billed.unit_price);
            let share = |q: Decimal| invoice.currency.round(billed.allowance * q / billed.quantity);
            let before = credited.get(line_id).copied().unwrap_or_default();
            let allowance = if *quantity == open { billed.allowance - share(before) } else { share(*quantity) };
            (allowance, invoice.currency.round(gross - allowance))
        };
        if let Some(order_line) = updated.lines.iter_mut().find(|l| l.line_no == billed.order_line_no) {
            order_line.invoiced_quantity = (order_line.invoiced_quantity - *quantity).max(Decimal::ZERO);
        }
        lines.push(InvoiceLine {
            line_id: u32::try_from(index).unwrap_or(u32::MAX - 1) + 1,
            line_id_in_invoice: Some(billed.line_id),
            quantity: *quantity,
            allowance,
            line_net,
            ..billed.clone()
        });
    }
    updated.status = billing_status(&updated);
    let (totals, vat_breakdown) = document_totals(&lines, &adjustments, invoice.currency);
    let kind = DocumentKind::CreditNote;
    let issue_date = issued_at.date();
    let credit_note = Invoice {
        kind,
        number: String::new(),
        series: settings.series(kind, issue_date),
        seq: 0,
        issue_date,
        due_date: None,
        issued_at,
        source: invoice.number.clone(),
        seller: seller_of(tenant, settings),
        lines,
        adjustments,
        totals,
        vat_breakdown,
        billing_reference: Some(BillingReference { number: invoice.number.clone(), issue_date: invoice.issue_date }),
        reason: Some(reason.to_owned()),
        ..invoice.clone()
    };
    // Of a collective invoice of several orders, the note is the one order's: its link, history and BT-13.
    let credit_note = if invoice.bills_several_orders() {
        Invoice {
            order_id: order.id.clone(),
            order_number: order.order_number.clone(),
            orders: Vec::new(),
            ..credit_note
        }
    } else {
        credit_note
    };
    Ok(InvoiceDraft { kind, invoice: credit_note, order: updated })
}

/// One line of a debit note: more to pay for an order line of the invoice (a price correction or an extra
/// quantity), at `unit_price` each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitLine {
    /// The invoice line it adds to.
    pub line_id: u32,
    /// Quantity (> 0).
    pub quantity: Decimal,
    /// Net unit price of the addition (> 0).
    pub unit_price: Decimal,
}

/// Drafts a debit note (383) adding `lines` to `invoice`; invoiced quantities do not change.
pub fn draft_debit_note(
    invoice: &Invoice,
    order: &Order,
    lines: &[DebitLine],
    reason: &str,
    tenant: &TenantSettings,
    issued_at: OffsetDateTime,
) -> Result<InvoiceDraft, InvoiceError> {
    let settings = tenant.invoicing.as_ref().ok_or_else(|| InvoiceError::NotConfigured(tenant.tenant.to_string()))?;
    if lines.is_empty() {
        return Err(InvoiceError::NothingToBill("a debit note needs at least one line".into()));
    }
    let mut debit_lines = Vec::new();
    for (index, debit) in lines.iter().enumerate() {
        let billed = invoice
            .lines
            .iter()
            .find(|l| l.line_id == debit.line_id)
            .ok_or_else(|| InvoiceError::Quantity(format!("{} has no line {}", invoice.number, debit.line_id)))?;
        if debit.quantity <= Decimal::ZERO || debit.unit_price <= Decimal::ZERO {
            return Err(InvoiceError::Quantity(format!(
                "line {}: quantity and unit price must be greater than zero",
                debit.line_id
            )));
        }
        debit_lines.push(InvoiceLine {
            line_id: u32::try_from(index).unwrap_or(u32::MAX - 1) + 1,
            line_id_in_invoice: Some(billed.line_id),
            quantity: debit.quantity,
            unit_price: debit.unit_price,
            allowance: invoice.currency.round(Decimal::ZERO),
            line_net: invoice.currency.round(debit.quantity * debit.unit_price),
            ..billed.clone()
        });
    }
    let (totals, vat_breakdown) = document_totals(&debit_lines, &[], invoice.currency);
    let kind = DocumentKind::DebitNote;
    let issue_date = issued_at.date();
    let debit_note = Invoice {
        kind,
        number: String::new(),
        series: settings.series(kind, issue_date),
        seq: 0,
        issue_date,
        due_date: issue_date.checked_add(time::Duration::days(i64::from(settings.payment_terms_days))),
        issued_at,
        source: invoice.number.clone(),
        seller: seller_of(tenant, settings),
        lines: debit_lines,
        adjustments: Vec::new(),
        totals,
        vat_breakdown,
        billing_reference: Some(BillingReference { number: invoice.number.clone(), issue_date: invoice.issue_date }),
        reason: Some(reason.to_owned()),
        ..invoice.clone()
    };
    Ok(InvoiceDraft { kind, invoice: debit_note, order: order.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::invoice::testing::{at, delivered};
    use crate::invoice::{draft_invoice, plan_order_invoice};
    use crate::order::OrderStatus;
    use rust_decimal_macros::dec;

    #[test]
    fn a_partial_credit_note_restores_invoiced_quantities_and_the_rest_can_be_credited_later() {
        let order = delivered(&[("A", dec!(4)), ("B", dec!(1))]);
        let plan = plan_order_invoice(&order, None).expect("plan");
        let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("invoice");
        let invoice = draft.numbered(7);
        let scope = CreditScope::Lines(vec![(1, dec!(1))]);
        let credit = draft_credit_note(
            &invoice,
            &draft.order,
            &CreditLedger::default(),
            &scope,
            "Damaged",
            &fixtures::tenant(),
            at(),
        )
        .expect("credit");
        assert_eq!(credit.order.lines[0].invoiced_quantity, dec!(3));
        assert_eq!(credit.order.status, OrderStatus::PartiallyInvoiced);
        // 1 × 10.00 + 25 % = 12.50
        assert_eq!(credit.invoice.totals.payable, dec!(12.50));
        let credit_note = credit.numbered(1);
        assert_eq!(credit_note.billing_reference.as_ref().map(|r| r.number.as_str()), Some("INV-2026-000007"));
        assert_eq!(credit_note.number, "CN-2026-000001");
        let ledger = CreditLedger::default().with(&credit_note);
        let too_much = CreditScope::Lines(vec![(1, dec!(4))]);
        assert!(draft_credit_note(&invoice, &credit.order, &ledger, &too_much, "x", &fixtures::tenant(), at()).is_err());
        let rest =
            draft_credit_note(&invoice, &credit.order, &ledger, &CreditScope::Full, "x", &fixtures::tenant(), at())
                .expect("the rest");
        assert_eq!(rest.invoice.lines.iter().map(|l| l.quantity).collect::<Vec<_>>(), vec![dec!(3), dec!(1)]);
        assert_eq!(rest.order.status, OrderStatus::Delivered);
    }
}
