//! Peppol BIS Order (T01) documents a buyer's procurement system sends: read, checked against the T01 rules, and
//! mapped onto the order the webshop intake places (docs/decisions/0016-peppol-order-intake.md). What the mapping
//! cannot know alone — which customer the buyer's Peppol id is, the delivery address when the document has none —
//! the use case resolves from the register.

use rust_decimal::Decimal;
use time::Date;

use crate::catalogue::Gtin;
use crate::ids::{CustomerId, Sku};
use crate::intake::{BuyerDraft, InlineBuyer, LineDraft, LineItem, OrderDraft, MAX_LINES};
use crate::money::Currency;
use crate::order::OrderType;
use crate::party::{Address, EmailAddress, PeppolId};
use crate::pricing::LineRequest;

mod rules;
#[rustfmt::skip]
mod t01_rules;
pub mod xml;

pub use rules::{Finding, Flag};

/// The longest buyer's line id kept (an ERP's line numbers, `10`, `000020`, `A-1`, are far shorter).
const MAX_LINE_ID: usize = 36;

/// The specification a T01 names.
pub const CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:order:3";

/// A T01 the rules accept, mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct PeppolOrder {
    /// The buyer's order id (`cbc:ID`): the order number, unique per buyer endpoint.
    pub document_id: String,
    /// The buyer's Peppol endpoint (`cac:BuyerCustomerParty/cac:Party/cbc:EndpointID`).
    pub buyer_endpoint: PeppolId,
    /// The buyer's party identifiers with a scheme (`cac:PartyIdentification/cbc:ID`).
    pub buyer_party_ids: Vec<PeppolId>,
    /// What the document says of the buyer, to register it by when the tenant registers unknown buyers.
    pub buyer: BuyerParty,
    /// Currency of the document.
    pub currency: Currency,
    /// Where to deliver, when the document says (the delivery location, else the buyer's postal address).
    pub delivery_address: Option<Address>,
    /// The requested delivery date (the start of the requested period), when it has not passed.
    pub requested_delivery_date: Option<Date>,
    /// The lines, in document order.
    pub lines: Vec<PeppolLine>,
    /// The order's notes, and the lines' notes after them.
    pub notes: Option<String>,
    /// What the rules warn about.
    pub warnings: Vec<Finding>,
}

/// The buyer as a T01 describes it (`cac:BuyerCustomerParty/cac:Party`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuyerParty {
    /// The legal name (`cac:PartyLegalEntity/cbc:RegistrationName`), else the party's name.
    pub name: Option<String>,
    /// The contact's email (`cac:Contact/cbc:ElectronicMail`), as written.
    pub email: Option<String>,
    /// The VAT id (`cac:PartyTaxScheme/cbc:CompanyID`).
    pub vat_id: Option<String>,
    /// The postal address, when it has everything our addresses need.
    pub address: Option<Address>,
}

/// How a T01 line names its item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef {
    /// The seller's item identifier: our SKU.
    Sku(Sku),
    /// Only a standard item id of scheme `0160`: a GTIN, which the catalogue maps to a SKU.
    Gtin(Gtin),
}

/// One order line of a T01.
#[derive(Debug, Clone, PartialEq)]
pub struct PeppolLine {
    /// The buyer's id of the line (`cbc:ID`, unique in the document by PEPPOL-T01-R001).
    pub line_id: String,
    /// The item.
    pub item: ItemRef,
    /// Ordered quantity.
    pub quantity: Decimal,
    /// Its UN/ECE Rec 20 unit code.
    pub unit_code: String,
    /// The net price per unit the buyer expects, if stated.
    pub buyer_price: Option<Decimal>,
    /// Requested date of this line, when it has not passed.
    pub requested_delivery_date: Option<Date>,
}

/// A problem of a document, where it is, and the rule it breaks when it is one of Peppol's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentProblem {
    /// The Peppol rule id, or `None` for what this pipeline cannot take.
    pub rule: Option<&'static str>,
    /// XPath of the element.
    pub location: String,
    /// What is wrong.
    pub detail: String,
}

/// Why a T01 is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeppolRefusal {
    /// Not XML this reader takes.
    #[error("not well-formed XML: {0}")]
    NotXml(String),
    /// Fatal findings of the T01 rules, or what the mapping cannot take.
    #[error("{} problem(s)", .0.len())]
    Refused(Vec<DocumentProblem>),
}

impl PeppolOrder {
    /// The order draft for the buyer `customer`, delivering to `delivery_address`, with `skus` the products of the
    /// lines in order (a line's own SKU, or the one its GTIN names).
    pub fn draft(&self, buyer: BuyerDraft, delivery_address: Address, skus: Vec<Sku>) -> OrderDraft {
        OrderDraft {
            order_number: self.document_id.clone(),
            order_type: OrderType::Purchase,
            currency: self.currency,
            buyer,
            requested_delivery_date: self.requested_delivery_date,
            delivery_address,
            final_consignee: None,
            blanket_order_id: None,
            schedule: None,
            lines: self
                .lines
                .iter()
                .zip(skus)
                .map(|(line, sku)| LineDraft {
                    item: LineItem::Product(sku),
                    request: LineRequest { quantity: line.quantity, unit_price: None, discount: None },
                    requested_delivery_date: line.requested_delivery_date,
                })
                .collect(),
            notes: self.notes.clone(),
        }
    }

    /// The buyer as the document describes it, to register with the order (a tenant's
    /// `peppol_orders.unknown_buyers = register`): its id derived from the endpoint, which becomes its Peppol id.
    /// A buyer without a name or a contact email cannot be registered; the problem says where.
    pub fn buyer_to_register(&self) -> Result<InlineBuyer, DocumentProblem> {
        const PARTY: &str = "/Order[1]/cac:BuyerCustomerParty[1]/cac:Party[1]";
        let name = self.buyer.name.as_deref().map(str::trim).filter(|n| !n.is_empty() && n.chars().count() <= 200);
        let Some(name) = name else {
            return Err(DocumentProblem {
                rule: None,
                location: format!("{PARTY}/cac:PartyLegalEntity[1]/cbc:RegistrationName[1]"),
                detail: "the buyer is not registered with this seller, and a buyer is registered under its legal or \
                         party name (1 to 200 characters), which the document does not give"
                    .into(),
            });
        };
        let email = self.buyer.email.as_deref().map(EmailAddress::parse);
        let Some(Ok(email)) = email else {
            return Err(DocumentProblem {
                rule: None,
                location: format!("{PARTY}/cac:Contact[1]/cbc:ElectronicMail[1]"),
                detail: match email {
                    Some(Err(problem)) => format!(
                        "the buyer is not registered with this seller, and its contact email cannot be taken: {problem}"
                    ),
                    _ => "the buyer is not registered with this seller, and a buyer is registered with the contact \
                          email its notifications go to, which the document does not give"
                        .into(),
                },
            });
        };
        Ok(InlineBuyer {
            customer_id: CustomerId::for_peppol_buyer(&self.buyer_endpoint),
            name: name.to_owned(),
            email,
            language: None,
            vat_id: self.buyer.vat_id.clone().filter(|v| !v.is_empty() && v.chars().count() <= 32),
            address: self.buyer.address.clone(),
        })
    }

    /// The channel of the buyer's orders: their order ids are unique per endpoint.
    pub fn channel(&self) -> String {
        format!("peppol:{}:{}", self.buyer_endpoint.scheme, self.buyer_endpoint.id)
    }
}

/// Every finding of the T01 rules checked here for the document `text` (an Order), fatal and warnings.
pub fn check_rules(text: &str) -> Result<Vec<Finding>, PeppolRefusal> {
    let root = xml::parse(text).map_err(|e| PeppolRefusal::NotXml(e.0))?;
    Ok(rules::check(&root))
}

/// The T01 rules not checked here yet (see [`rules`]): a document breaking only these is taken.
pub fn pending_rules() -> &'static [&'static str] {
    rules::PENDING
}

/// Reads, checks and maps a T01. `today` (UTC) drops requested dates that have passed.
pub fn parse_order(text: &str, today: Date) -> Result<PeppolOrder, PeppolRefusal> {
    let root = xml::parse(text).map_err(|e| PeppolRefusal::NotXml(e.0))?;
    if root.name != "ubl:Order" {
        return Err(PeppolRefusal::Refused(vec![DocumentProblem {
            rule: None,
            location: "/".into(),
            detail: format!("the root element is {}, not a UBL 2.1 Order", root.name),
        }]));
    }
    let findings = rules::check(&root);
    let (fatal, warnings): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| f.flag == Flag::Fatal);
    if !fatal.is_empty() {
        return Err(PeppolRefusal::Refused(
            fatal
                .into_iter()
                .map(|f| DocumentProblem { rule: Some(f.rule), location: f.location, detail: f.text.into_owned() })
                .collect(),
        ));
    }
    map(&root, today, warnings).map_err(PeppolRefusal::Refused)
}

fn map(root: &xml::Element, today: Date, warnings: Vec<Finding>) -> Result<PeppolOrder, Vec<DocumentProblem>> {
    let mut problems = Vec::new();
    let mut problem = |location: &str, detail: String| {
        problems.push(DocumentProblem { rule: None, location: location.to_owned(), detail });
    };
    // The rules guarantee these elements; their content is still ours to check.
    let document_id = root.text_at("cbc:ID").unwrap_or_default().to_owned();
    if document_id.chars().count() > 64 {
        problem("/Order[1]/cbc:ID[1]", "an order id of at most 64 characters is taken".into());
    }
    let currency_code = root.text_at("cbc:DocumentCurrencyCode").unwrap_or_default();
    let currency = Currency::parse(currency_code)
        .map_err(|_| problem("/Order[1]/cbc:DocumentCurrencyCode[1]", format!("{currency_code} is not taken")))
        .ok();
    let party = root.at("cac:BuyerCustomerParty/cac:Party");
    let buyer_endpoint = party.and_then(|p| p.child("cbc:EndpointID")).and_then(|e| {
        PeppolId::parse(e.attribute("schemeID").unwrap_or_default(), e.trimmed())
            .map_err(|detail| problem("/Order[1]/cac:BuyerCustomerParty[1]/cac:Party[1]/cbc:EndpointID[1]", detail))
            .ok()
    });
    if party.and_then(|p| p.child("cbc:EndpointID")).is_none() {
        problem(
            "/Order[1]/cac:BuyerCustomerParty[1]/cac:Party[1]",
            "the buyer's Peppol endpoint (cbc:EndpointID) names the customer and is required here".into(),
        );
    }
    let buyer_party_ids = party
        .map(|p| {
            p.children_named("cac:PartyIdentification")
                .filter_map(|i| i.child("cbc:ID"))
                .filter_map(|id| PeppolId::parse(id.attribute("schemeID")?, id.trimmed()).ok())
                .collect()
        })
        .unwrap_or_default();
    let buyer = party
        .map(|p| {
            let name =
                p.text_at("cac:PartyLegalEntity/cbc:RegistrationName").map(str::to_owned).or_else(|| party_name(p));
            BuyerParty {
                address: p.child("cac:PostalAddress").and_then(|a| address(a, name.clone())),
                name,
                email: p.text_at("cac:Contact/cbc:ElectronicMail").map(str::to_owned),
                vat_id: p.text_at("cac:PartyTaxScheme/cbc:CompanyID").map(str::to_owned),
            }
        })
        .unwrap_or_default();
    let delivery_address = root
        .at("cac:Delivery/cac:DeliveryLocation/cac:Address")
        .and_then(|a| address(a, delivery_name(root)))
        .or_else(|| party.and_then(|p| address(p.child("cac:PostalAddress")?, party_name(p))));
    let requested_delivery_date =
        upcoming(root.text_at("cac:Delivery/cac:RequestedDeliveryPeriod/cbc:StartDate"), today);
    let order_lines: Vec<_> = root.children_named("cac:OrderLine").collect();
    if order_lines.len() > MAX_LINES {
        problem("/Order[1]", format!("an order holds at most {MAX_LINES} lines, this one has {}", order_lines.len()));
    }
    let mut lines = Vec::new();
    let mut notes: Vec<String> = root.children_named("cbc:Note").map(|n| n.trimmed().to_owned()).collect();
    for (index, order_line) in order_lines.iter().enumerate() {
        let at = format!("/Order[1]/cac:OrderLine[{}]/cac:LineItem[1]", index + 1);
        let Some(item) = order_line.child("cac:LineItem") else { continue };
        // Any id the rules allow (unique in the document); kept with the line when it is not its position, and
        // what the Order Response, Despatch Advice and invoice reference the line by.
        let line_id = item.text_at("cbc:ID").unwrap_or_default();
        if line_id.chars().count() > MAX_LINE_ID || line_id.chars().any(char::is_control) {
            problem(
                &format!("{at}/cbc:ID[1]"),
                format!("a line id of at most {MAX_LINE_ID} characters without control characters is taken"),
            );
        }
        for note in order_line.children_named("cbc:Note") {
            notes.push(format!("Line {line_id}: {}", note.trimmed()));
        }
        let gtin = item
            .at("cac:Item/cac:StandardItemIdentification/cbc:ID")
            .filter(|id| id.attribute("schemeID") == Some("0160"))
            .map(xml::Element::trimmed);
        let sku = match (item.text_at("cac:Item/cac:SellersItemIdentification/cbc:ID"), gtin) {
            (Some(id), _) => {
                Sku::parse(id).map(ItemRef::Sku).map_err(|e| problem(&format!("{at}/cac:Item[1]"), e.0)).ok()
            }
            (None, Some(gtin)) => {
                Gtin::parse(gtin).map(ItemRef::Gtin).map_err(|e| problem(&format!("{at}/cac:Item[1]"), e)).ok()
            }
            (None, None) => {
                problem(
                    &format!("{at}/cac:Item[1]"),
                    "the seller's item identifier (cac:SellersItemIdentification, our SKU) or a GTIN (a standard item \
                     id of scheme 0160) is required"
                        .into(),
                );
                None
            }
        };
        let quantity_element = item.child("cbc:Quantity");
        let quantity = quantity_element.and_then(|q| rules::decimal(&q.text)).filter(|q| *q > Decimal::ZERO);
        if quantity.is_none() {
            problem(&format!("{at}/cbc:Quantity[1]"), "the quantity must be a number greater than 0".into());
        }
        let unit_code = quantity_element.and_then(|q| q.attribute("unitCode")).unwrap_or_default().to_owned();
        let buyer_price = item.text_at("cac:Price/cbc:PriceAmount").and_then(rules::decimal).map(|price| {
            let base = item.text_at("cac:Price/cbc:BaseQuantity").and_then(rules::decimal).unwrap_or(Decimal::ONE);
            if base > Decimal::ZERO {
                price / base
            } else {
                price
            }
        });
        let requested = upcoming(item.text_at("cac:Delivery/cac:RequestedDeliveryPeriod/cbc:StartDate"), today);
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            lines.push(PeppolLine {
                line_id: line_id.to_owned(),
                item: sku,
                quantity,
                unit_code,
                buyer_price,
                requested_delivery_date: requested,
            });
        }
    }
    let notes = Some(notes.join("\n")).filter(|n| !n.is_empty()).map(|n| n.chars().take(2000).collect());
    match (problems.is_empty(), currency, buyer_endpoint) {
        (true, Some(currency), Some(buyer_endpoint)) => Ok(PeppolOrder {
            document_id,
            buyer_endpoint,
            buyer_party_ids,
            buyer,
            currency,
            delivery_address,
            requested_delivery_date,
            lines,
            notes,
            warnings,
        }),
        _ => Err(problems),
    }
}

fn upcoming(text: Option<&str>, today: Date) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.and_then(|t| Date::parse(t, format).ok()).filter(|d| *d >= today)
}

fn party_name(party: &xml::Element) -> Option<String> {
    party
        .text_at("cac:PartyName/cbc:Name")
        .or_else(|| party.text_at("cac:PartyLegalEntity/cbc:RegistrationName"))
        .map(str::to_owned)
}

fn delivery_name(root: &xml::Element) -> Option<String> {
    root.text_at("cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name")
        .or_else(|| root.text_at("cac:Delivery/cac:DeliveryLocation/cbc:Name"))
        .map(str::to_owned)
        .or_else(|| party_name(root.at("cac:BuyerCustomerParty/cac:Party")?))
}

/// A UBL address with everything our addresses need, else `None`.
fn address(a: &xml::Element, name: Option<String>) -> Option<Address> {
    let country = a.text_at("cac:Country/cbc:IdentificationCode")?;
    if !crate::country::is_country_code(country) {
        return None;
    }
    Some(Address {
        name: name?,
        street: a.text_at("cbc:StreetName")?.to_owned(),
        additional_street: a.text_at("cbc:AdditionalStreetName").map(str::to_owned),
        city: a.text_at("cbc:CityName")?.to_owned(),
        postal_code: a.text_at("cbc:PostalZone")?.to_owned(),
        country: country.to_owned(),
    })
}

#[cfg(test)]
mod tests;
