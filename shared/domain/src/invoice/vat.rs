//! The VAT rules of billing documents (docs/domain.md "Money"): which categories may stand together, what reverse
//! charge and intra-community supply need of the buyer, and the exemption reason of each category.

use super::document::{InvoiceError, InvoiceLine};
use crate::adjustment::DocumentAdjustment;
use crate::order::Order;
use crate::tax::VatCategory;

/// EN 16931 does not allow "not subject to VAT" (O) beside other categories (BR-O-11 … BR-O-14), and reverse
/// charge and intra-community supply need the buyer's VAT id (BR-AE-02, BR-IC-02).
pub(super) fn check_vat_categories(
    lines: &[InvoiceLine],
    adjustments: &[DocumentAdjustment],
    order: &Order,
) -> Result<(), InvoiceError> {
    let categories: Vec<VatCategory> =
        lines.iter().map(|l| l.vat_category).chain(adjustments.iter().map(|a| a.vat_category)).collect();
    if categories.contains(&VatCategory::O) && categories.iter().any(|c| *c != VatCategory::O) {
        return Err(InvoiceError::Vat(
            "lines outside the scope of VAT (O) cannot be invoiced together with taxed lines; split the order".into(),
        ));
    }
    if categories.iter().any(|c| matches!(c, VatCategory::AE | VatCategory::K)) && order.buyer.vat_id.is_none() {
        return Err(InvoiceError::Vat(
            "reverse charge (AE) and intra-community supply (K) need the buyer's VAT id; add it to the customer".into(),
        ));
    }
    Ok(())
}

/// The exemption reason EN 16931 requires for categories other than S and Z (BR-E-10, BR-AE-10, BR-IC-10,
/// BR-G-10, BR-O-10): a VATEX code where one fits, and a text.
pub fn exemption_reason(category: VatCategory) -> Option<(&'static str, &'static str)> {
    match category {
        VatCategory::S | VatCategory::Z => None,
        VatCategory::E => Some(("", "Exempt from VAT")),
        VatCategory::AE => Some(("VATEX-EU-AE", "Reverse charge")),
        VatCategory::K => Some(("VATEX-EU-IC", "Intra-Community supply")),
        VatCategory::G => Some(("VATEX-EU-G", "Export outside the EU")),
        VatCategory::O => Some(("VATEX-EU-O", "Not subject to VAT")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::invoice::testing::{at, delivered};
    use crate::invoice::{draft_invoice, plan_order_invoice};
    use rust_decimal_macros::dec;

    #[test]
    fn reverse_charge_needs_the_buyers_vat_id_and_o_stands_alone() {
        let mut order = delivered(&[("A", dec!(1)), ("B", dec!(1))]);
        order.lines[0].vat_category = VatCategory::AE;
        order.lines[0].vat_rate = dec!(0);
        let plan = plan_order_invoice(&order, None).expect("plan");
        assert!(matches!(draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()), Err(InvoiceError::Vat(_))));
        order.buyer.vat_id = Some("DE123456789".into());
        assert!(draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).is_ok());
        order.lines[1].vat_category = VatCategory::O;
        order.lines[1].vat_rate = dec!(0);
        assert!(matches!(draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()), Err(InvoiceError::Vat(_))));
    }
}
