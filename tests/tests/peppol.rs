//! The Peppol documents of the order flow pass the official validation kit (../shared/peppol): Order Responses
//! (T76) for accepted, accepted-with-changes and rejected orders, and Despatch Advices (T16) for partial and final
//! despatches, plus both for a cross-docking order naming its final consignee. All documents go through one
//! `validate.py --json` call.

use orders_domain::confirmation::LineOutcome;
use orders_domain::despatch::{parse_despatch, plan_despatch};
use orders_domain::fixtures;
use orders_domain::order::{OrderStatus, OrderType};
use orders_domain::ubl::{despatch_advice, order_response, Party, PeppolId};
use rust_decimal::Decimal;
use time::OffsetDateTime;

fn accepted_order() -> orders_domain::order::Order {
    let mut order =
        fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::new(5, 0)), ("SKU-2", Decimal::new(2, 0))]);
    order.order_number = "WS-<1> & Co".into();
    // The second line is free text (staff-entered orders): no product, no seller's item id in the documents.
    order.lines[1].sku = None;
    order.lines[1].description = "Installation on site".into();
    order.status = OrderStatus::Accepted;
    order.responded_at = Some(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    for line in &mut order.lines {
        line.confirmed_quantity = line.quantity;
        line.line_status = Some(LineOutcome::Accepted);
    }
    order.reservations = order
        .lines
        .iter()
        .filter_map(|l| {
            Some(orders_domain::confirmation::Reservation {
                sku: l.sku.clone()?,
                warehouse: orders_domain::ids::WarehouseId::parse("malmo").expect("warehouse"),
                lot: None,
                quantity: l.quantity,
            })
        })
        .collect();
    order
}

#[test]
fn order_responses_and_despatch_advices_pass_the_peppol_validator() {
    let seller_id = PeppolId { scheme: "0007".into(), id: "5560360793".into() };
    let buyer_id = PeppolId { scheme: "0088".into(), id: "7300010000001".into() };
    let seller = Party { endpoint: &seller_id, name: "Demo Trading AB" };
    let buyer = Party { endpoint: &buyer_id, name: "Kontorsmöbler Syd AB" };

    let accepted = accepted_order();
    let mut changed = accepted.clone();
    changed.status = OrderStatus::AcceptedWithChanges;
    changed.response_reason = Some("Some lines could not be confirmed as ordered.".into());
    changed.lines[0].confirmed_quantity = Decimal::new(3, 0);
    changed.lines[0].line_status = Some(LineOutcome::Changed);
    changed.lines[1].confirmed_quantity = Decimal::ZERO;
    changed.lines[1].line_status = Some(LineOutcome::Rejected);
    let mut rejected = accepted.clone();
    rejected.status = OrderStatus::Rejected;
    rejected.response_reason = Some("Nothing is in stock".into());

    let mut documents: Vec<(String, String)> = Vec::new();
    for (name, order) in [("t76-accepted", &accepted), ("t76-changed", &changed), ("t76-rejected", &rejected)] {
        documents.push((
            name.into(),
            order_response(order, &format!("{name}-R1"), &seller, &buyer).expect("an answered order"),
        ));
    }
    assert!(
        order_response(&fixtures::order(OrderType::Purchase, &[("S", Decimal::ONE)]), "R", &seller, &buyer).is_none()
    );

    let partial = parse_despatch(
        r#"{"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 2}], "carrier": "PostNord",
            "tracking_number": "00370712345", "despatch_date": "2026-11-23", "expected_delivery_date": "2026-11-25"}"#,
    )
    .expect("despatch");
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let (first, after_first, _) =
        plan_despatch(&accepted, &partial, &Default::default(), "warehouse:k", now).expect("planned");
    documents.push(("t16-partial".into(), despatch_advice(&after_first, &first, &seller, &buyer)));
    let rest = parse_despatch(
        r#"{"despatch_number": "D-2", "lines": [{"line_no": 1, "quantity": 3}, {"line_no": 2, "quantity": 2}]}"#,
    )
    .expect("despatch");
    let mut shipped = after_first.clone();
    shipped.status = OrderStatus::PartiallyDelivered;
    let (last, after_last, _) =
        plan_despatch(&shipped, &rest, &Default::default(), "warehouse:k", now).expect("planned");
    let final_advice = despatch_advice(&after_last, &last, &seller, &buyer);
    assert!(!final_advice.contains("OutstandingQuantity"), "nothing is outstanding after the last despatch");
    assert!(documents[3].1.contains("<cbc:OutstandingQuantity unitCode=\"C62\">3</cbc:OutstandingQuantity>"));
    documents.push(("t16-final".into(), final_advice));
    assert!(documents[0].1.contains("WS-&lt;1&gt; &amp; Co"), "escaped");

    // A cross-docking order goes to a hub (the delivery address) for its final consignee: the T76 names the
    // consignee in its note (the only place T76 has), the T16 as the shipment's delivery party.
    let mut cross_docking = accepted.clone();
    cross_docking.order_type = OrderType::CrossDocking;
    cross_docking.delivery_address.name = "Cross-dock Hub Norrköping".into();
    cross_docking.final_consignee = Some(orders_domain::order::Consignee {
        address: orders_domain::order::Address {
            name: "Café Ödegården & Söner".into(),
            street: "Storgatan 9".into(),
            additional_street: Some("Gate <4>".into()),
            city: "Linköping".into(),
            postal_code: "582 23".into(),
            country: "SE".into(),
        },
    });
    let mut cross_docking_rejected = cross_docking.clone();
    cross_docking_rejected.status = OrderStatus::Rejected;
    cross_docking_rejected.response_reason = Some("Nothing is in stock".into());
    for (name, order) in
        [("t76-cross-docking", &cross_docking), ("t76-cross-docking-rejected", &cross_docking_rejected)]
    {
        let xml = order_response(order, &format!("{name}-R1"), &seller, &buyer).expect("an answered order");
        assert!(xml.contains("Final consignee: Café Ödegården &amp; Söner, Storgatan 9, Gate &lt;4&gt;"), "{xml}");
        assert!(xml.contains("582 23 Linköping, SE</cbc:Note>") && xml.matches("<cbc:Note>").count() == 1, "{xml}");
        documents.push((name.into(), xml));
    }
    let (cross_despatch, _, _) =
        plan_despatch(&cross_docking, &partial, &Default::default(), "warehouse:k", now).expect("planned");
    let cross_advice = despatch_advice(&cross_docking, &cross_despatch, &seller, &buyer);
    assert!(
        cross_advice.contains(
            "<cac:DeliveryParty><cac:PartyName><cbc:Name>Café Ödegården &amp; Söner</cbc:Name></cac:PartyName>"
        ) && cross_advice.contains("<cbc:CityName>Linköping</cbc:CityName>"),
        "{cross_advice}"
    );
    assert!(cross_advice.contains("Cross-dock Hub Norrköping"), "the hub stays the delivery customer party");
    documents.push(("t16-cross-docking".into(), cross_advice));
    assert!(documents[..5]
        .iter()
        .all(|(_, xml)| !xml.contains("Final consignee") && !xml.contains("<cac:DeliveryParty>")));

    let Some(results) = orders_testkit::validate_peppol(&documents) else { return };
    assert_eq!(results.len(), documents.len());
    for result in &results {
        assert_eq!(result["ok"], true, "{}", serde_json::to_string_pretty(result).unwrap_or_default());
        assert_eq!(result["warnings"], serde_json::json!([]), "{}", result["file"]);
    }
}

mod billing {
    use orders_domain::catalogue::VatCategory;
    use orders_domain::fixtures;
    use orders_domain::invoice::{
        draft_credit_note, draft_debit_note, draft_invoice, plan_despatch_invoice, plan_order_invoice, CreditLedger,
        CreditScope, DebitLine, Invoice,
    };
    use orders_domain::invoice_ubl::peppol_invoice;
    use orders_domain::money::Currency;
    use orders_domain::order::{Discount, Order, OrderStatus, OrderType};
    use orders_domain::pricing::{AdjustmentKind, DocumentAdjustment};
    use orders_domain::ubl::PeppolId;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;
    use time::macros::datetime;

    fn delivered(lines: &[(&str, Decimal, VatCategory, Decimal)]) -> Order {
        let quantities: Vec<(&str, Decimal)> = lines.iter().map(|(sku, q, _, _)| (*sku, *q)).collect();
        let mut order = fixtures::order(OrderType::Purchase, &quantities);
        order.order_number = "WS-<9> & Co".into();
        order.buyer.name = "Łukasz Żółć Spółka & Söhne".into();
        order.buyer.peppol_id = Some(PeppolId { scheme: "0088".into(), id: "7300010000001".into() });
        order.buyer.vat_id = Some("SE999999999901".into());
        for (line, (_, _, category, rate)) in order.lines.iter_mut().zip(lines) {
            line.vat_category = *category;
            line.vat_rate = *rate;
            line.confirmed_quantity = line.quantity;
            line.shipped_quantity = line.quantity;
        }
        order.status = OrderStatus::Delivered;
        order
    }

    fn invoice_of(order: &Order, seq: u64) -> (Invoice, Order) {
        let plan = plan_order_invoice(order, Some(time::macros::date!(2026 - 11 - 27))).expect("plan");
        let draft =
            draft_invoice(order, &plan, &fixtures::tenant(), "order", datetime!(2026-11-30 10:00 UTC)).expect("draft");
        (draft.numbered(seq), draft.order)
    }

    #[test]
    fn invoices_credit_notes_and_debit_notes_pass_the_peppol_validator() {
        let s25 = (VatCategory::S, dec!(25));
        let mut documents: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, invoice: &Invoice| {
            documents.push((name.into(), peppol_invoice(invoice).expect("both parties have Peppol ids")));
        };

        let standard = delivered(&[("A", dec!(3), s25.0, s25.1), ("B", dec!(1.5), s25.0, s25.1)]);
        let (standard_invoice, invoiced) = invoice_of(&standard, 1);
        push("standard", &standard_invoice);

        // A staff-entered order's free-text line is invoiced like any other, without a seller's item id.
        let mut free_text = delivered(&[("A", dec!(2), s25.0, s25.1), ("B", dec!(1), VatCategory::S, dec!(12))]);
        free_text.lines[1].sku = None;
        free_text.lines[1].description = "Installation on site".into();
        push("free-text-line", &invoice_of(&free_text, 60).0);

        let multi = delivered(&[
            ("A", dec!(2), VatCategory::S, dec!(25)),
            ("B", dec!(3), VatCategory::S, dec!(12)),
            ("C", dec!(7), VatCategory::S, dec!(6)),
            ("D", dec!(1), VatCategory::Z, dec!(0)),
        ]);
        push("multi-vat", &invoice_of(&multi, 2).0);

        let mut reverse = delivered(&[("A", dec!(5), VatCategory::AE, dec!(0))]);
        reverse.buyer.vat_id = Some("DE123456789".into());
        reverse.buyer.address = Some(orders_domain::order::Address {
            name: "Käufer GmbH".into(),
            street: "Hauptstraße 1".into(),
            additional_street: None,
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
        });
        push("reverse-charge", &invoice_of(&reverse, 3).0);

        push("exempt", &invoice_of(&delivered(&[("A", dec!(2), VatCategory::E, dec!(0))]), 4).0);
        let mut intra = delivered(&[("A", dec!(2), VatCategory::K, dec!(0))]);
        intra.buyer.vat_id = Some("DE123456789".into());
        intra.delivery_address.country = "DE".into();
        push("intra-community", &invoice_of(&intra, 40).0);
        let mut export = delivered(&[("A", dec!(2), VatCategory::G, dec!(0))]);
        export.delivery_address.country = "NO".into();
        push("export", &invoice_of(&export, 41).0);
        push("not-subject", &invoice_of(&delivered(&[("A", dec!(3), VatCategory::O, dec!(0))]), 42).0);

        let mut freight = delivered(&[("A", dec!(3), s25.0, s25.1), ("B", dec!(2), VatCategory::S, dec!(12))]);
        freight.lines[0].discount = Some(Discount::Percent(dec!(7.5)));
        freight.lines[0].allowance = dec!(2.25);
        freight.lines[0].line_net = dec!(27.75);
        freight.adjustments = vec![
            DocumentAdjustment {
                kind: AdjustmentKind::Charge,
                reason: "Freight".into(),
                amount: dec!(49.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(25),
            },
            DocumentAdjustment {
                kind: AdjustmentKind::Allowance,
                reason: "Loyalty discount 5 %".into(),
                amount: dec!(2.39),
                vat_category: VatCategory::S,
                vat_rate: dec!(12),
            },
        ];
        let (freight_invoice, _) = invoice_of(&freight, 5);
        assert_eq!(freight_invoice.totals.charges, dec!(49.00));
        push("freight-and-discount", &freight_invoice);

        let mut yen = delivered(&[("A", dec!(3), s25.0, s25.1)]);
        yen.currency = Currency::parse("JPY").expect("JPY");
        yen.lines[0].unit_price = dec!(1999);
        push("jpy", &invoice_of(&yen, 6).0);

        // a despatch of part of an order
        let mut partly = delivered(&[("A", dec!(4), s25.0, s25.1), ("B", dec!(2), s25.0, s25.1)]);
        partly.lines[0].shipped_quantity = dec!(1);
        let despatch = fixtures::despatch(&partly, "D/1", &[(1, dec!(1))]);
        let plan = plan_despatch_invoice(&partly, &despatch).expect("plan");
        let part = draft_invoice(&partly, &plan, &fixtures::tenant(), "D/1", datetime!(2026-11-30 10:00 UTC))
            .expect("draft")
            .numbered(7);
        assert!(part.lines.len() == 1 && part.despatch_number.as_deref() == Some("D/1"));
        push("despatch", &part);

        let tenant = fixtures::tenant();
        let at = datetime!(2026-12-01 09:00 UTC);
        let partial = CreditScope::Lines(vec![(1, dec!(1))]);
        let credit =
            draft_credit_note(&standard_invoice, &invoiced, &CreditLedger::default(), &partial, "Damaged", &tenant, at)
                .expect("credit note");
        push("credit-note-partial", &credit.numbered(1));
        let full = draft_credit_note(
            &freight_invoice,
            &freight,
            &CreditLedger::default(),
            &CreditScope::Full,
            "Returned",
            &tenant,
            at,
        )
        .expect("credit note");
        push("credit-note-full", &full.numbered(2));
        let debit = draft_debit_note(
            &standard_invoice,
            &invoiced,
            &[DebitLine { line_id: 2, quantity: dec!(1.5), unit_price: dec!(0.80) }],
            "Price correction",
            &tenant,
            at,
        )
        .expect("debit note");
        push("debit-note", &debit.numbered(1));

        assert!(documents[0].1.contains("WS-&lt;9&gt; &amp; Co"), "escaped");
        let Some(results) = orders_testkit::validate_peppol(&documents) else { return };
        assert_eq!(results.len(), documents.len());
        for result in &results {
            assert_eq!(result["ok"], true, "{}", serde_json::to_string_pretty(result).unwrap_or_default());
            assert_eq!(
                result["warnings"],
                serde_json::json!([]),
                "{}",
                serde_json::to_string_pretty(result).unwrap_or_default()
            );
        }
    }
}
