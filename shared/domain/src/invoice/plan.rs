//! What to bill (docs/domain.md "Invoice rules"): a despatch's delivered quantities less what was invoiced since,
//! or every shipped quantity of a whole order not invoiced yet — with the order's document-level allowances and
//! charges on its first invoice only.

use rust_decimal::Decimal;
use time::Date;

use super::document::InvoiceError;
use crate::adjustment::DocumentAdjustment;
use crate::despatch::Despatch;
use crate::order::Order;

/// What is billed: which quantities of which order lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingPlan {
    /// (order line no., quantity) pairs, quantity > 0.
    pub quantities: Vec<(u32, Decimal)>,
    /// The document-level allowances and charges billed with them.
    pub adjustments: Vec<DocumentAdjustment>,
    /// The despatch billed, if one.
    pub despatch_number: Option<String>,
    /// Delivery date.
    pub delivery_date: Option<Date>,
}

/// The plan for invoicing one despatch: its delivered quantities, less what was invoiced since; with the order's
/// document-level charges and allowances when nothing of the order has been invoiced before.
pub fn plan_despatch_invoice(order: &Order, despatch: &Despatch) -> Result<BillingPlan, InvoiceError> {
    let mut quantities = Vec::new();
    for line in &despatch.lines {
        let ordered = order
            .lines
            .iter()
            .find(|l| l.line_no == line.line_no)
            .ok_or_else(|| InvoiceError::Quantity(format!("despatch line {} is not on the order", line.line_no)))?;
        let billable = (ordered.shipped_quantity - ordered.invoiced_quantity).max(Decimal::ZERO);
        let quantity = line.quantity.min(billable);
        if quantity > Decimal::ZERO {
            quantities.push((line.line_no, quantity));
        }
    }
    if quantities.is_empty() {
        return Err(InvoiceError::NothingToBill(format!(
            "despatch {} of order {} is invoiced already",
            despatch.despatch_number, order.id
        )));
    }
    Ok(BillingPlan {
        quantities,
        adjustments: first_invoice_adjustments(order),
        despatch_number: Some(despatch.despatch_number.clone()),
        delivery_date: Some(despatch.despatch_date),
    })
}

/// The plan for invoicing a whole delivered order: every shipped quantity not invoiced yet.
pub fn plan_order_invoice(order: &Order, delivery_date: Option<Date>) -> Result<BillingPlan, InvoiceError> {
    let quantities: Vec<(u32, Decimal)> = order
        .lines
        .iter()
        .map(|l| (l.line_no, (l.shipped_quantity - l.invoiced_quantity).max(Decimal::ZERO)))
        .filter(|(_, q)| *q > Decimal::ZERO)
        .collect();
    if quantities.is_empty() {
        return Err(InvoiceError::NothingToBill(format!("order {} has no shipped quantity left to invoice", order.id)));
    }
    Ok(BillingPlan { quantities, adjustments: first_invoice_adjustments(order), despatch_number: None, delivery_date })
}

pub(super) fn first_invoice_adjustments(order: &Order) -> Vec<DocumentAdjustment> {
    if order.lines.iter().all(|l| l.invoiced_quantity.is_zero()) {
        order.adjustments.clone()
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjustment::AdjustmentKind;
    use crate::fixtures;
    use crate::invoice::draft_invoice;
    use crate::invoice::testing::{at, delivered};
    use crate::order::OrderStatus;
    use crate::tax::VatCategory;
    use rust_decimal_macros::dec;

    #[test]
    fn freight_goes_on_the_first_invoice_only() {
        let mut order = delivered(&[("A", dec!(2)), ("B", dec!(2))]);
        order.adjustments = vec![DocumentAdjustment {
            kind: AdjustmentKind::Charge,
            reason: "Freight".into(),
            amount: dec!(9.90),
            vat_category: VatCategory::S,
            vat_rate: dec!(25),
        }];
        let mut despatch = fixtures::despatch(&order, "D-1", &[(1, dec!(2))]);
        let plan = plan_despatch_invoice(&order, &despatch).expect("plan");
        let first = draft_invoice(&order, &plan, &fixtures::tenant(), "D-1", at()).expect("first");
        // 20.00 + 9.90 freight = 29.90; VAT 7.475 → 7.48
        assert_eq!((first.invoice.totals.charges, first.invoice.totals.vat), (dec!(9.90), dec!(7.48)));
        assert_eq!(first.order.status, OrderStatus::PartiallyInvoiced);
        despatch = fixtures::despatch(&first.order, "D-2", &[(2, dec!(2))]);
        let plan = plan_despatch_invoice(&first.order, &despatch).expect("plan");
        let second = draft_invoice(&first.order, &plan, &fixtures::tenant(), "D-2", at()).expect("second");
        assert!(second.invoice.adjustments.is_empty());
        assert_eq!(second.order.status, OrderStatus::Invoiced);
    }
}
