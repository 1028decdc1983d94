use super::*;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
<cbc:ID>PO-77</cbc:ID><cbc:IssueDate>2026-12-01</cbc:IssueDate><cbc:Note>Call before delivery</cbc:Note>
<cbc:DocumentCurrencyCode>SEK</cbc:DocumentCurrencyCode>
<cac:ValidityPeriod><cbc:EndDate>2026-12-31</cbc:EndDate></cac:ValidityPeriod>
<cac:BuyerCustomerParty><cac:Party><cbc:EndpointID schemeID="0007">5567321707</cbc:EndpointID>
<cac:PartyIdentification><cbc:ID schemeID="0088">7300010000001</cbc:ID></cac:PartyIdentification>
<cac:PartyName><cbc:Name>Byggbolaget AB</cbc:Name></cac:PartyName>
<cac:PostalAddress><cbc:StreetName>Kungsgatan 1</cbc:StreetName><cbc:CityName>Stockholm</cbc:CityName><cbc:PostalZone>11143</cbc:PostalZone><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
<cac:PartyLegalEntity><cbc:RegistrationName>Byggbolaget AB</cbc:RegistrationName></cac:PartyLegalEntity>
</cac:Party></cac:BuyerCustomerParty>
<cac:SellerSupplierParty><cac:Party><cbc:EndpointID schemeID="0007">5560360793</cbc:EndpointID>
<cac:PostalAddress><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
<cac:PartyLegalEntity><cbc:RegistrationName>Verktyg AB</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:SellerSupplierParty>
"#;

/// A line of `quantity` at 250.50 SEK per two, its amount to the cent (PEPPOL-T01-R024 allows 0.02).
fn line(id: &str, sku: &str, quantity: &str) -> String {
    let amount = quantity.parse::<Decimal>().map(|q| (q * Decimal::new(12525, 2)).round_dp(2)).unwrap_or_default();
    format!(
        r#"<cac:OrderLine><cbc:Note>Blue ones</cbc:Note><cac:LineItem><cbc:ID>{id}</cbc:ID><cbc:Quantity unitCode="EA">{quantity}</cbc:Quantity><cbc:LineExtensionAmount currencyID="SEK">{amount}</cbc:LineExtensionAmount><cac:Price><cbc:PriceAmount currencyID="SEK">250.5</cbc:PriceAmount><cbc:BaseQuantity unitCode="EA">2</cbc:BaseQuantity></cac:Price><cac:Item><cbc:Name>Thing</cbc:Name><cac:SellersItemIdentification><cbc:ID>{sku}</cbc:ID></cac:SellersItemIdentification></cac:Item></cac:LineItem></cac:OrderLine>"#
    )
}

fn document(lines: &[String]) -> String {
    format!("{HEAD}{}</Order>", lines.concat())
}

fn today() -> Date {
    time::macros::date!(2026 - 12 - 05)
}

fn rules_of(refusal: PeppolRefusal) -> Vec<&'static str> {
    match refusal {
        PeppolRefusal::Refused(problems) => problems.iter().filter_map(|p| p.rule).collect(),
        PeppolRefusal::NotXml(detail) => panic!("not XML: {detail}"),
    }
}

#[test]
fn a_t01_maps_onto_an_order_draft() {
    let order =
        parse_order(&document(&[line("1", "BOLT-8", "12"), line("2", "NUT-8", "3.5")]), today()).expect("accepted");
    assert_eq!(order.document_id, "PO-77");
    assert_eq!(order.buyer_endpoint, PeppolId { scheme: "0007".into(), id: "5567321707".into() });
    assert_eq!(order.buyer_party_ids, vec![PeppolId { scheme: "0088".into(), id: "7300010000001".into() }]);
    assert_eq!(order.channel(), "peppol:0007:5567321707");
    assert_eq!(order.currency.code(), "SEK");
    let address = order.delivery_address.clone().expect("the buyer's postal address");
    assert_eq!((address.name.as_str(), address.city.as_str()), ("Byggbolaget AB", "Stockholm"));
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.lines[1].quantity, Decimal::new(35, 1));
    assert_eq!(order.lines[0].unit_code, "EA");
    assert_eq!(order.lines[0].buyer_price, Some(Decimal::new(12525, 2)), "price per one unit of the base quantity");
    assert_eq!(order.notes.as_deref(), Some("Call before delivery\nLine 1: Blue ones\nLine 2: Blue ones"));
    assert!(order.warnings.is_empty(), "{:?}", order.warnings);
    let skus = order
        .lines
        .iter()
        .map(|l| match &l.item {
            ItemRef::Sku(sku) => sku.clone(),
            ItemRef::Gtin(_) => panic!("named by SKU"),
        })
        .collect();
    let draft = order.draft(BuyerDraft::Existing(CustomerId::parse("cus_byggbolaget").expect("id")), address, skus);
    assert_eq!(draft.order_number, "PO-77");
    assert_eq!(draft.lines[0].item, LineItem::Product(Sku::parse("BOLT-8").expect("sku")));
    assert_eq!(draft.lines[0].request.unit_price, None, "our prices win");
}

#[test]
fn broken_rules_are_named() {
    let without_lines = document(&[]);
    assert!(rules_of(parse_order(&without_lines, today()).expect_err("refused")).contains(&"PEPPOL-T01-B00108"));
    let without_quantity =
        document(&[line("1", "BOLT-8", "12").replace(r#"<cbc:Quantity unitCode="EA">12</cbc:Quantity>"#, "")]);
    let Err(PeppolRefusal::Refused(problems)) = parse_order(&without_quantity, today()) else { panic!("refused") };
    assert_eq!(problems[0].detail, "Element 'cbc:Quantity' MUST be provided.", "the schematron's own words");
    // Without a quantity the line amount is for one (R024), and `number(())` is no number (R004).
    assert_eq!(
        rules_of(parse_order(&without_quantity, today()).expect_err("refused")),
        vec!["PEPPOL-T01-B23902", "PEPPOL-T01-R024", "PEPPOL-T01-R004"]
    );
    let wrong_profile = document(&[line("1", "BOLT-8", "1")]).replace("bis:ordering:3", "bis:shopping:3");
    assert_eq!(rules_of(parse_order(&wrong_profile, today()).expect_err("refused")), vec!["PEPPOL-T01-R031"]);
    let foreign =
        document(&[line("1", "BOLT-8", "1")]).replace("<cbc:Note>Call", "<cbc:Colour>red</cbc:Colour><cbc:Note>Call");
    assert_eq!(rules_of(parse_order(&foreign, today()).expect_err("refused")), vec!["PEPPOL-T01-B00110"]);
    let bad_unit = document(&[line("1", "BOLT-8", "1").replace("unitCode=\"EA\">1<", "unitCode=\"EACH\">1<")]);
    assert_eq!(rules_of(parse_order(&bad_unit, today()).expect_err("refused")), vec!["PEPPOL-T01-B24102"]);
    let other_currency = document(&[line("1", "BOLT-8", "1").replace("currencyID=\"SEK\"", "currencyID=\"EUR\"")]);
    assert_eq!(
        rules_of(parse_order(&other_currency, today()).expect_err("refused")),
        vec!["PEPPOL-T01-R003", "PEPPOL-T01-R003"],
        "the line amount's currency and the price's"
    );
    let bad_date = document(&[line("1", "BOLT-8", "1")]).replace("2026-12-01", "2026-12-1");
    assert!(rules_of(parse_order(&bad_date, today()).expect_err("refused")).contains(&"PEPPOL-COMMON-R030"));
    let totals = |line_extension: &str| {
        format!(
            r#"<cac:AnticipatedMonetaryTotal><cbc:LineExtensionAmount currencyID="SEK">{line_extension}</cbc:LineExtensionAmount><cbc:PayableAmount currencyID="SEK">10</cbc:PayableAmount></cac:AnticipatedMonetaryTotal>"#
        )
    };
    let priced_line = line("1", "BOLT-8", "1")
        .replace(">125.25</cbc:LineExtensionAmount>", ">10.004</cbc:LineExtensionAmount>")
        .replace(
            ">250.5</cbc:PriceAmount><cbc:BaseQuantity unitCode=\"EA\">2<",
            ">10.004</cbc:PriceAmount><cbc:BaseQuantity unitCode=\"EA\">1<",
        );
    let (right, wrong) = (totals("10.00"), totals("10.01"));
    // The sum of line amounts is rounded to cents (10.004 → 10.00) before it is compared; 3 decimals break R028.
    let sums = |totals: &str| document(&[totals.to_owned(), priced_line.clone()]);
    assert_eq!(rules_of(parse_order(&sums(&right), today()).expect_err("refused")), vec!["PEPPOL-T01-R028"]);
    assert_eq!(
        rules_of(parse_order(&sums(&wrong), today()).expect_err("refused")),
        vec!["PEPPOL-T01-R008", "PEPPOL-T01-R028"]
    );
    let empty = document(&[line("1", "BOLT-8", "1")]).replace("Call before delivery", " ");
    assert_eq!(rules_of(parse_order(&empty, today()).expect_err("refused")), vec!["PEPPOL-COMMON-R001"]);
}

#[test]
fn what_the_mapping_cannot_take_is_refused_with_its_place() {
    let long_id = "L".repeat(37);
    let Err(PeppolRefusal::Refused(problems)) =
        parse_order(&document(&[line("1", "BOLT-8", "0"), line(&long_id, "NUT-8", "1")]), today())
    else {
        panic!("refused");
    };
    let places: Vec<_> = problems.iter().map(|p| (p.rule, p.location.as_str())).collect();
    assert_eq!(
        places,
        vec![
            (None, "/Order[1]/cac:OrderLine[1]/cac:LineItem[1]/cbc:Quantity[1]"),
            (None, "/Order[1]/cac:OrderLine[2]/cac:LineItem[1]/cbc:ID[1]"),
        ]
    );
    // An ERP's line numbers (10, 20, …) are the buyer's line ids, kept with each line.
    let erp = parse_order(&document(&[line("10", "BOLT-8", "1"), line("20", "NUT-8", "2")]), today()).expect("taken");
    assert_eq!(erp.lines.iter().map(|l| l.line_id.as_str()).collect::<Vec<_>>(), ["10", "20"]);
    let no_sku = document(&[line("1", "BOLT-8", "1")
        .replace("<cac:SellersItemIdentification><cbc:ID>BOLT-8</cbc:ID></cac:SellersItemIdentification>", "")]);
    let Err(PeppolRefusal::Refused(problems)) = parse_order(&no_sku, today()) else { panic!("refused") };
    assert!(problems[0].detail.contains("SellersItemIdentification"), "{problems:?}");
    let by_gtin = |gtin: &str| {
        document(&[line("1", "BOLT-8", "1").replace(
            "<cac:SellersItemIdentification><cbc:ID>BOLT-8</cbc:ID></cac:SellersItemIdentification>",
            &format!(r#"<cac:StandardItemIdentification><cbc:ID schemeID="0160">{gtin}</cbc:ID></cac:StandardItemIdentification>"#),
        )])
    };
    let order = parse_order(&by_gtin("05704066204093"), today()).expect("a GTIN names the item");
    assert_eq!(order.lines[0].item, ItemRef::Gtin(Gtin::parse("05704066204093").expect("gtin")));
    let Err(PeppolRefusal::Refused(problems)) = parse_order(&by_gtin("05704066204094"), today()) else {
        panic!("refused")
    };
    assert!(problems[0].detail.contains("check digit"), "{problems:?}");
}

#[test]
fn gtins_have_their_lengths_and_check_digit() {
    for good in ["05704066204093", "7560000012340", "96385074", "036000291452"] {
        assert!(Gtin::parse(good).is_ok(), "{good}");
    }
    for bad in ["7560000012345", "1234567", "75600000123a5", ""] {
        assert!(Gtin::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn documents_that_are_not_t01_orders_are_refused() {
    assert!(matches!(parse_order("{\"order\": 1}", today()), Err(PeppolRefusal::NotXml(_))));
    let invoice = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"#;
    let Err(PeppolRefusal::Refused(problems)) = parse_order(invoice, today()) else { panic!("refused") };
    assert!(problems[0].detail.contains("not a UBL 2.1 Order"), "{problems:?}");
    let wrong = document(&[line("1", "BOLT-8", "1")]).replace("trns:order:3", "trns:invoice:3");
    assert_eq!(rules_of(parse_order(&wrong, today()).expect_err("refused")), vec!["PEPPOL-T01-R034"]);
}

#[test]
fn past_requested_dates_are_dropped_and_coming_ones_kept() {
    let with_period = |start: &str| {
        document(&[line("1", "BOLT-8", "1")]).replace(
            "</cac:SellerSupplierParty>",
            &format!("</cac:SellerSupplierParty><cac:Delivery><cac:RequestedDeliveryPeriod><cbc:StartDate>{start}</cbc:StartDate></cac:RequestedDeliveryPeriod></cac:Delivery>"),
        )
    };
    assert_eq!(parse_order(&with_period("2012-10-10"), today()).expect("ok").requested_delivery_date, None);
    assert_eq!(
        parse_order(&with_period("2026-12-20"), today()).expect("ok").requested_delivery_date,
        Some(time::macros::date!(2026 - 12 - 20))
    );
}

#[test]
fn an_unknown_buyer_is_registered_from_the_document_only_with_a_name_and_a_contact_email() {
    let without_email = parse_order(&document(&[line("1", "BOLT-8", "1")]), today()).expect("taken");
    let problem = without_email.buyer_to_register().expect_err("no contact email");
    assert!(problem.location.ends_with("cac:Contact[1]/cbc:ElectronicMail[1]"), "{}", problem.location);

    let with_contact = document(&[line("1", "BOLT-8", "1")]).replace(
        "</cac:PartyLegalEntity>\n</cac:Party></cac:BuyerCustomerParty>",
        "</cac:PartyLegalEntity><cac:Contact><cbc:ElectronicMail>inkop@byggbolaget.se</cbc:ElectronicMail></cac:Contact>\n</cac:Party></cac:BuyerCustomerParty>",
    );
    let order = parse_order(&with_contact, today()).expect("taken");
    let buyer = order.buyer_to_register().expect("registrable");
    assert_eq!(buyer.name, "Byggbolaget AB");
    assert_eq!(buyer.email.as_str(), "inkop@byggbolaget.se");
    assert_eq!(buyer.address.as_ref().map(|a| a.city.as_str()), Some("Stockholm"));
    assert_eq!(buyer.customer_id, CustomerId::for_peppol_buyer(&order.buyer_endpoint), "one customer per endpoint");
    assert_ne!(buyer.customer_id, CustomerId::for_inline_buyer(&buyer.email), "not merged with a webshop buyer");

    let bad_email = with_contact.replace("inkop@byggbolaget.se", "inkop at byggbolaget");
    let problem = parse_order(&bad_email, today()).expect("taken").buyer_to_register().expect_err("refused");
    assert!(problem.detail.contains("cannot be taken"), "{}", problem.detail);
}
