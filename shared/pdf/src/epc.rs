//! The EPC069-12 ("SEPA credit transfer") QR code payload, which a banking app scans to pay a EUR document.

use rust_decimal::Decimal;

use orders_domain::invoice::{DocumentKind, Invoice};

/// The EPC069-12 ("SEPA credit transfer") QR payload for paying `invoice`, when it is a EUR amount due.
pub fn epc_payload(invoice: &Invoice) -> Option<String> {
    if invoice.currency.code() != "EUR"
        || invoice.kind == DocumentKind::CreditNote
        || invoice.totals.payable <= Decimal::ZERO
    {
        return None;
    }
    let mut amount = invoice.totals.payable.round_dp(2);
    amount.rescale(2);
    let name: String = invoice.seller.name.chars().take(70).collect();
    let iban: String = invoice.payment.iban.chars().filter(|c| !c.is_whitespace()).collect();
    Some(format!(
        "BCD\n002\n1\nSCT\n{}\n{name}\n{iban}\nEUR{amount}\n\n\n{}",
        invoice.payment.bic.as_deref().unwrap_or_default(),
        invoice.payment.reference
    ))
}
