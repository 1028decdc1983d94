//! The Peppol documents of the order flow pass the official validation kit (../shared/peppol): Order Responses
//! (T76) for accepted, accepted-with-changes and rejected orders, and Despatch Advices (T16) for partial and final
//! despatches. All documents go through one `validate.py --json` call.

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
    order.status = OrderStatus::Accepted;
    order.responded_at = Some(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    for line in &mut order.lines {
        line.confirmed_quantity = line.quantity;
        line.line_status = Some(LineOutcome::Accepted);
    }
    order.reservations = order
        .lines
        .iter()
        .map(|l| orders_domain::confirmation::Reservation {
            sku: l.sku.clone(),
            warehouse: orders_domain::ids::WarehouseId::parse("malmo").expect("warehouse"),
            lot: None,
            quantity: l.quantity,
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

    let Some(results) = orders_testkit::validate_peppol(&documents) else { return };
    assert_eq!(results.len(), documents.len());
    for result in &results {
        assert_eq!(result["ok"], true, "{}", serde_json::to_string_pretty(result).unwrap_or_default());
        assert_eq!(result["warnings"], serde_json::json!([]), "{}", result["file"]);
    }
}
