//! Standing orders recur: a `standing` order with a weekly schedule places each occurrence as an ordinary order
//! when the daily run finds it due — priced, placed and confirmed like a webshop's — once per occurrence however
//! often the run repeats, missed occurrences one by one, nothing past `until`, nothing after the standing order is
//! cancelled. A schedule on another order type, or none on a standing order, is refused.

use orders_domain::ids::{OrderId, Role};
use orders_testkit::{order_body, s, TestStack};
use reqwest::Method;
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};

fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

#[tokio::test]
async fn a_weekly_standing_order_places_each_occurrence_once_until_its_end() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let base = OffsetDateTime::now_utc().date() + Duration::days(1);
    let mut body = order_body("STAND-1");
    body["type"] = json!("standing");
    body["requested_delivery_date"] = json!(iso(base));
    body["schedule"] = json!({"every": "week", "until": iso(base + Duration::days(21))});
    body["lines"] = json!([{"sku": "SKU-3", "quantity": "2"}]);
    let placed = stack.post_json("/v1/orders", &body).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["schedule"], json!({"every": "week", "until": iso(base + Duration::days(21))}));
    let id = placed.body["id"].as_str().expect("id").to_owned();
    let entry = stack.item(&format!("T#{tenant}#STANDING"), &format!("O#{id}")).await.expect("the schedule");
    assert_eq!(
        (s(&entry, "next_date"), entry["next"].as_n().map(String::as_str)),
        (iso(base + Duration::days(7)).as_str(), Ok("1"))
    );
    stack.deliver_all().await;

    let relay = stack.stack.relay().expect("relay");
    let now = OffsetDateTime::now_utc();
    // Not due before its day.
    let report = relay.place_standing_occurrences(base + Duration::days(6), now).await.expect("run");
    assert_eq!(report.placed, 0);
    // Due: the first occurrence is placed, and only once however often the run repeats.
    let first_day = base + Duration::days(7);
    let report = relay.place_standing_occurrences(first_day, now).await.expect("run");
    assert_eq!((report.placed, report.failed), (1, 0));
    let again = relay.place_standing_occurrences(first_day, now).await.expect("run");
    assert_eq!(again.placed, 0);
    // Two weeks missed: both occurrences, then the schedule ends (a fourth would fall after until).
    let report = relay.place_standing_occurrences(base + Duration::days(30), now).await.expect("run");
    assert_eq!((report.placed, report.ended), (2, 1), "{report:?}");
    assert!(stack.item(&format!("T#{tenant}#STANDING"), &format!("O#{id}")).await.is_none());

    let operator = stack.key_with_role(&tenant, Role::Operator).await;
    let numbers: Vec<String> =
        (1..=3).map(|n| format!("STAND-1-{}", iso(base + Duration::days(7 * n)).replace('-', ""))).collect();
    for number in &numbers {
        let found = stack.call(Method::GET, &format!("/v1/orders?q={number}"), &operator, None).await;
        let items = found.body["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "{number}: {}", found.body);
        assert_eq!(items[0]["type"], "purchase");
    }
    // Each is confirmed like any order.
    let delivery = stack.deliver_all().await;
    assert!(delivery.succeeded >= 3, "{delivery:?}");
    let occurrence = stack.call(Method::GET, &format!("/v1/orders?q={}", numbers[0]), &operator, None).await;
    let occurrence_id = occurrence.body["items"][0]["id"].as_str().expect("id").to_owned();
    let detail = stack.order(&occurrence_id).await;
    assert_eq!(detail["status"], "accepted", "{detail}");
    assert_eq!(detail["lines"][0]["sku"], "SKU-3");
    assert_eq!(detail["history"][0]["actor"], "system:standing");
    assert_eq!((detail["channel"].as_str(), detail.get("schedule")), (placed.body["channel"].as_str(), None));
    let _ = OrderId::parse_public(&occurrence_id).expect("an order id");
}

#[tokio::test]
async fn a_cancelled_standing_order_places_nothing_more_and_schedules_are_checked() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let base = OffsetDateTime::now_utc().date() + Duration::days(1);
    let mut body = order_body("STAND-2");
    body["type"] = json!("standing");
    body["requested_delivery_date"] = json!(iso(base));
    body["schedule"] = json!({"every": "month", "until": iso(base + Duration::days(400))});
    let placed = stack.post_json("/v1/orders", &body).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let id = placed.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let operator = stack.key_with_role(&tenant, Role::Operator).await;
    let cancelled = stack
        .call(
            Method::POST,
            &format!("/v1/orders/{id}/cancellation"),
            &operator,
            Some(&json!({"reason": "Customer stopped"})),
        )
        .await;
    assert!(cancelled.status < 300, "{}", cancelled.body);
    let relay = stack.stack.relay().expect("relay");
    let report =
        relay.place_standing_occurrences(base + Duration::days(40), OffsetDateTime::now_utc()).await.expect("run");
    assert_eq!((report.placed, report.ended), (0, 1), "{report:?}");
    assert!(stack.item(&format!("T#{tenant}#STANDING"), &format!("O#{id}")).await.is_none());

    // A schedule needs a standing order, and a standing order a schedule.
    let mut wrong = order_body("STAND-3");
    wrong["schedule"] = json!({"every": "week", "until": iso(base + Duration::days(30))});
    let refused = stack.post_json("/v1/orders", &wrong).await;
    assert_eq!((refused.status, refused.pointers()), (422, vec!["/schedule".to_owned()]));
    let mut missing = order_body("STAND-4");
    missing["type"] = json!("standing");
    let refused = stack.post_json("/v1/orders", &missing).await;
    assert_eq!((refused.status, refused.pointers()), (422, vec!["/schedule".to_owned()]));
    let mut bad = order_body("STAND-5");
    bad["type"] = json!("standing");
    bad["schedule"] = json!({"every": "fortnight", "until": "2020-01-01"});
    let refused = stack.post_json("/v1/orders", &bad).await;
    assert_eq!(refused.pointers(), vec!["/schedule/every".to_owned(), "/schedule/until".to_owned()]);
}
