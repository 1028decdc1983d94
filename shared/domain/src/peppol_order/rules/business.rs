//! The T01 schematron's business-rule pattern as the schematron runs it: within the pattern each element is
//! checked by the first rule whose context matches it — the order document (`rules.rs`), an originator, a VAT
//! registration, the totals (`rules.rs`), document and line allowances and charges, tax categories, order lines,
//! price allowances, prices, quotation line references and reason codes — and the reason-code and price-indicator
//! asserts of the data-model pattern the tables cannot express (docs/decisions/0016-peppol-order-intake.md).
//!
//! XPath's semantics are kept where they decide an outcome: an absent number is `NaN` to `number()` (every
//! comparison with it is false), an absent operand of a general comparison makes it false, and `round` is half
//! towards positive infinity. A value the schematron would have to cast and cannot (`xs:decimal('QQ9')`) stops the
//! official validator; such a document fails the schema's number check here (see [`super::XSD`]), so those asserts
//! are not evaluated on it.

use rust_decimal::Decimal;

use super::super::t01_rules::{CLUNCL5189, CLUNCL7161, R026_VAT_PREFIXES};
use super::super::xml::Element;
use super::{cents, decimal, normalized};

const DOCUMENT_ALLOWANCE: &str = "/ubl:Order/cac:AllowanceCharge";
const LINE_ALLOWANCE: &str = "/ubl:Order/cac:OrderLine/cac:LineItem/cac:AllowanceCharge";
const PRICE_ALLOWANCE: &str = "/ubl:Order/cac:OrderLine/cac:LineItem/cac:Price/cac:AllowanceCharge";

/// What the business rules read of the whole document.
pub(super) struct DocumentFacts {
    /// The `cbc:ID` values of every order line item (`xsl:key k_lineId`), per line item.
    line_ids: Vec<Vec<String>>,
    /// Whether the order references a quotation (`/*/cac:QuotationDocumentReference/cbc:ID`).
    quotation_reference: bool,
}

impl DocumentFacts {
    pub(super) fn of(order: &Element) -> Self {
        let line_ids = order
            .children_named("cac:OrderLine")
            .flat_map(|line| line.children_named("cac:LineItem"))
            .map(|item| item.children_named("cbc:ID").map(|id| id.text.clone()).collect())
            .collect();
        let quotation_reference =
            order.children_named("cac:QuotationDocumentReference").any(|r| r.child("cbc:ID").is_some());
        Self { line_ids, quotation_reference }
    }
}

/// Whether `e` has a descendant at `path` along any children (XPath's `a/b/c`, not only the first of each).
fn exists(e: &Element, path: &str) -> bool {
    match path.split_once('/') {
        None => e.child(path).is_some(),
        Some((first, rest)) => e.children_named(first).any(|child| exists(child, rest)),
    }
}

/// `number(x) >= 0` of a single optional element: false when it is absent or no number.
fn number_at_least_zero(e: Option<&Element>) -> bool {
    e.and_then(|e| decimal(&e.text)).is_some_and(|n| n >= Decimal::ZERO)
}

/// `u:slack(exp, val, slack)`: `exp` within `slack` of `val`.
fn slack(exp: Decimal, val: Decimal, slack: Decimal) -> bool {
    exp + slack >= val && exp - slack <= val
}

/// The rules of the business pattern that `e` (at `path`, a child of `parent`) breaks.
pub(super) fn broken(facts: &DocumentFacts, e: &Element, path: &str, parent: Option<&Element>) -> Vec<&'static str> {
    let mut broken = Vec::new();
    let mut check = |rule: &'static str, holds: bool| {
        if !holds {
            broken.push(rule);
        }
    };
    let has = |name: &str| e.child(name).is_some();
    let parent_name = parent.map_or("", |p| p.name.as_str());
    let name = e.name.as_str();
    let document_or_line_allowance = path == DOCUMENT_ALLOWANCE || path == LINE_ALLOWANCE;
    // The pattern's rules in order; the first whose context matches is the element's.
    if path == "/ubl:Order" || name == "cac:AnticipatedMonetaryTotal" {
        // Checked in rules.rs (R002, and the totals R006–R017).
    } else if name == "cac:OriginatorCustomerParty" {
        check(
            "PEPPOL-T01-R014",
            exists(e, "cac:Party/cac:PartyName/cbc:Name") || exists(e, "cac:Party/cac:PartyIdentification/cbc:ID"),
        );
    } else if name == "cac:PartyTaxScheme"
        && e.children_named("cac:TaxScheme").any(|s| s.children_named("cbc:ID").any(|id| id.text == "VAT"))
    {
        let prefix: String = e.child("cbc:CompanyID").map(|id| id.text.chars().take(2).collect()).unwrap_or_default();
        check("PEPPOL-T01-R026", R026_VAT_PREFIXES.contains(prefix.as_str()));
    } else if name == "cac:AllowanceCharge" && has("cbc:MultiplierFactorNumeric") && !has("cbc:BaseAmount") {
        check("PEPPOL-T01-R020", false);
    } else if document_or_line_allowance && !has("cbc:MultiplierFactorNumeric") && has("cbc:BaseAmount") {
        check("PEPPOL-T01-R021", false);
    } else if document_or_line_allowance {
        let number = |name: &str| e.child(name).and_then(|n| decimal(&n.text));
        if let (Some(base), Some(percent)) = (number("cbc:BaseAmount"), number("cbc:MultiplierFactorNumeric")) {
            let amount = if has("cbc:Amount") { number("cbc:Amount") } else { Some(Decimal::ZERO) };
            if let Some(amount) = amount {
                check("PEPPOL-T01-R022", slack(amount, base * percent / Decimal::ONE_HUNDRED, Decimal::new(2, 2)));
            }
        }
        check("PEPPOL-T01-R023", has("cbc:AllowanceChargeReason") || has("cbc:AllowanceChargeReasonCode"));
        check("PEPPOL-T01-R032", number_at_least_zero(e.child("cbc:Amount")));
    } else if name == "cac:TaxCategory" || name == "cac:ClassifiedTaxCategory" {
        let category = e.child("cbc:ID").map(|id| normalized(&id.text)).unwrap_or_default();
        check("PEPPOL-T01-R029", has("cbc:Percent") || category == "O");
        // `(cbc:Percent) > 0`: a percent that is no number stops the schematron; the schema refuses it here.
        let percents: Vec<Option<Decimal>> = e.children_named("cbc:Percent").map(|p| decimal(&p.text)).collect();
        if percents.iter().all(Option::is_some) {
            check("PEPPOL-T01-R030", category != "S" || percents.iter().flatten().any(|p| *p > Decimal::ZERO));
        }
    } else if name == "cac:LineItem" && parent_name == "cac:OrderLine" {
        line_item(facts, e, &mut check);
    } else if name == "cac:AllowanceCharge" && parent_name == "cac:Price" {
        if has("cbc:BaseAmount") {
            let price = parent.and_then(|p| p.child("cbc:PriceAmount")).and_then(|p| decimal(&p.text));
            let base = e.child("cbc:BaseAmount").and_then(|b| decimal(&b.text));
            let amount = e.child("cbc:Amount").and_then(|a| decimal(&a.text));
            check("PEPPOL-T01-R019", matches!((price, base, amount), (Some(p), Some(b), Some(a)) if p == b - a));
        }
    } else if name == "cac:Price" {
        check("PEPPOL-T01-R005", number_at_least_zero(e.child("cbc:PriceAmount")));
        let bases: Vec<Option<Decimal>> = e
            .children_named("cac:AllowanceCharge")
            .flat_map(|c| c.children_named("cbc:BaseAmount"))
            .map(|b| decimal(&b.text))
            .collect();
        if !bases.is_empty() && bases.iter().all(Option::is_some) {
            check("PEPPOL-T01-R027", bases.iter().flatten().any(|b| *b >= Decimal::ZERO));
        }
        let amounts: Vec<&Element> =
            e.children_named("cac:AllowanceCharge").flat_map(|c| c.children_named("cbc:Amount")).collect();
        if amounts.len() == 1 {
            check("PEPPOL-T01-R033", number_at_least_zero(amounts.first().copied()));
        }
    } else if name == "cbc:LineID" && parent_name == "cac:QuotationLineReference" {
        check("PEPPOL-T01-R035", facts.quotation_reference);
    } else if name == "cbc:AllowanceChargeReasonCode" {
        let indicator = |value: &str| {
            parent.is_some_and(|p| p.name == "cac:AllowanceCharge")
                && parent.is_some_and(|p| p.children_named("cbc:ChargeIndicator").any(|i| i.text == value))
        };
        let code = normalized(&e.text);
        if indicator("false") {
            check("PEPPOL-T01-CL001", CLUNCL5189.contains(&code));
        } else if indicator("true") {
            check("PEPPOL-T01-CL002", CLUNCL7161.contains(&code));
        }
    }
    broken
}

/// `cac:OrderLine/cac:LineItem`: the line amount (R024), the base quantity (R025), a unique line id (R001), a
/// quantity that is not negative (R004) and is there (R013, a warning).
fn line_item(facts: &DocumentFacts, e: &Element, check: &mut impl FnMut(&'static str, bool)) {
    let number = |path: &str| e.at(path).map(|n| decimal(&n.text));
    // `if (x) then xs:decimal(x) else default`: `None` when x is there and no number (the schematron stops).
    let or = |path: &str, default: Decimal| number(path).unwrap_or(Some(default));
    let sum_of = |indicator: &str| -> Option<Decimal> {
        let amounts: Vec<Option<Decimal>> = e
            .children_named("cac:AllowanceCharge")
            .filter(|c| c.children_named("cbc:ChargeIndicator").any(|i| normalized(&i.text) == indicator))
            .flat_map(|c| c.children_named("cbc:Amount"))
            .map(|a| decimal(&a.text))
            .collect();
        amounts.into_iter().sum::<Option<Decimal>>().map(cents)
    };
    let base = match number("cac:Price/cbc:BaseQuantity") {
        Some(Some(base)) if !base.is_zero() => Some(base),
        Some(None) => None,
        _ => Some(Decimal::ONE),
    };
    let inputs = (
        or("cbc:LineExtensionAmount", Decimal::ZERO),
        or("cbc:Quantity", Decimal::ONE),
        or("cac:Price/cbc:PriceAmount", Decimal::ZERO),
        base,
        sum_of("false"),
        sum_of("true"),
    );
    if let (Some(line), Some(quantity), Some(price), Some(base), Some(allowances), Some(charges)) = inputs {
        let expected = quantity * (price / base) + charges - allowances;
        check("PEPPOL-T01-R024", slack(line, expected, Decimal::new(2, 2)));
    }
    // `xs:decimal` of a base quantity that is no number stops the schematron; the schema refuses it here.
    if let Some(Some(base)) = number("cac:Price/cbc:BaseQuantity") {
        check("PEPPOL-T01-R025", base > Decimal::ZERO);
    }
    let ids: Vec<&String> = e.children_named("cbc:ID").map(|id| &id.text).collect();
    let same = facts.line_ids.iter().filter(|other| other.iter().any(|id| ids.contains(&id))).count();
    check("PEPPOL-T01-R001", same == 1);
    check("PEPPOL-T01-R004", number_at_least_zero(e.child("cbc:Quantity")));
    check("PEPPOL-T01-R013", e.child("cbc:Quantity").is_some());
}

/// The data-model pattern's asserts at `path` that the tables do not hold: reason codes of either list (B20501,
/// B27501) and a price allowance's indicator (B28801).
pub(super) fn data_model_broken(e: &Element, path: &str) -> Vec<&'static str> {
    let text = normalized(&e.text);
    let reason_code = || CLUNCL5189.contains(&text) || CLUNCL7161.contains(&text);
    match path {
        "/ubl:Order/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode" if !reason_code() => vec!["PEPPOL-T01-B20501"],
        "/ubl:Order/cac:OrderLine/cac:LineItem/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode" if !reason_code() => {
            vec!["PEPPOL-T01-B27501"]
        }
        _ if path == format!("{PRICE_ALLOWANCE}/cbc:ChargeIndicator") && text != "false" => vec!["PEPPOL-T01-B28801"],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpath_rounding_and_slack() {
        assert_eq!(cents(Decimal::new(10005, 3)), Decimal::new(1001, 2), "half up");
        assert_eq!(cents(Decimal::new(-10005, 3)), Decimal::new(-1000, 2), "half towards positive infinity");
        assert!(slack(Decimal::new(1002, 2), Decimal::new(10, 0), Decimal::new(2, 2)));
        assert!(!slack(Decimal::new(1003, 2), Decimal::new(10, 0), Decimal::new(2, 2)));
    }
}
