//! Text and number formatting for the document: address lines, unit prices and VAT rate labels.

use rust_decimal::Decimal;

use orders_domain::catalogue::VatCategory;
use orders_domain::invoice::Invoice;
use orders_domain::order::Address;
use orders_mail::Lang;

pub(crate) fn address_lines(address: &Address) -> Vec<String> {
    let mut lines = vec![address.street.clone()];
    if let Some(more) = address.additional_street.as_ref().filter(|s| !s.trim().is_empty()) {
        lines.push(more.clone());
    }
    lines.push(format!("{} {}", address.postal_code, address.city));
    lines.push(address.country.clone());
    lines
}

/// A unit price with at least the currency's decimals (`10` → `10.00`), more when it has them (`0.125`).
pub(crate) fn price_text(price: Decimal, invoice: &Invoice) -> Decimal {
    let mut price = price.normalize();
    let minor = invoice.currency.minor_units();
    if price.scale() < minor {
        price.rescale(minor);
    }
    price
}

pub(crate) fn vat_label(category: VatCategory, rate: Decimal, lang: Lang) -> String {
    match category {
        VatCategory::S => lang.number(rate.normalize()),
        other => format!("{other:?} {}", lang.number(rate.normalize())),
    }
}
