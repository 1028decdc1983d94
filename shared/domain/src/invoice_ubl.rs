//! Peppol BIS Billing 3 UBL of a billing document: `Invoice` (380, debit note 383) and `CreditNote` (381), with
//! the order, despatch and corrected-invoice references, both parties with their VAT ids, delivery, payment means
//! and terms, document-level allowances and charges, the VAT breakdown and the EN 16931 totals. Every value is
//! XML-escaped. A document can only be Peppol when both parties have a Peppol address ([`peppol_invoice`]).

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::adjustment::AdjustmentKind;
use crate::document_kind::DocumentKind;
use crate::invoice::{exemption_reason, Invoice};
use crate::money::Currency;
use crate::party::{Address, PeppolId};
use crate::tax::VatCategory;
use crate::ubl::escape;

const INVOICE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CUSTOMIZATION: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

/// The UBL of `invoice`, or `None` when the seller or the buyer has no Peppol address (Peppol BIS requires both
/// electronic addresses, PEPPOL-EN16931-R010/R020; such buyers get the PDF only).
pub fn peppol_invoice(invoice: &Invoice) -> Option<String> {
    let seller = invoice.seller.peppol_id.as_ref()?;
    let buyer = invoice.buyer.peppol_id.as_ref()?;
    Some(render(invoice, seller, buyer))
}

/// Whether `invoice` has a UBL ([`peppol_invoice`] is `Some`): both parties have a Peppol address.
pub fn is_peppol(invoice: &Invoice) -> bool {
    invoice.seller.peppol_id.is_some() && invoice.buyer.peppol_id.is_some()
}

fn amount(value: Decimal, currency: Currency) -> String {
    let mut rounded = currency.round(value);
    rounded.rescale(currency.minor_units());
    rounded.to_string()
}

/// The note of a collective invoice (BT-22): the despatches it bills, by order.
fn collected_despatches(invoice: &Invoice) -> Option<String> {
    if invoice.orders.is_empty() {
        return None;
    }
    let orders: Vec<String> = invoice
        .orders
        .iter()
        .map(|o| format!("{} (order {})", o.despatch_numbers.join(", "), o.order_number))
        .collect();
    Some(format!("Despatches {}", orders.join("; ")))
}

fn date(value: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", value.year(), u8::from(value.month()), value.day())
}

fn category_code(category: VatCategory) -> &'static str {
    match category {
        VatCategory::S => "S",
        VatCategory::Z => "Z",
        VatCategory::E => "E",
        VatCategory::AE => "AE",
        VatCategory::K => "K",
        VatCategory::G => "G",
        VatCategory::O => "O",
    }
}

/// `<cac:{element}>` with category, rate (none for O, BR-O-05) and, in the breakdown, the exemption reason.
fn tax_category(xml: &mut String, element: &str, category: VatCategory, rate: Decimal, with_reason: bool) {
    let _ = write!(xml, "<cac:{element}><cbc:ID>{}</cbc:ID>", category_code(category));
    if category != VatCategory::O {
        let _ = write!(xml, "<cbc:Percent>{}</cbc:Percent>", rate.normalize());
    }
    if with_reason {
        if let Some((code, text)) = exemption_reason(category) {
            if !code.is_empty() {
                let _ = write!(xml, "<cbc:TaxExemptionReasonCode>{code}</cbc:TaxExemptionReasonCode>");
            }
            let _ = write!(xml, "<cbc:TaxExemptionReason>{}</cbc:TaxExemptionReason>", escape(text));
        }
    }
    let _ = write!(xml, "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{element}>");
}

fn postal_address(xml: &mut String, element: &str, address: &Address) {
    let _ = write!(xml, "<cac:{element}><cbc:StreetName>{}</cbc:StreetName>", escape(&address.street));
    if let Some(more) = address.additional_street.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = write!(xml, "<cbc:AdditionalStreetName>{}</cbc:AdditionalStreetName>", escape(more));
    }
    let _ = write!(
        xml,
        "<cbc:CityName>{}</cbc:CityName><cbc:PostalZone>{}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>{}</cbc:IdentificationCode></cac:Country></cac:{element}>",
        escape(&address.city),
        escape(&address.postal_code),
        escape(&address.country)
    );
}

struct PartyData<'a> {
    endpoint: &'a PeppolId,
    name: &'a str,
    address: &'a Address,
    vat_id: Option<&'a str>,
    legal_id: Option<&'a str>,
    email: &'a str,
}

fn party(xml: &mut String, element: &str, party: &PartyData<'_>) {
    let _ = write!(
        xml,
        "<cac:{element}><cac:Party><cbc:EndpointID schemeID=\"{}\">{}</cbc:EndpointID><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName>",
        escape(&party.endpoint.scheme),
        escape(&party.endpoint.id),
        escape(party.name)
    );
    postal_address(xml, "PostalAddress", party.address);
    if let Some(vat_id) = party.vat_id {
        let _ = write!(
            xml,
            "<cac:PartyTaxScheme><cbc:CompanyID>{}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>",
            escape(vat_id)
        );
    }
    let _ = write!(xml, "<cac:PartyLegalEntity><cbc:RegistrationName>{}</cbc:RegistrationName>", escape(party.name));
    if let Some(legal_id) = party.legal_id {
        let _ = write!(xml, "<cbc:CompanyID>{}</cbc:CompanyID>", escape(legal_id));
    }
    let _ = write!(
        xml,
        "</cac:PartyLegalEntity><cac:Contact><cbc:ElectronicMail>{}</cbc:ElectronicMail></cac:Contact></cac:Party></cac:{element}>",
        escape(party.email)
    );
}

fn render(invoice: &Invoice, seller_id: &PeppolId, buyer_id: &PeppolId) -> String {
    let credit = invoice.kind == DocumentKind::CreditNote;
    let (root, ns, line_element, quantity_element) = if credit {
        ("CreditNote", CREDIT_NOTE_NS, "CreditNoteLine", "CreditedQuantity")
    } else {
        ("Invoice", INVOICE_NS, "InvoiceLine", "InvoicedQuantity")
    };
    let currency = invoice.currency;
    let code = currency.code();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{ns}\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">"
    );
    let _ = write!(
        xml,
        "<cbc:CustomizationID>{CUSTOMIZATION}</cbc:CustomizationID><cbc:ProfileID>{PROFILE}</cbc:ProfileID><cbc:ID>{}</cbc:ID><cbc:IssueDate>{}</cbc:IssueDate>",
        escape(&invoice.number),
        date(invoice.issue_date)
    );
    if credit {
        let _ = write!(xml, "<cbc:CreditNoteTypeCode>{}</cbc:CreditNoteTypeCode>", invoice.kind.type_code());
    } else {
        if let Some(due) = invoice.due_date {
            let _ = write!(xml, "<cbc:DueDate>{}</cbc:DueDate>", date(due));
        }
        let _ = write!(xml, "<cbc:InvoiceTypeCode>{}</cbc:InvoiceTypeCode>", invoice.kind.type_code());
    }
    // One note at most (PEPPOL-EN16931-R002): a correction's reason, or which despatches a collective invoice bills.
    let note = invoice.reason.clone().filter(|r| !r.trim().is_empty()).or_else(|| collected_despatches(invoice));
    if let Some(note) = note {
        let _ = write!(xml, "<cbc:Note>{}</cbc:Note>", escape(&note));
    }
    let _ = write!(
        xml,
        "<cbc:DocumentCurrencyCode>{code}</cbc:DocumentCurrencyCode><cbc:BuyerReference>{}</cbc:BuyerReference>",
        escape(&invoice.order_number)
    );
    // EN 16931 has one order reference (BT-13): an invoice of several orders names each on its lines instead.
    if !invoice.bills_several_orders() {
        let _ =
            write!(xml, "<cac:OrderReference><cbc:ID>{}</cbc:ID></cac:OrderReference>", escape(&invoice.order_number));
    }
    if let Some(reference) = &invoice.billing_reference {
        let _ = write!(
            xml,
            "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID><cbc:IssueDate>{}</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>",
            escape(&reference.number),
            date(reference.issue_date)
        );
    }
    if let Some(despatch) = &invoice.despatch_number {
        let _ = write!(
            xml,
            "<cac:DespatchDocumentReference><cbc:ID>{}</cbc:ID></cac:DespatchDocumentReference>",
            escape(despatch)
        );
    }
    // Outside the scope of VAT (O), no VAT identifiers may appear (BR-O-02).
    let not_subject = invoice.vat_breakdown.iter().any(|b| b.category == VatCategory::O);
    party(
        &mut xml,
        "AccountingSupplierParty",
        &PartyData {
            endpoint: seller_id,
            name: &invoice.seller.name,
            address: &invoice.seller.address,
            vat_id: (!not_subject).then_some(invoice.seller.vat_id.as_str()),
            legal_id: invoice.seller.legal_registration_id.as_deref(),
            email: &invoice.seller.email,
        },
    );
    let buyer_address = invoice.buyer.address.as_ref().unwrap_or(&invoice.delivery_address);
    party(
        &mut xml,
        "AccountingCustomerParty",
        &PartyData {
            endpoint: buyer_id,
            name: &invoice.buyer.name,
            address: buyer_address,
            vat_id: invoice.buyer.vat_id.as_deref().filter(|_| !not_subject),
            legal_id: None,
            email: invoice.buyer.email.as_str(),
        },
    );
    xml.push_str("<cac:Delivery>");
    if let Some(delivered) = invoice.delivery_date {
        let _ = write!(xml, "<cbc:ActualDeliveryDate>{}</cbc:ActualDeliveryDate>", date(delivered));
    }
    xml.push_str("<cac:DeliveryLocation>");
    postal_address(&mut xml, "Address", &invoice.delivery_address);
    let _ = write!(
        xml,
        "</cac:DeliveryLocation><cac:DeliveryParty><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName></cac:DeliveryParty></cac:Delivery>",
        escape(&invoice.delivery_address.name)
    );
    if !credit {
        let _ = write!(
            xml,
            "<cac:PaymentMeans><cbc:PaymentMeansCode name=\"Credit transfer\">30</cbc:PaymentMeansCode><cbc:PaymentID>{}</cbc:PaymentID><cac:PayeeFinancialAccount><cbc:ID>{}</cbc:ID><cbc:Name>{}</cbc:Name>",
            escape(&invoice.payment.reference),
            escape(&invoice.payment.iban),
            escape(&invoice.seller.name)
        );
        if let Some(bic) = &invoice.payment.bic {
            let _ = write!(
                xml,
                "<cac:FinancialInstitutionBranch><cbc:ID>{}</cbc:ID></cac:FinancialInstitutionBranch>",
                escape(bic)
            );
        }
        xml.push_str("</cac:PayeeFinancialAccount></cac:PaymentMeans>");
    }
    let terms = if credit {
        "Credited to the buyer: deducted from the next payment or refunded".to_owned()
    } else {
        format!("Net {} days", invoice.payment.terms_days)
    };
    let _ = write!(xml, "<cac:PaymentTerms><cbc:Note>{terms}</cbc:Note></cac:PaymentTerms>");
    for adjustment in &invoice.adjustments {
        let (indicator, reason_code) = match adjustment.kind {
            AdjustmentKind::Charge => ("true", "FC"),
            AdjustmentKind::Allowance => ("false", "95"),
        };
        let _ = write!(
            xml,
            "<cac:AllowanceCharge><cbc:ChargeIndicator>{indicator}</cbc:ChargeIndicator><cbc:AllowanceChargeReasonCode>{reason_code}</cbc:AllowanceChargeReasonCode><cbc:AllowanceChargeReason>{}</cbc:AllowanceChargeReason><cbc:Amount currencyID=\"{code}\">{}</cbc:Amount>",
            escape(&adjustment.reason),
            amount(adjustment.amount, currency)
        );
        tax_category(&mut xml, "TaxCategory", adjustment.vat_category, adjustment.vat_rate, false);
        xml.push_str("</cac:AllowanceCharge>");
    }
    let totals = &invoice.totals;
    let _ = write!(
        xml,
        "<cac:TaxTotal><cbc:TaxAmount currencyID=\"{code}\">{}</cbc:TaxAmount>",
        amount(totals.vat, currency)
    );
    for entry in &invoice.vat_breakdown {
        let _ = write!(
            xml,
            "<cac:TaxSubtotal><cbc:TaxableAmount currencyID=\"{code}\">{}</cbc:TaxableAmount><cbc:TaxAmount currencyID=\"{code}\">{}</cbc:TaxAmount>",
            amount(entry.taxable, currency),
            amount(entry.vat, currency)
        );
        tax_category(&mut xml, "TaxCategory", entry.category, entry.rate, true);
        xml.push_str("</cac:TaxSubtotal>");
    }
    let _ = write!(
        xml,
        "</cac:TaxTotal><cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID=\"{code}\">{}</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID=\"{code}\">{}</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID=\"{code}\">{}</cbc:TaxInclusiveAmount>",
        amount(totals.line_extension, currency),
        amount(totals.tax_exclusive, currency),
        amount(totals.tax_inclusive, currency)
    );
    if !invoice.adjustments.iter().all(|a| a.kind == AdjustmentKind::Charge) {
        let _ = write!(
            xml,
            "<cbc:AllowanceTotalAmount currencyID=\"{code}\">{}</cbc:AllowanceTotalAmount>",
            amount(totals.allowances, currency)
        );
    }
    if invoice.adjustments.iter().any(|a| a.kind == AdjustmentKind::Charge) {
        let _ = write!(
            xml,
            "<cbc:ChargeTotalAmount currencyID=\"{code}\">{}</cbc:ChargeTotalAmount>",
            amount(totals.charges, currency)
        );
    }
    if !totals.prepaid.is_zero() {
        let _ = write!(
            xml,
            "<cbc:PrepaidAmount currencyID=\"{code}\">{}</cbc:PrepaidAmount>",
            amount(totals.prepaid, currency)
        );
    }
    if !totals.rounding.is_zero() {
        let _ = write!(
            xml,
            "<cbc:PayableRoundingAmount currencyID=\"{code}\">{}</cbc:PayableRoundingAmount>",
            amount(totals.rounding, currency)
        );
    }
    let _ = write!(
        xml,
        "<cbc:PayableAmount currencyID=\"{code}\">{}</cbc:PayableAmount></cac:LegalMonetaryTotal>",
        amount(totals.payable, currency)
    );
    for line in &invoice.lines {
        let _ = write!(xml, "<cac:{line_element}><cbc:ID>{}</cbc:ID>", line.line_id);
        if let Some(order) = &line.order {
            // BT-127: the order a line of a collective invoice bills.
            let _ = write!(xml, "<cbc:Note>Order {}</cbc:Note>", escape(&order.order_number));
        }
        let _ = write!(
            xml,
            "<cbc:{quantity_element} unitCode=\"{}\">{}</cbc:{quantity_element}><cbc:LineExtensionAmount currencyID=\"{code}\">{}</cbc:LineExtensionAmount>",
            escape(&line.unit),
            line.quantity.normalize(),
            amount(line.line_net, currency)
        );
        if !credit {
            let _ = write!(
                xml,
                "<cac:OrderLineReference><cbc:LineID>{}</cbc:LineID></cac:OrderLineReference>",
                escape(&line.order_line_ref.clone().unwrap_or_else(|| line.order_line_no.to_string()))
            );
        }
        if !line.allowance.is_zero() {
            let _ = write!(
                xml,
                "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode><cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason><cbc:Amount currencyID=\"{code}\">{}</cbc:Amount></cac:AllowanceCharge>",
                amount(line.allowance, currency)
            );
        }
        let _ = write!(xml, "<cac:Item><cbc:Name>{}</cbc:Name>", escape(&line.description),);
        // A free-text line has no seller's item id (BT-155 is optional).
        if let Some(sku) = &line.sku {
            let _ = write!(
                xml,
                "<cac:SellersItemIdentification><cbc:ID>{}</cbc:ID></cac:SellersItemIdentification>",
                escape(sku.as_str())
            );
        }
        tax_category(&mut xml, "ClassifiedTaxCategory", line.vat_category, line.vat_rate, false);
        let _ = write!(
            xml,
            "</cac:Item><cac:Price><cbc:PriceAmount currencyID=\"{code}\">{}</cbc:PriceAmount></cac:Price></cac:{line_element}>",
            line.unit_price.normalize()
        );
    }
    let _ = writeln!(xml, "</{root}>");
    xml
}
