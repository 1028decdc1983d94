//! The lifecycle's invariants: `ALL_STATUSES` is complete, names round-trip, `OPEN_STATUSES` is derived.

use super::*;

#[test]
fn all_lists_every_variant_once_in_order() {
    // Fails to compile when a variant is added: add it here and to ALL_STATUSES, in declaration order.
    match Received {
        Received | PendingResponse | Accepted | AcceptedWithChanges | Rejected | PartiallyDelivered | Delivered
        | PartiallyInvoiced | Invoiced | Cancelled | Closed => {}
    }
    for (i, status) in OrderStatus::ALL.into_iter().enumerate() {
        assert_eq!(status as usize, i, "{status} is not in declaration order");
    }
    // serde's error names every variant: ALL must list the same names, in the same order
    let error = serde_json::from_value::<OrderStatus>(serde_json::json!("?")).err().map(|e| e.to_string());
    let error = error.unwrap_or_default();
    let variants: Vec<&str> = error.split('`').skip(3).step_by(2).collect();
    assert_eq!(variants, OrderStatus::ALL.map(OrderStatus::as_str), "{error}");
}

#[test]
fn names_round_trip_and_match_serde() {
    for status in OrderStatus::ALL {
        assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        assert_eq!(serde_json::to_value(status).ok(), Some(serde_json::json!(status.as_str())));
        assert_eq!(serde_json::from_value::<OrderStatus>(serde_json::json!(status.as_str())).ok(), Some(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(OrderStatus::parse("Accepted"), None);
}

#[test]
fn open_statuses_are_all_filtered_by_is_open() {
    let filtered: Vec<_> = ALL_STATUSES.into_iter().filter(|s| s.is_open()).collect();
    assert_eq!(OPEN_STATUSES.to_vec(), filtered);
    let before = "received pending_response accepted accepted_with_changes partially_delivered delivered \
                  partially_invoiced"; // the literal list this replaced
    assert_eq!(
        OPEN_STATUSES.map(OrderStatus::as_str).join(" "),
        before.split_whitespace().collect::<Vec<_>>().join(" ")
    );
}

#[test]
fn status_table_serialises_one_row_per_status() {
    let table = serde_json::to_value(status_table()).unwrap_or_default();
    assert_eq!(table.as_array().map(Vec::len), Some(11));
    assert_eq!(
        table[5],
        serde_json::json!({"status": "partially_delivered", "label": "Partially delivered", "tone": "neutral",
            "open": true, "final": false, "can_respond": false, "can_change": false, "can_despatch": true,
            "can_request": true, "offers_split": false, "offers_ending": true})
    );
}

#[test]
fn final_statuses_are_not_open_and_take_nothing() {
    for status in OrderStatus::ALL.into_iter().filter(|s| s.is_final()) {
        assert!(!status.is_open() && !status.can_change() && !status.can_despatch() && !status.can_request());
    }
}

#[test]
fn what_the_console_offers_the_api_allows() {
    for status in OrderStatus::ALL {
        assert!(!status.offers_split() || status.can_change(), "{status}: split needs a changeable order");
        assert!(!status.offers_ending() || !status.is_final(), "{status}: an ended order ends no more");
        assert!(!status.can_respond() || status.awaits_answer(), "{status}: only an unanswered order is answered");
    }
}
