//! Peppol BIS documents of the order flow (docs/domain.md "Documents") as UBL 2.1 XML: the Order Response (T76) of a
//! confirmation and the Despatch Advice (T16) of a despatch. Every value is XML-escaped; the parties carry their
//! Peppol electronic addresses (EAS scheme + identifier).

use std::fmt::Write;

use crate::despatch::Despatch;
use crate::ids::Sku;
use crate::order::{Order, OrderStatus};
use crate::party::Address;
use crate::stock::LineOutcome;

/// Peppol participant ids are party values ([`crate::party`]); re-exported where they always were.
pub use crate::party::PeppolId;

/// A party of a document: its Peppol address and legal name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party<'a> {
    /// Peppol electronic address.
    pub endpoint: &'a PeppolId,
    /// Registered name.
    pub name: &'a str,
}

/// Escapes text for XML content and attribute values.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // What XML 1.0 cannot carry (control characters, the noncharacters U+FFFE and U+FFFF) is never written.
            c if (c.is_control() && !matches!(c, '\n' | '\t')) || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn party(xml: &mut String, element: &str, party: &Party<'_>, address: Option<&Address>) {
    let _ = write!(
        xml,
        "<cac:{element}><cac:Party><cbc:EndpointID schemeID=\"{}\">{}</cbc:EndpointID>",
        escape(&party.endpoint.scheme),
        escape(&party.endpoint.id)
    );
    if let Some(address) = address {
        postal_address(xml, address);
    }
    let _ = write!(
        xml,
        "<cac:PartyLegalEntity><cbc:RegistrationName>{}</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:{element}>",
        escape(party.name)
    );
}

/// `cac:PostalAddress` in the UBL sequence: street, additional street, city, postal zone, country.
fn postal_address(xml: &mut String, address: &Address) {
    let _ = write!(xml, "<cac:PostalAddress><cbc:StreetName>{}</cbc:StreetName>", escape(&address.street));
    if let Some(more) = &address.additional_street {
        let _ = write!(xml, "<cbc:AdditionalStreetName>{}</cbc:AdditionalStreetName>", escape(more));
    }
    let _ = write!(
        xml,
        "<cbc:CityName>{}</cbc:CityName><cbc:PostalZone>{}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>{}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>",
        escape(&address.city),
        escape(&address.postal_code),
        escape(&address.country)
    );
}

/// A cross-docking order's final consignee as one line of text (the Order Response has no party for it).
fn consignee_note(consignee: &Address) -> String {
    let place = format!("{} {}", consignee.postal_code, consignee.city);
    let parts = [
        Some(consignee.name.as_str()),
        Some(consignee.street.as_str()),
        consignee.additional_street.as_deref(),
        Some(place.trim()),
        Some(consignee.country.as_str()),
    ];
    let parts: Vec<&str> = parts.into_iter().flatten().filter(|part| !part.is_empty()).collect();
    format!("Final consignee: {}", parts.join(", "))
}

/// The Order Response (T76) of an answered order — also once it is delivered or invoiced: accepted (`AP`),
/// accepted with changes (`CA`, changed lines with their confirmed quantity, status code 3; rejected lines code 7)
/// or rejected (`RE`, with the reason), as document `document_id`. A cross-docking order's final consignee is named
/// in the note. `None` while it is not answered.
pub fn order_response(order: &Order, document_id: &str, seller: &Party<'_>, buyer: &Party<'_>) -> Option<String> {
    // The answer stands after delivery and invoicing too: read it from the lines once the order was answered.
    let changed =
        order.lines.iter().any(|l| matches!(l.line_status, Some(LineOutcome::Changed | LineOutcome::Rejected)));
    if order.status.awaits_answer() || order.responded_at.is_none() {
        return None;
    }
    let code = match order.status {
        OrderStatus::Rejected => "RE",
        OrderStatus::AcceptedWithChanges => "CA",
        OrderStatus::Received
        | OrderStatus::PendingResponse
        | OrderStatus::Accepted
        | OrderStatus::PartiallyDelivered
        | OrderStatus::Delivered
        | OrderStatus::PartiallyInvoiced
        | OrderStatus::Invoiced
        | OrderStatus::Cancelled
        | OrderStatus::Closed => {
            if changed {
                "CA"
            } else {
                "AP"
            }
        }
    };
    let at = order.responded_at.unwrap_or(order.received_at);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OrderResponse xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">",
    );
    let _ = write!(
        xml,
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order_response:3</cbc:CustomizationID><cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID><cbc:ID>{}</cbc:ID><cbc:IssueDate>{}</cbc:IssueDate><cbc:IssueTime>{:02}:{:02}:{:02}</cbc:IssueTime><cbc:OrderResponseCode>{code}</cbc:OrderResponseCode>",
        escape(document_id),
        iso_date(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    );
    // T76 allows one `cbc:Note` (the response clarification) and no delivery party or location at all
    // (`cac:Delivery` carries only `cac:PromisedDeliveryPeriod`, PEPPOL-T76-B03202 and -B00111): a cross-docking
    // order's final consignee is named on a line of its own in that note.
    let note: Vec<String> =
        order.response_reason.iter().cloned().chain(order.final_consignee_address().map(consignee_note)).collect();
    if !note.is_empty() {
        let _ = write!(xml, "<cbc:Note>{}</cbc:Note>", escape(&note.join("\n")));
    }
    let _ = write!(
        xml,
        "<cbc:DocumentCurrencyCode>{}</cbc:DocumentCurrencyCode><cac:OrderReference><cbc:ID>{}</cbc:ID></cac:OrderReference>",
        escape(order.currency.code()),
        escape(&order.order_number)
    );
    party(&mut xml, "SellerSupplierParty", seller, None);
    party(&mut xml, "BuyerCustomerParty", buyer, None);
    if code == "CA" {
        for line in &order.lines {
            let status = match line.line_status {
                Some(LineOutcome::Changed) => "3",
                Some(LineOutcome::Rejected) => "7",
                _ => "5",
            };
            let _ = write!(
                xml,
                "<cac:OrderLine><cac:LineItem><cbc:ID>{}</cbc:ID><cbc:LineStatusCode>{status}</cbc:LineStatusCode>",
                escape(&line.reference())
            );
            if status == "3" {
                let _ = write!(
                    xml,
                    "<cbc:Quantity unitCode=\"{}\">{}</cbc:Quantity>",
                    escape(&line.unit),
                    line.confirmed_quantity.normalize()
                );
            }
            let _ = write!(
                xml,
                "<cac:Item><cbc:Name>{}</cbc:Name>{}</cac:Item></cac:LineItem><cac:OrderLineReference><cbc:LineID>{}</cbc:LineID></cac:OrderLineReference></cac:OrderLine>",
                escape(&line.description),
                sellers_item_identification(line.sku.as_ref().map(|sku| sku.as_str())),
                escape(&line.reference())
            );
        }
    }
    xml.push_str("</OrderResponse>\n");
    Some(xml)
}

/// The Despatch Advice (T16) of one despatch: supplier, delivery party at the delivery address (a cross-docking
/// order's hub, with its final consignee as the shipment's delivery party), carrier and tracking, despatch and
/// expected dates, and the delivered quantity per order line with what remains open.
pub fn despatch_advice(order: &Order, despatch: &Despatch, seller: &Party<'_>, buyer: &Party<'_>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DespatchAdvice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">",
    );
    let _ = write!(
        xml,
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:despatch_advice:3</cbc:CustomizationID><cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:despatch_advice:3</cbc:ProfileID><cbc:ID>{}</cbc:ID><cbc:IssueDate>{}</cbc:IssueDate><cac:OrderReference><cbc:ID>{}</cbc:ID></cac:OrderReference>",
        escape(&despatch.despatch_number),
        iso_date(despatch.despatch_date),
        escape(&order.order_number)
    );
    party(&mut xml, "DespatchSupplierParty", seller, None);
    let delivery = Party { endpoint: buyer.endpoint, name: &order.delivery_address.name };
    party(&mut xml, "DeliveryCustomerParty", &delivery, Some(&order.delivery_address));
    let _ = write!(xml, "<cac:Shipment><cbc:ID>{}</cbc:ID>", escape(&despatch.despatch_number));
    if despatch.carrier.is_some() || despatch.tracking_number.is_some() {
        let _ = write!(
            xml,
            "<cac:Consignment><cbc:ID>{}</cbc:ID>",
            escape(despatch.tracking_number.as_deref().unwrap_or(&despatch.despatch_number))
        );
        if let Some(carrier) = &despatch.carrier {
            let _ = write!(
                xml,
                "<cac:CarrierParty><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName></cac:CarrierParty>",
                escape(carrier)
            );
        }
        xml.push_str("</cac:Consignment>");
    }
    xml.push_str("<cac:Delivery>");
    if let Some(expected) = despatch.expected_delivery_date {
        let _ = write!(
            xml,
            "<cac:EstimatedDeliveryPeriod><cbc:StartDate>{0}</cbc:StartDate><cbc:EndDate>{0}</cbc:EndDate></cac:EstimatedDeliveryPeriod>",
            iso_date(expected)
        );
    }
    // The hub is the consignee (`cac:DeliveryCustomerParty`); a cross-docking order's final recipient behind it is
    // the shipment's `cac:DeliveryParty` ("the party to whom the goods are delivered"; T16 requires its
    // `cac:PartyName`, PEPPOL-T16-B14601, and a country in its address, -B15201), after the estimated delivery
    // period and before the despatch in the UBL sequence.
    if let Some(consignee) = order.final_consignee_address() {
        let _ = write!(
            xml,
            "<cac:DeliveryParty><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName>",
            escape(&consignee.name)
        );
        postal_address(&mut xml, consignee);
        xml.push_str("</cac:DeliveryParty>");
    }
    let _ = write!(
        xml,
        "<cac:Despatch><cbc:ActualDespatchDate>{}</cbc:ActualDespatchDate></cac:Despatch></cac:Delivery></cac:Shipment>",
        iso_date(despatch.despatch_date)
    );
    for (index, line) in despatch.lines.iter().enumerate() {
        let ordered = order.lines.iter().find(|l| l.line_no == line.line_no);
        let _ = write!(
            xml,
            "<cac:DespatchLine><cbc:ID>{}</cbc:ID><cbc:DeliveredQuantity unitCode=\"{}\">{}</cbc:DeliveredQuantity>",
            index + 1,
            escape(&line.unit),
            line.quantity.normalize()
        );
        if let Some(open) = ordered.map(crate::order::OrderLine::open_quantity).filter(|q| !q.is_zero()) {
            let _ = write!(
                xml,
                "<cbc:OutstandingQuantity unitCode=\"{}\">{}</cbc:OutstandingQuantity><cbc:OutstandingReason>Delivered with a later despatch</cbc:OutstandingReason>",
                escape(&line.unit),
                open.normalize()
            );
        }
        let _ = write!(
            xml,
            "<cac:OrderLineReference><cbc:LineID>{}</cbc:LineID></cac:OrderLineReference><cac:Item><cbc:Name>{}</cbc:Name>{}</cac:Item></cac:DespatchLine>",
            escape(&ordered.map_or_else(|| line.line_no.to_string(), crate::order::OrderLine::reference)),
            escape(
                &ordered
                    .map(|l| l.description.clone())
                    .unwrap_or_else(|| line.sku.as_ref().map(Sku::to_string).unwrap_or_default())
            ),
            // T16 needs every item identified (PEPPOL-T16-R003): a free-text line is known by its order line.
            sellers_item_identification(Some(
                line.sku.as_ref().map_or_else(|| format!("LINE-{}", line.line_no), ToString::to_string).as_str()
            ))
        );
    }
    xml.push_str("</DespatchAdvice>\n");
    xml
}

/// The seller's item id of a line's product; nothing for a free-text line (the element is optional in UBL).
fn sellers_item_identification(id: Option<&str>) -> String {
    id.map(|id| {
        format!("<cac:SellersItemIdentification><cbc:ID>{}</cbc:ID></cac:SellersItemIdentification>", escape(id))
    })
    .unwrap_or_default()
}

fn iso_date(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads escaped text back as an XML parser would.
    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }

    proptest::proptest! {
        #[test]
        fn any_text_escapes_to_xml_that_reads_back_as_the_text_minus_what_xml_cannot_carry(text in "\\PC{0,60}|[<>&'\"\\x00-\\x1f\u{FFFE}\u{FFFF}a-z ]{0,60}") {
            let escaped = escape(&text);
            proptest::prop_assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
            proptest::prop_assert!(escaped.split('&').skip(1).all(|rest| ["amp;", "lt;", "gt;", "quot;", "apos;"].iter().any(|e| rest.starts_with(e))));
            let carried: String = text
                .chars()
                .map(|c| if (c.is_control() && !matches!(c, '\n' | '\t')) || matches!(c, '\u{FFFE}' | '\u{FFFF}') { ' ' } else { c })
                .collect();
            proptest::prop_assert_eq!(unescape(&escaped), carried);
        }
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(escape("A & B <c> \"d\" 'e'\r"), "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos; ");
    }

    /// An answered order of `order_type` with a final consignee (cross-docking: the delivery address is the hub).
    fn answered(order_type: crate::order::OrderType) -> Order {
        let mut order = crate::fixtures::order(order_type, &[("SKU-1", rust_decimal::Decimal::ONE)]);
        order.delivery_address.name = "Hub Norrköping".into();
        order.final_consignee = Some(crate::order::Consignee {
            address: Address {
                name: "Café <Ö> & Co".into(),
                street: "Storgatan 9".into(),
                additional_street: Some("Gate 4".into()),
                city: "Linköping".into(),
                postal_code: "582 23".into(),
                country: "SE".into(),
            },
        });
        order.status = OrderStatus::Accepted;
        order.responded_at = Some(time::OffsetDateTime::UNIX_EPOCH);
        order
    }

    fn documents(order: &Order) -> (String, String) {
        let id = PeppolId { scheme: "0088".into(), id: "7300010000001".into() };
        let party = Party { endpoint: &id, name: "Party AB" };
        let mut despatch = crate::fixtures::despatch(order, "D-1", &[(1, rust_decimal::Decimal::ONE)]);
        despatch.expected_delivery_date = Some(time::macros::date!(2026 - 11 - 30));
        (
            order_response(order, "R-1", &party, &party).expect("answered"),
            despatch_advice(order, &despatch, &party, &party),
        )
    }

    #[test]
    fn a_cross_docking_orders_final_consignee_is_in_its_order_response_and_despatch_advice() {
        let mut order = answered(crate::order::OrderType::CrossDocking);
        let (response, advice) = documents(&order);
        assert!(
            response.contains(
                "<cbc:Note>Final consignee: Café &lt;Ö&gt; &amp; Co, Storgatan 9, Gate 4, 582 23 Linköping, SE</cbc:Note>"
            ),
            "{response}"
        );
        assert!(
            advice.contains(
                "</cac:EstimatedDeliveryPeriod><cac:DeliveryParty><cac:PartyName><cbc:Name>Café &lt;Ö&gt; &amp; Co</cbc:Name></cac:PartyName><cac:PostalAddress><cbc:StreetName>Storgatan 9</cbc:StreetName><cbc:AdditionalStreetName>Gate 4</cbc:AdditionalStreetName><cbc:CityName>Linköping</cbc:CityName><cbc:PostalZone>582 23</cbc:PostalZone><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress></cac:DeliveryParty><cac:Despatch>"
            ),
            "{advice}"
        );
        assert!(advice.contains("<cac:DeliveryCustomerParty>") && advice.contains("Hub Norrköping"), "the hub stays");

        // With a reason the consignee follows it on a line of its own: T76 allows one note.
        order.status = OrderStatus::Rejected;
        order.response_reason = Some("Nothing is in stock".into());
        let (response, _) = documents(&order);
        assert_eq!(response.matches("<cbc:Note>").count(), 1, "{response}");
        assert!(response.contains("<cbc:Note>Nothing is in stock\nFinal consignee: Café"), "{response}");
    }

    #[test]
    fn other_orders_name_no_final_consignee() {
        for order_type in [crate::order::OrderType::Purchase, crate::order::OrderType::Express] {
            let mut order = answered(order_type);
            let (response, advice) = documents(&order);
            assert!(!response.contains("Final consignee") && !response.contains("<cbc:Note>"), "{response}");
            assert!(!advice.contains("DeliveryParty") && !advice.contains("Café"), "{advice}");
            order.order_type = crate::order::OrderType::CrossDocking;
            order.final_consignee = None;
            let (response, advice) = documents(&order);
            assert!(!response.contains("<cbc:Note>") && !advice.contains("<cac:DeliveryParty>"));
        }
    }

    #[test]
    fn what_xml_cannot_carry_is_never_written() {
        assert_eq!(escape("a\u{FFFE}b\u{FFFF}c\u{0}d\u{1F}e"), "a b c d e");
        assert_eq!(escape("äö 办公 \u{1F600}"), "äö 办公 \u{1F600}");
    }
}
