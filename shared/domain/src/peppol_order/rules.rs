//! The Peppol BIS Order (T01) rules, checked before anything of a document is taken. The data-model rules are the
//! generated tables of [`super::t01_rules`]; the others are written here, each under its official id, or named in
//! [`PENDING`] until they are. The offline validator of the project's tests runs the official schematron on the
//! same documents, so the two are compared, not trusted (docs/decisions/0016-peppol-order-intake.md).

use rust_decimal::Decimal;

use super::t01_rules::{CONTEXT_CHECKS, CONTEXT_PATHS, CUSTOM};
use super::xml::Element;

mod business;
mod identifiers;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// The document is refused.
    Fatal,
    /// Reported, not refused.
    Warning,
}

/// A code list as the schematron writes it, its codes separated by single spaces: one string in the binary rather
/// than a pointer and a length per code (the unit codes alone are some 2,000).
#[derive(Debug, Clone, Copy)]
pub(super) struct CodeList(pub(super) &'static str);

impl CodeList {
    /// Whether `code` is one of the list's.
    pub(super) fn contains(self, code: &str) -> bool {
        !code.is_empty() && !code.contains(' ') && self.0.split(' ').any(|c| c == code)
    }
}

/// One check of the data-model tables.
#[derive(Debug, Clone, Copy)]
pub(super) enum Check {
    /// The element has a child of this name.
    Child(&'static str),
    /// The element is not part of the data model (its context is a parent's `/*`).
    Foreign,
    /// The element has this attribute.
    Attribute(&'static str),
    /// The attribute, when present, is in the list.
    AttributeIn(&'static str, CodeList),
    /// The element's text is in the list.
    TextIn(CodeList),
}

/// An assert of the schematron that is no table row (its context and test are comments of the generated table:
/// the binaries carry only what findings say).
pub(super) struct Custom {
    pub(super) id: &'static str,
    pub(super) flag: Flag,
    pub(super) text: &'static str,
}

/// A rule a document breaks: its id, where (an XPath like the validator's), and the rule's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The official rule id, e.g. `PEPPOL-T01-B00108`.
    pub rule: &'static str,
    /// Fatal or warning.
    pub flag: Flag,
    /// XPath of the element, e.g. `/Order[1]/cac:OrderLine[2]`.
    pub location: String,
    /// The rule's message.
    pub text: std::borrow::Cow<'static, str>,
}

/// The custom asserts checked by [`check`].
#[cfg(test)]
pub(super) const IMPLEMENTED: &[&str] = &[
    "PEPPOL-COMMON-R001",
    "PEPPOL-COMMON-R003",
    "PEPPOL-COMMON-R030",
    "PEPPOL-T01-B00109",
    "PEPPOL-T01-R031",
    "PEPPOL-T01-R034",
    "PEPPOL-T01-R003",
    "PEPPOL-T01-R028",
    "PEPPOL-T01-R002",
    "PEPPOL-T01-R006",
    "PEPPOL-T01-R007",
    "PEPPOL-T01-R008",
    "PEPPOL-T01-R009",
    "PEPPOL-T01-R010",
    "PEPPOL-T01-R011",
    "PEPPOL-T01-R016",
    "PEPPOL-T01-R017",
    "PEPPOL-T01-B20501",
    "PEPPOL-T01-B27501",
    "PEPPOL-T01-B28801",
    "PEPPOL-T01-R014",
    "PEPPOL-T01-R026",
    "PEPPOL-T01-R020",
    "PEPPOL-T01-R021",
    "PEPPOL-T01-R022",
    "PEPPOL-T01-R023",
    "PEPPOL-T01-R032",
    "PEPPOL-T01-R029",
    "PEPPOL-T01-R030",
    "PEPPOL-T01-R024",
    "PEPPOL-T01-R025",
    "PEPPOL-T01-R001",
    "PEPPOL-T01-R004",
    "PEPPOL-T01-R013",
    "PEPPOL-T01-R019",
    "PEPPOL-T01-R005",
    "PEPPOL-T01-R027",
    "PEPPOL-T01-R033",
    "PEPPOL-T01-R035",
    "PEPPOL-T01-CL001",
    "PEPPOL-T01-CL002",
    "PEPPOL-COMMON-R040",
    "PEPPOL-COMMON-R041",
    "PEPPOL-COMMON-R042",
    "PEPPOL-COMMON-R052",
    "PEPPOL-COMMON-R053",
    "PEPPOL-COMMON-R043",
    "PEPPOL-COMMON-R044",
    "PEPPOL-COMMON-R049",
    "PEPPOL-COMMON-R050",
    "PEPPOL-COMMON-R054",
    "PEPPOL-COMMON-R055",
    "PEPPOL-COMMON-R056-1",
    "PEPPOL-COMMON-R056-2",
    "PEPPOL-COMMON-R057",
];

/// The custom asserts not checked here yet: the Italian tax codes (Codice Fiscale, Partita IVA), warnings only. A
/// document that breaks only these is taken; the tests' validator would warn about it.
pub(super) const PENDING: &[&str] = &["PEPPOL-COMMON-R045", "PEPPOL-COMMON-R046", "PEPPOL-COMMON-R047"];

const PROFILES: &[&str] = &[
    "urn:fdc:peppol.eu:poacc:bis:order_only:3",
    "urn:fdc:peppol.eu:poacc:bis:ordering:3",
    "urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3",
];
const DATES: &[&str] =
    &["cbc:IssueDate", "cbc:DueDate", "cbc:TaxPointDate", "cbc:StartDate", "cbc:EndDate", "cbc:ActualDeliveryDate"];
const AMOUNTS: &[&str] =
    &["cbc:Amount", "cbc:TaxAmount", "cbc:LineExtensionAmount", "cbc:PriceAmount", "cbc:BaseAmount"];
/// Elements of the UBL numeric types (besides the amounts) whose value must be a decimal number.
const NUMBERS: &[&str] =
    &["cbc:Quantity", "cbc:BaseQuantity", "cbc:Percent", "cbc:MultiplierFactorNumeric", "cbc:ValueQuantity"];
/// The id the validator gives findings of the UBL 2.1 schema.
pub(super) const XSD: &str = "XSD";

/// Every finding of `order` (the root element), fatal and warnings, in document order.
pub fn check(order: &Element) -> Vec<Finding> {
    let currency = order.text_at("cbc:DocumentCurrencyCode").map(str::to_owned);
    let sums = Sums::of(order);
    let facts = business::DocumentFacts::of(order);
    let mut walk = Walk { findings: Vec::new(), currency, sums, facts };
    walk.element(order, None, "", "/Order[1]", false, false);
    walk.findings
}

struct Walk {
    findings: Vec<Finding>,
    currency: Option<String>,
    sums: Sums,
    facts: business::DocumentFacts,
}

/// The document-level sums the totals rules compare with (the schematron's `let`s): each rounded to cents as
/// XPath's `round` does (half towards positive infinity); `None` where a value is no number (the schema refuses
/// such a document anyway).
struct Sums {
    line_extension: Option<Decimal>,
    allowance: Option<Decimal>,
    charge: Option<Decimal>,
    tax: Option<Decimal>,
    has_tax_total: bool,
}

impl Sums {
    fn of(order: &Element) -> Self {
        let line_amounts: Vec<&Element> = order
            .children_named("cac:OrderLine")
            .flat_map(|l| l.children_named("cac:LineItem"))
            .flat_map(|i| i.children_named("cbc:LineExtensionAmount"))
            .collect();
        let charges = |indicator: &str| -> Vec<&Element> {
            order
                .children_named("cac:AllowanceCharge")
                .filter(|c| c.child("cbc:ChargeIndicator").is_some_and(|i| normalized(&i.text) == indicator))
                .flat_map(|c| c.children_named("cbc:Amount"))
                .collect()
        };
        let tax = match order.at("cac:TaxTotal/cbc:TaxAmount") {
            Some(amount) => decimal(&amount.text),
            None => Some(Decimal::ZERO),
        };
        Self {
            line_extension: rounded_sum(&line_amounts),
            allowance: rounded_sum(&charges("false")),
            charge: rounded_sum(&charges("true")),
            tax,
            has_tax_total: order.child("cac:TaxTotal").is_some(),
        }
    }
}

impl Sums {
    /// The totals rules `totals` (an `AnticipatedMonetaryTotal`) breaks. An absent amount is XPath's empty
    /// sequence: a comparison with it is false, except where the schematron tests for the amount first.
    fn broken_by(&self, totals: &Element) -> Vec<&'static str> {
        let amount = |name: &str| totals.child(name).map(|e| decimal(&e.text));
        let or_zero = |name: &str| amount(name).unwrap_or(Some(Decimal::ZERO));
        let same = |a: Option<Decimal>, b: Option<Decimal>| a.is_some() && a == b;
        let payable = amount("cbc:PayableAmount").flatten();
        let line_extension = amount("cbc:LineExtensionAmount").flatten();
        let (prepaid, rounding) = (or_zero("cbc:PrepaidAmount"), or_zero("cbc:PayableRoundingAmount"));
        let tax_inclusive = amount("cbc:TaxInclusiveAmount").flatten();
        let (allowances, charges) = (or_zero("cbc:AllowanceTotalAmount"), or_zero("cbc:ChargeTotalAmount"));
        let computed = line_extension.zip(allowances).zip(charges).map(|((l, a), c)| l - a + c);
        let tax_exclusive = match amount("cbc:TaxExclusiveAmount") {
            Some(value) => value,
            None => computed,
        };
        let mut broken = Vec::new();
        let mut fails = |rule: &'static str, holds: bool| {
            if !holds {
                broken.push(rule);
            }
        };
        fails("PEPPOL-T01-R006", payable.is_some_and(|p| p >= Decimal::ZERO));
        fails("PEPPOL-T01-R007", line_extension.is_some_and(|l| l >= Decimal::ZERO));
        fails("PEPPOL-T01-R008", same(line_extension, self.line_extension));
        fails("PEPPOL-T01-R009", same(allowances, self.allowance));
        fails("PEPPOL-T01-R010", same(charges, self.charge));
        fails("PEPPOL-T01-R011", same(tax_exclusive, computed));
        // `if ($taxinclusiveAmount)`: an absent or zero amount skips the rule.
        let inclusive = tax_inclusive.filter(|t| !t.is_zero());
        if let Some(inclusive) = inclusive {
            let due = prepaid.zip(rounding).map(|(p, r)| inclusive - p + r);
            fails("PEPPOL-T01-R016", same(payable, due));
            if self.has_tax_total {
                fails("PEPPOL-T01-R017", same(Some(inclusive), tax_exclusive.zip(self.tax).map(|(e, t)| e + t)));
            }
        }
        broken
    }
}

fn rounded_sum(amounts: &[&Element]) -> Option<Decimal> {
    let sum = amounts.iter().try_fold(Decimal::ZERO, |sum, a| decimal(&a.text).map(|d| sum + d))?;
    Some(cents(sum))
}

/// XPath's `round(x * 100) div 100`: to cents, half towards positive infinity.
fn cents(value: Decimal) -> Decimal {
    (value * Decimal::ONE_HUNDRED + Decimal::new(5, 1)).floor() / Decimal::ONE_HUNDRED
}

/// The finding of the custom assert `rule` at `location`, with the schematron's flag and text.
fn custom_finding(rule: &'static str, location: &str) -> Finding {
    let (flag, text) = CUSTOM.iter().find(|c| c.id == rule).map_or((Flag::Fatal, ""), |c| (c.flag, c.text));
    Finding { rule, flag, location: location.to_owned(), text: text.into() }
}

impl Walk {
    fn element(
        &mut self,
        e: &Element,
        parent_element: Option<&Element>,
        parent: &str,
        location: &str,
        in_price: bool,
        in_totals: bool,
    ) {
        let path = format!("{parent}/{}", if parent.is_empty() { "ubl:Order" } else { e.name.as_str() });
        self.table(e, &path, parent, location);
        self.custom(e, &path, location, in_price, in_totals);
        let broken = business::data_model_broken(e, &path)
            .into_iter()
            .chain(business::broken(&self.facts, e, &path, parent_element))
            .chain(identifiers::broken(e, parent_element));
        self.findings.extend(broken.map(|rule| custom_finding(rule, location)));
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for child in &e.children {
            let n = match seen.iter_mut().find(|(name, _)| *name == child.name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((&child.name, 1));
                    1
                }
            };
            let at = format!("{location}/{}[{n}]", child.name);
            let price = in_price || e.name == "cac:Price";
            let totals = e.name == "cac:AnticipatedMonetaryTotal";
            self.element(child, Some(e), &path, &at, price, totals);
        }
    }

    fn table(&mut self, e: &Element, path: &str, parent: &str, location: &str) {
        let Some(checks) = context_checks(path, parent) else { return };
        for &(check, rule, flag, text) in checks {
            let holds = match check {
                Check::Child(name) => e.child(name).is_some(),
                Check::Foreign => false,
                Check::Attribute(name) => e.attribute(name).is_some(),
                Check::AttributeIn(name, list) => e.attribute(name).is_none_or(|v| list.contains(v)),
                Check::TextIn(list) => list.contains(&normalized(&e.text)),
            };
            if !holds {
                // The generator leaves out the schematron's "Element '…' MUST be provided." (kept short in the
                // binaries); it is written here.
                let text = match check {
                    Check::Child(name) if text.is_empty() => format!("Element '{name}' MUST be provided.").into(),
                    _ => text.into(),
                };
                self.findings.push(Finding { rule, flag, location: location.to_owned(), text });
            }
        }
    }

    fn custom(&mut self, e: &Element, path: &str, location: &str, in_price: bool, in_totals: bool) {
        let mut push = |rule: &'static str, text: Option<&'static str>| {
            self.findings.push(match text {
                Some(text) => Finding { rule, flag: Flag::Fatal, location: location.to_owned(), text: text.into() },
                None => custom_finding(rule, location),
            });
        };
        if e.children.is_empty() && e.text.trim().is_empty() {
            push("PEPPOL-COMMON-R001", None);
        }
        if path == "/ubl:Order" {
            if e.attributes.iter().any(|(_, local, _)| local == "schemaLocation") {
                push("PEPPOL-COMMON-R003", None);
                push("PEPPOL-T01-B00109", None);
            }
            if e.at("cac:ValidityPeriod/cbc:EndDate").is_none() {
                push("PEPPOL-T01-R002", None);
            }
        }
        if DATES.contains(&e.name.as_str()) && !is_date(&e.text) {
            push("PEPPOL-COMMON-R030", None);
        }
        if e.name == "cbc:ProfileID" && !PROFILES.contains(&normalized(&e.text).as_str()) {
            push("PEPPOL-T01-R031", None);
        }
        if e.name == "cbc:CustomizationID" && !normalized(&e.text).starts_with("urn:fdc:peppol.eu:poacc:trns:order:3") {
            push("PEPPOL-T01-R034", None);
        }
        if e.name == "cac:AnticipatedMonetaryTotal" {
            for rule in self.sums.broken_by(e) {
                push(rule, None);
            }
        }
        let amount = AMOUNTS.contains(&e.name.as_str()) || (in_totals && e.name.starts_with("cbc:"));
        if (amount || NUMBERS.contains(&e.name.as_str())) && decimal(&e.text).is_none() {
            // Of the schema only this is checked here: a number that is none would reach the mapping.
            push(XSD, Some("The value must be a decimal number."));
        }
        if amount {
            if let Some(currency) = e.attribute("currencyID") {
                if Some(currency) != self.currency.as_deref() {
                    push("PEPPOL-T01-R003", None);
                }
            }
            let text = e.text.as_str();
            if !in_price && text.split_once('.').is_some_and(|(_, decimals)| decimals.chars().count() > 2) {
                push("PEPPOL-T01-R028", None);
            }
        }
    }
}

/// The checks of the data-model context of the element at `path` (a child of `parent`): the first context, in
/// schematron order, whose path is its path or its parent's `/*`.
fn context_checks(path: &str, parent: &str) -> Option<&'static [(Check, &'static str, Flag, &'static str)]> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<&'static str, usize>> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = std::collections::HashMap::new();
        for (n, path) in CONTEXT_PATHS.split('\n').enumerate() {
            index.entry(path).or_insert(n);
        }
        index
    });
    let relative = |p: &str| p.strip_prefix("/ubl:Order").map(str::to_owned);
    let any = relative(parent).map(|p| format!("{p}/*"));
    let found = [relative(path), any].into_iter().flatten().filter_map(|p| index.get(p.as_str()).copied()).min()?;
    CONTEXT_CHECKS.get(found).copied()
}

fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `xs:date` castable and ten characters: `YYYY-MM-DD` of a real day.
fn is_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.len() == 10 && time::Date::parse(text, format).is_ok()
}

/// A decimal as the rules read it (`xs:decimal`).
pub(super) fn decimal(text: &str) -> Option<Decimal> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_custom_assert_is_implemented_or_pending() {
        for custom in CUSTOM {
            let implemented = IMPLEMENTED.contains(&custom.id);
            let pending = PENDING.contains(&custom.id);
            assert!(implemented != pending, "{} must be in exactly one of IMPLEMENTED and PENDING", custom.id);
        }
        for id in IMPLEMENTED.iter().chain(PENDING) {
            assert!(CUSTOM.iter().any(|c| c.id == *id), "{id} is no custom assert of the schematron");
        }
    }
}
