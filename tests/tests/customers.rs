//! The customer list (`GET /v1/customers`) against the emulator through the HTTP API: the register by name, the
//! search by id, email address and the start of a name (case and diacritics ignored), an inline buyer found like a
//! registered customer, paging with cursors bound to the tenant and to `q`, roles and tenant isolation.

use std::collections::BTreeSet;

use orders_domain::ids::Role;
use orders_testkit::{assert_conforms, openapi_spec, order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// `GET /v1/customers` with `query` as `key`.
async fn list(stack: &TestStack, key: &str, query: &[(&str, &str)]) -> Answer {
    Answer::from(stack.request(Method::GET, "/v1/customers", key).query(query).send().await).await
}

/// Every page of the list for `q` (none: the whole register) with `limit`, following the cursors; each page has at
/// most `limit` items. The customers' ids in list order.
async fn ids_of_every_page(stack: &TestStack, key: &str, q: Option<&str>, limit: usize) -> Vec<String> {
    let limit_text = limit.to_string();
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut query = vec![("limit", limit_text.as_str())];
        if let Some(q) = q {
            query.push(("q", q));
        }
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.as_str()));
        }
        let page = list(stack, key, &query).await;
        assert_eq!(page.status, 200, "{q:?}: {}", page.body);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() <= limit, "{q:?}: {} items on a page of {limit}", items.len());
        ids.extend(items.iter().map(|c| c["id"].as_str().expect("id").to_owned()));
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return ids;
        }
    }
    panic!("{q:?}: more than 100 pages");
}

async fn put_customer(stack: &TestStack, key: &str, id: &str, body: Value) {
    let answer =
        Answer::from(stack.request(Method::PUT, &format!("/v1/customers/{id}"), key).json(&body).send().await).await;
    assert_eq!(answer.status, 200, "PUT {id}: {}", answer.body);
}

fn problem_parameter(answer: &Answer) -> Option<&str> {
    answer.body["errors"][0]["parameter"].as_str()
}

#[tokio::test]
async fn staff_find_customers_by_id_email_and_name_prefix_page_by_page_within_their_tenant() {
    let stack = TestStack::start().await;
    let spec = openapi_spec();
    let tenant = &stack.tenant.id;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;

    // The demo data has C-1 "Kontorsmöbler Syd AB" and C-2 "Büro Schmidt GmbH".
    let address = json!({"name": "Åsa Lindqvist", "street": "Storgatan 3", "city": "Umeå", "postal_code": "903 26",
        "country": "SE"});
    let full = json!({
        "name": "Åsa Lindqvist", "email": "Asa.Lindqvist@example.se", "language": "sv", "vat_id": "SE556000000101",
        "address": address, "discount": {"percent": 3}, "peppol_id": {"scheme": "0007", "id": "5560000001"},
        "delivery_addresses": [{"id": "lager", "address": address}]
    });
    put_customer(&stack, &operator, "K-ASA", full).await;
    put_customer(&stack, &operator, "K-TRADE", json!({"name": "ASA  Trading", "email": "info@asa-trading.example"}))
        .await;
    put_customer(&stack, &operator, "K-LASSE", json!({"name": "Lasse Åsander", "email": "lasse@example.se"})).await;
    put_customer(&stack, &operator, "K-ASK", json!({"name": "Åsk Bygg AB", "email": "ask@example.se"})).await;
    // Two customers share an address; one's id is also the start of its name.
    put_customer(&stack, &operator, "K-NS1", json!({"name": "Nordic Supply AB", "email": "orders@nordic.example"}))
        .await;
    put_customer(
        &stack,
        &operator,
        "nordic",
        json!({"name": "Nordic Supply Göteborg", "email": "Orders@Nordic.example"}),
    )
    .await;
    // An inline buyer, stored by intake in the order's transaction.
    let mut inline = order_body("WS-CUSTOMERS-1");
    inline["buyer"] = json!({"name": "Örjan Öberg", "email": "Orjan@Example.se"});
    let placed = stack.post_json("/v1/orders", &inline).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let buyer = placed.body["buyer"]["customer_id"].as_str().expect("inline buyer's customer id").to_owned();

    // Another tenant's customers, one with a name the first tenant's searches would find.
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    put_customer(&stack, &other_operator, "K-OTHER", json!({"name": "Åsa Annan", "email": "asa@other.example"})).await;

    // The whole register, by name (case and diacritics ignored), over pages of 3.
    let register = ["K-ASA", "K-TRADE", "K-ASK", "C-2", "C-1", "K-LASSE", "K-NS1", "nordic", buyer.as_str()];
    for key in [&operator, &warehouse] {
        assert_eq!(ids_of_every_page(&stack, key, None, 3).await, register);
    }
    assert_eq!(ids_of_every_page(&stack, &operator, Some("   "), 200).await, register, "a blank q is no q");
    let other_register = ids_of_every_page(&stack, &other_operator, None, 50).await;
    assert_eq!(other_register, ["K-OTHER", "C-2", "C-1"], "the other tenant sees its own only");

    // Items are the customer as GET /v1/customers/{id} shows it, without portal access and email feedback.
    let page = list(&stack, &operator, &[("q", "K-ASA")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_conforms(&spec, "/v1/customers", "get", 200, &page.body);
    let mut detail = stack.get("/v1/customers/K-ASA", &operator).await.body;
    let detail = detail.as_object_mut().expect("customer");
    assert!(detail.remove("portal_access").is_some() && detail.remove("email_feedback").is_some());
    assert_eq!(page.body["items"], json!([detail]));
    for field in ["address", "delivery_addresses", "language", "vat_id", "discount", "peppol_id"] {
        assert!(!page.body["items"][0][field].is_null(), "{field} in {}", page.body);
    }
    assert_eq!(page.body["next_cursor"], Value::Null);

    // Searches, each over pages of one and of 50: the same customers, each once.
    let searches: Vec<(&str, Vec<&str>)> = vec![
        // Name prefixes, ignoring case, diacritics and repeated spaces; only the start of the name.
        ("asa", vec!["K-ASA", "K-TRADE"]),
        ("Åsa", vec!["K-ASA", "K-TRADE"]),
        ("ÅSA  l", vec!["K-ASA"]),
        ("buro", vec!["C-2"]),
        ("orjan", vec![&buyer]),
        ("lindqvist", vec![]),
        // Ids (case-sensitive): the inline buyer's too.
        ("K-ASK", vec!["K-ASK"]),
        ("k-ask", vec![]),
        (&buyer, vec![&buyer]),
        // Email addresses, ignoring case; the inline buyer's as posted.
        ("asa.lindqvist@EXAMPLE.se", vec!["K-ASA"]),
        ("orjan@example.se", vec![&buyer]),
        ("orders@nordic.example", vec!["K-NS1", "nordic"]),
        // The id first, then the other name matches; the customer found by id is not listed again by its name.
        ("nordic", vec!["nordic", "K-NS1"]),
        ("nothing like it", vec![]),
    ];
    for (q, expected) in &searches {
        for limit in [1, 50] {
            let found = ids_of_every_page(&stack, &operator, Some(q), limit).await;
            assert_eq!(&found, expected, "q={q:?} limit={limit}");
        }
    }
    let everything: BTreeSet<String> = ids_of_every_page(&stack, &operator, Some("a"), 50).await.into_iter().collect();
    assert!(!everything.contains("K-OTHER"), "another tenant's customer is never found");
    assert_eq!(ids_of_every_page(&stack, &other_operator, Some("asa"), 1).await, ["K-OTHER"]);

    // A renamed customer is found by its new name only; a customer whose address changed by the new address only.
    put_customer(&stack, &operator, "K-TRADE", json!({"name": "Birka Trading", "email": "info@birka.example"})).await;
    assert_eq!(ids_of_every_page(&stack, &operator, Some("asa"), 50).await, ["K-ASA"]);
    assert_eq!(ids_of_every_page(&stack, &operator, Some("birka"), 50).await, ["K-TRADE"]);
    assert!(ids_of_every_page(&stack, &operator, Some("info@asa-trading.example"), 50).await.is_empty());
    assert_eq!(ids_of_every_page(&stack, &operator, Some("info@birka.example"), 50).await, ["K-TRADE"]);
    // An inline buyer posted again under a new name moves too.
    let mut again = order_body("WS-CUSTOMERS-2");
    again["buyer"] = json!({"name": "Örjan Öberg Bygg", "email": "orjan@example.se"});
    assert_eq!(stack.post_json("/v1/orders", &again).await.status, 201);
    assert_eq!(ids_of_every_page(&stack, &operator, Some("orjan oberg b"), 50).await, [buyer.as_str()]);

    // A cursor is bound to the tenant and to q.
    let first = list(&stack, &operator, &[("q", "nordic"), ("limit", "1")]).await;
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    let refused = [
        list(&stack, &operator, &[("q", "nordi"), ("cursor", &cursor)]).await,
        list(&stack, &operator, &[("cursor", &cursor)]).await,
        list(&stack, &other_operator, &[("q", "nordic"), ("cursor", &cursor)]).await,
        list(&stack, &operator, &[("q", "nordic"), ("cursor", "not-a-cursor")]).await,
    ];
    for answer in &refused {
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/problem+json"));
        assert_eq!(problem_parameter(answer), Some("cursor"), "{}", answer.body);
        assert_conforms(&spec, "/v1/customers", "get", 400, &answer.body);
    }
    let second = list(&stack, &operator, &[("q", "nordic"), ("limit", "1"), ("cursor", &cursor)]).await;
    assert_eq!(second.body["items"][0]["id"], "K-NS1", "{}", second.body);

    // Bad parameters are 400 problems naming the parameter; a webshop key is refused.
    let long = "a".repeat(101);
    for (query, parameter) in [
        (vec![("q", long.as_str())], "q"),
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "201")], "limit"),
        (vec![("name", "asa")], "query"),
    ] {
        let answer = list(&stack, &operator, &query).await;
        assert_eq!(answer.status, 400, "{query:?}: {}", answer.body);
        assert_eq!(problem_parameter(&answer), Some(parameter), "{query:?}: {}", answer.body);
    }
    assert_eq!(list(&stack, &operator, &[("q", &"a".repeat(100))]).await.status, 200);
    let webshop = list(&stack, &stack.tenant.key, &[("q", "asa")]).await;
    assert_eq!(webshop.status, 403, "{}", webshop.body);
    assert_conforms(&spec, "/v1/customers", "get", 403, &webshop.body);
}
