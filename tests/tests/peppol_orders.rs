//! Peppol BIS Orders (T01) through the intake API against the emulator (docs/decisions/0016-peppol-order-intake.md):
//! the kit's official example becomes an order of the customer its buyer endpoint names, answered by an Order
//! Response that references it and passes the official rules; the same document again answers the same order; a
//! document that breaks a rule, or names a buyer the seller does not know, is refused naming why, and nothing is
//! stored — unless the seller registers unknown buyers; a buyer's price other than ours holds the order for the
//! seller when the seller reviews prices.

use orders_domain::catalogue::{Customer, Gtin, Product};
use orders_domain::ids::{CustomerId, Role, Sku, TenantId, WarehouseId};
use orders_domain::money::Currency;
use orders_domain::party::{Address, EmailAddress, PeppolId};
use orders_domain::peppol_order::ItemRef;
use orders_domain::tax::VatCategory;
use orders_testkit::{Answer, TestStack};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn kit_example(name: &str) -> Option<String> {
    let path = orders_testkit::peppol_kit_dir().join("examples/valid").join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            orders_testkit::cannot_run(&format!("Peppol orders: {} ({e})", path.display()));
            None
        }
    }
}

async fn post_xml(stack: &TestStack, key: &str, document: &str) -> Answer {
    let request = stack
        .request(Method::POST, "/v1/orders", key)
        .header("content-type", "application/xml")
        .body(document.to_owned());
    Answer::from(request.send().await).await
}

/// A product at 25 % VAT.
fn product(sku: Sku, name: &str, unit: &str, price: Decimal, currency: Currency, gtin: Option<Gtin>) -> Product {
    Product {
        sku,
        name: name.into(),
        unit: unit.into(),
        price,
        currency,
        vat_category: VatCategory::S,
        vat_rate: Decimal::new(25, 0),
        cost_price: None,
        lot_tracked: false,
        min_stock: None,
        target_stock: None,
        gtin,
    }
}

/// Stores `product` for `tenant` with `on_hand` in the Malmö warehouse.
async fn stock_product(stack: &TestStack, tenant: &TenantId, product: Product, on_hand: i64) {
    let store = stack.stack.store();
    store.put_product(tenant, &product).await.expect("product");
    let malmo = WarehouseId::parse("malmo").expect("warehouse");
    store.set_stock(tenant, &product.sku, &malmo, Decimal::new(on_hand, 0)).await.expect("stock");
}

/// What the example orders, sold in its units and currency, in stock; its buyer registered by Peppol endpoint.
async fn serve_the_example(stack: &TestStack) {
    let (tenant, store) = (&stack.tenant.id, stack.stack.store());
    let nok = Currency::parse("NOK").expect("NOK");
    for (sku, name, price) in [("121212", "Needle 4mm", 5000), ("SItemNo011", "Wet tissues", 1500)] {
        let sku = Sku::parse(sku).expect("sku");
        stock_product(stack, tenant, product(sku, name, "EA", Decimal::new(price, 2), nok, None), 500).await;
    }
    let customer = Customer {
        id: CustomerId::parse("C-HELSE").expect("id"),
        name: "Helseforetak AS".into(),
        email: EmailAddress::parse("post@helseforetak.example.no").expect("email"),
        language: None,
        vat_id: None,
        address: None,
        discount: None,
        peppol_id: Some(PeppolId::parse("0192", "987654325").expect("peppol id")),
        delivery_addresses: Vec::new(),
    };
    store.put_customer(tenant, &customer).await.expect("customer");
}

#[tokio::test]
async fn a_peppol_order_becomes_an_order_answered_by_an_order_response() {
    let Some(example) = kit_example("t01-Order_Example.xml") else { return };
    let stack = TestStack::start().await;
    serve_the_example(&stack).await;

    let placed = post_xml(&stack, &stack.tenant.key, &example).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    orders_testkit::assert_conforms(&orders_testkit::openapi_spec(), "/v1/orders", "post", 201, &placed.body);
    let order = &placed.body;
    assert_eq!(order["order_number"], "34");
    assert_eq!(order["channel"], "peppol:0192:987654325");
    assert_eq!(order["buyer"]["customer_id"], "C-HELSE");
    assert_eq!(order["currency"], "NOK");
    let lines: Vec<(String, String)> = order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["sku"].as_str().unwrap_or("").to_owned(), l["quantity"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(lines, [("121212".to_owned(), "120".to_owned()), ("SItemNo011".to_owned(), "15".to_owned())]);
    assert_eq!(order["delivery_address"]["city"], "Lørenskog", "the delivery location's address");
    assert_eq!(order["delivery_address"]["name"], "Helseavdeling", "the delivery party's name");
    let id = order["id"].as_str().expect("id").to_owned();

    let again = post_xml(&stack, &stack.tenant.key, &example).await;
    assert_eq!((again.status, again.body["id"].as_str()), (201, Some(id.as_str())), "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 1, "one order for the document sent twice");

    stack.deliver_all().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let response = stack
        .request(Method::GET, &format!("/v1/orders/{id}/order-response.xml"), &operator)
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let answer = response.text().await.expect("body");
    assert!(answer.contains("<cac:OrderReference><cbc:ID>34</cbc:ID></cac:OrderReference>"), "{answer}");
    assert!(answer.contains("<cbc:EndpointID schemeID=\"0192\">987654325</cbc:EndpointID>"), "{answer}");
    if let Some(results) = orders_testkit::validate_peppol(&[("t76-for-t01".into(), answer)]) {
        assert_eq!(results[0]["ok"], true, "{}", results[0]);
    }

    // The document is kept with the order as it came, and archived beside the answer.
    let kept =
        stack.request(Method::GET, &format!("/v1/orders/{id}/peppol-order.xml"), &operator).send().await.expect("GET");
    assert_eq!(kept.status().as_u16(), 200);
    assert_eq!(kept.text().await.expect("body"), example, "byte for byte");
    stack.deliver_streams().await;
    let archived = stack.bundled_documents(&stack.tenant.id).await;
    let name = format!("tenant={}/orders/{id}/peppol-order.xml", stack.tenant.id);
    assert!(
        archived.iter().any(|(key, xml)| *key == name && *xml == example),
        "{:?}",
        archived.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_peppol_order_that_breaks_a_rule_or_names_an_unknown_buyer_is_refused_and_nothing_is_stored() {
    let Some(example) = kit_example("t01-Order_Example.xml") else { return };
    let stack = TestStack::start().await;
    serve_the_example(&stack).await;

    let without_quantity = example.replacen("<cbc:Quantity unitCode=\"EA\">120</cbc:Quantity>", "", 1);
    let refused = post_xml(&stack, &stack.tenant.key, &without_quantity).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    orders_testkit::assert_conforms(&orders_testkit::openapi_spec(), "/v1/orders", "post", 422, &refused.body);
    assert!(refused.body["type"].as_str().is_some_and(|t| t.ends_with("/document-refused")), "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["rule"], "PEPPOL-T01-B23902");
    assert_eq!(refused.body["errors"][0]["location"], "/Order[1]/cac:OrderLine[1]/cac:LineItem[1]");

    // Another endpoint, and party identifiers no customer has (the example's GLN is a demo customer's).
    let stranger = example.replace("987654325", "998877660").replace("7300010000001", "7300010000018");
    let unknown = post_xml(&stack, &stack.tenant.key, &stranger).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(
        unknown.body["errors"][0]["location"],
        "/Order[1]/cac:BuyerCustomerParty[1]/cac:Party[1]/cbc:EndpointID[1]"
    );
    assert!(unknown.body["errors"][0]["detail"].as_str().is_some_and(|d| d.contains("0192:998877660")));

    // A Norwegian organisation number whose check digit is wrong (PEPPOL-COMMON-R041, mod 11).
    let misspelt = post_xml(&stack, &stack.tenant.key, &example.replace("987654325", "987654326")).await;
    assert_eq!(misspelt.status, 422, "{}", misspelt.body);
    let rules: Vec<&str> =
        misspelt.body["errors"].as_array().into_iter().flatten().filter_map(|e| e["rule"].as_str()).collect();
    assert_eq!(rules, ["PEPPOL-COMMON-R041", "PEPPOL-COMMON-R041"], "the buyer's and the accounting customer's");

    let not_xml = post_xml(&stack, &stack.tenant.key, "<Order>").await;
    assert_eq!(not_xml.status, 400, "{}", not_xml.body);

    assert!(stack.stored_orders(&stack.tenant.id).await.is_empty(), "nothing of a refused document is stored");
}

#[tokio::test]
async fn documents_an_access_point_delivers_into_the_bucket_become_orders_once_per_object() {
    let Some(example) = kit_example("t01-Order_Example.xml") else { return };
    let stack = TestStack::start().await;
    serve_the_example(&stack).await;
    let tenant = &stack.tenant.id;
    let bucket = stack.stack.reference("DocumentsBucket").expect("documents bucket").to_owned();
    let put = |key: String, body: String| {
        let s3 = stack.stack.aws.s3.clone();
        let bucket = bucket.clone();
        async move {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .content_type("application/xml")
                .body(body.into_bytes().into())
                .send()
                .await
                .expect("put object");
        }
    };
    let first = format!("inbound/tenant={tenant}/PO 34 (1).xml");
    put(first.clone(), example.clone()).await;
    put(format!("inbound/tenant={tenant}/PO-34-again.xml"), example.clone()).await;
    let broken = example.replacen("<cbc:Quantity unitCode=\"EA\">120</cbc:Quantity>", "", 1);
    put(format!("inbound/tenant={tenant}/broken.xml"), broken).await;
    // Outside inbound/: not reported.
    put(format!("tenant={tenant}/elsewhere/PO-34.xml"), example.clone()).await;
    stack.deliver_all().await;

    let store = stack.stack.store();
    let mut records = store.inbound_records(tenant).await.expect("records");
    records.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    let mut expected = vec![
        first.clone(),
        format!("inbound/tenant={tenant}/PO-34-again.xml"),
        format!("inbound/tenant={tenant}/broken.xml"),
    ];
    expected.sort();
    assert_eq!(keys, expected, "one record per object under inbound/, none for the object elsewhere");
    let placed: Vec<_> = records.iter().filter_map(|r| r.order_id.clone()).collect();
    assert_eq!(placed.len(), 2, "{records:?}");
    assert_eq!(placed[0], placed[1], "the same document in two objects is one order");
    let refused = records.iter().find(|r| r.key.ends_with("broken.xml")).expect("the broken one's record");
    assert_eq!(refused.order_id, None);
    assert_eq!(refused.problems[0].rule.as_deref(), Some("PEPPOL-T01-B23902"));
    assert_eq!(stack.stored_orders(tenant).await.len(), 1, "one order, nothing of the refused document");

    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let order = stack.get(&format!("/v1/orders/{}", placed[0]), &operator).await;
    assert_eq!(order.body["order_number"], "34");
    let actors: Vec<&str> =
        order.body["history"].as_array().expect("history").iter().filter_map(|h| h["actor"].as_str()).collect();
    assert!(actors.iter().any(|a| a.starts_with("peppol-inbound:inbound/tenant=")), "{actors:?}");

    // S3 reports an object again (at least once): nothing changes.
    let before = store.inbound_records(tenant).await.expect("records");
    let again = serde_json::json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-north-1",
        "eventTime": "2026-12-05T10:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": format!("inbound/tenant%3D{tenant}/PO+34+%281%29.xml"), "size": example.len()}}
    }]});
    stack.send_to_queue("InboundQueue", again.to_string()).await;
    stack.deliver_all().await;
    let mut after = store.inbound_records(tenant).await.expect("records");
    let mut before = before;
    before.sort_by(|a, b| a.key.cmp(&b.key));
    after.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(before, after, "a notification of a taken object changes nothing");
    assert_eq!(stack.stored_orders(tenant).await.len(), 1);
}

/// Every official T01 example whose lines name the seller's item ids or GTINs becomes an order for a seller whose
/// catalogue serves it (its items in its units and currency, its buyer registered, and for UC6, which names no
/// delivery address, the buyer's address on record), answered by an Order Response that references it and passes
/// the official rules; those naming items by description only are refused saying so.
#[tokio::test]
async fn every_official_example_our_catalogue_can_serve_becomes_an_answered_order() {
    let kit = orders_testkit::peppol_kit_dir();
    let Ok(entries) = std::fs::read_dir(kit.join("examples/valid")) else {
        orders_testkit::cannot_run(&format!("Peppol orders: no kit examples at {}", kit.display()));
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("t01-"))
        .collect();
    names.sort();
    let stack = TestStack::start().await;
    let today = time::OffsetDateTime::now_utc().date();
    let mut answers = Vec::new();
    let mut refused = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(kit.join("examples/valid").join(name)).expect("example");
        let seller = stack.new_tenant().await;
        let store = stack.stack.store();
        // The catalogue the example needs, read from the example itself through intake's own reading of it.
        if let Ok(document) = orders_domain::peppol_order::parse_order(&text, today) {
            for (index, line) in document.lines.iter().enumerate() {
                // A line named by GTIN only is a product of ours with that GTIN.
                let (sku, gtin) = match &line.item {
                    ItemRef::Sku(sku) => (sku.clone(), None),
                    ItemRef::Gtin(gtin) => (Sku::parse(format!("GTIN-ITEM-{index}")).expect("sku"), Some(gtin.clone())),
                };
                let price = line.buyer_price.unwrap_or(Decimal::ONE);
                let item = product(sku, &format!("Item {index}"), &line.unit_code, price, document.currency, gtin);
                stock_product(&stack, &seller.id, item, 1000).await;
            }
            let customer = Customer {
                id: CustomerId::parse("C-PEPPOL").expect("id"),
                name: "Peppol buyer".into(),
                email: EmailAddress::parse("buyer@peppol.example.org").expect("email"),
                language: None,
                vat_id: None,
                address: Some(Address {
                    name: "Peppol buyer".into(),
                    street: "Storgatan 1".into(),
                    additional_street: None,
                    city: "Stockholm".into(),
                    postal_code: "111 22".into(),
                    country: "SE".into(),
                }),
                discount: None,
                peppol_id: Some(document.buyer_endpoint.clone()),
                delivery_addresses: Vec::new(),
            };
            store.put_customer(&seller.id, &customer).await.expect("customer");
        }
        let placed = post_xml(&stack, &seller.key, &text).await;
        if placed.status != 201 {
            refused.push((name.clone(), placed.status, placed.body.to_string()));
            continue;
        }
        stack.deliver_all().await;
        let operator = stack.key_with_role(&seller.id, Role::Operator).await;
        let id = placed.body["id"].as_str().expect("id");
        let response = stack
            .request(Method::GET, &format!("/v1/orders/{id}/order-response.xml"), &operator)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status().as_u16(), 200, "{name}");
        let answer = response.text().await.expect("body");
        let number = placed.body["order_number"].as_str().expect("number");
        assert!(answer.contains(&format!("<cac:OrderReference><cbc:ID>{number}</cbc:ID>")), "{name}: {answer}");
        answers.push((format!("t76-for-{}", name.trim_end_matches(".xml")), answer));
    }
    let served: Vec<&str> = answers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        served,
        [
            "t76-for-t01-Order_Example",
            "t76-for-t01-UC1_Order",
            "t76-for-t01-UC4_Order",
            "t76-for-t01-UC5_Order",
            "t76-for-t01-UC6_Order"
        ],
        "refused: {refused:?}"
    );
    for (name, status, body) in &refused {
        assert_eq!(*status, 422, "{name}: {body}");
        assert!(body.contains("SellersItemIdentification"), "{name} names its items without our SKU: {body}");
    }
    if let Some(results) = orders_testkit::validate_peppol(&answers) {
        for result in &results {
            assert_eq!(result["ok"], true, "{result}");
        }
    }
}

#[tokio::test]
async fn a_line_named_by_gtin_is_the_product_that_has_that_gtin_now() {
    let Some(example) = kit_example("t01-UC6_Order.xml") else { return };
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let spec = orders_testkit::openapi_spec();
    let product = |gtin: &str| {
        serde_json::json!({"name": "Paper towels", "unit": "NAR", "price": "4.00", "currency": "EUR",
                           "vat_category": "S", "vat_rate": 25, "gtin": gtin})
    };
    let wrong = stack.call(Method::PUT, "/v1/products/TOWEL-1", &operator, Some(&product("05704066204094"))).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(wrong.pointers(), ["/gtin"]);
    let stored = stack.call(Method::PUT, "/v1/products/TOWEL-1", &operator, Some(&product("05704066204093"))).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    orders_testkit::assert_conforms(&spec, "/v1/products/{sku}", "put", 200, &stored.body);
    assert_eq!(stored.body["gtin"], "05704066204093");
    let malmo = WarehouseId::parse("malmo").expect("warehouse");
    let towel = Sku::parse("TOWEL-1").expect("sku");
    stack.stack.store().set_stock(&stack.tenant.id, &towel, &malmo, Decimal::new(100, 0)).await.expect("stock");

    // UC6 names its one item by GTIN only, and no delivery address: the demo customer C-2 has its buyer endpoint.
    let placed = post_xml(&stack, &stack.tenant.key, &example).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["lines"][0]["sku"], "TOWEL-1");
    assert_eq!(placed.body["buyer"]["customer_id"], "C-2");
    assert_eq!(placed.body["delivery_address"]["city"], "Berlin", "the customer's address on record");

    // The product takes another GTIN: the old one names nothing any more.
    let moved = stack.call(Method::PUT, "/v1/products/TOWEL-1", &operator, Some(&product("96385074"))).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    // Another order (the document's id is its first cbc:ID) naming the old GTIN.
    let again = example.replacen("<cbc:ID>1</cbc:ID>", "<cbc:ID>2</cbc:ID>", 1);
    let refused = post_xml(&stack, &stack.tenant.key, &again).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body["errors"][0]["detail"].as_str().is_some_and(|d| d.contains("GTIN 05704066204093")),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn an_erps_line_numbers_are_kept_and_every_answer_references_the_lines_by_them() {
    let Some(example) = kit_example("t01-Order_Example.xml") else { return };
    let erp = example
        .replacen("<cac:LineItem>\n\t\t\t<cbc:ID>1</cbc:ID>", "<cac:LineItem>\n\t\t\t<cbc:ID>10</cbc:ID>", 1)
        .replacen("<cac:LineItem>\n\t\t\t<cbc:ID>2</cbc:ID>", "<cac:LineItem>\n\t\t\t<cbc:ID>20</cbc:ID>", 1);
    assert_ne!(erp, example, "the example's line ids are 1 and 2");
    let stack = TestStack::start().await;
    serve_the_example(&stack).await;
    // 10 of the 15 wet tissues: the answer changes line 20, so the Order Response lists the lines.
    let tissues = Sku::parse("SItemNo011").expect("sku");
    let nok = Currency::parse("NOK").expect("NOK");
    stock_product(
        &stack,
        &stack.tenant.id,
        product(tissues, "Wet tissues", "EA", Decimal::new(1500, 2), nok, None),
        10,
    )
    .await;
    let placed = post_xml(&stack, &stack.tenant.key, &erp).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    orders_testkit::assert_conforms(&orders_testkit::openapi_spec(), "/v1/orders", "post", 201, &placed.body);
    let ids: Vec<(&Value, &Value)> =
        placed.body["lines"].as_array().expect("lines").iter().map(|l| (&l["line_no"], &l["buyer_line_id"])).collect();
    assert_eq!(ids, [(&json!(1), &json!("10")), (&json!(2), &json!("20"))]);
    let id = placed.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let xml = |path: String| {
        let (stack, operator) = (&stack, &operator);
        async move {
            let answer = stack.request(Method::GET, &path, operator).send().await.expect("GET");
            assert_eq!(answer.status().as_u16(), 200, "{path}");
            answer.text().await.expect("body")
        }
    };
    let response = xml(format!("/v1/orders/{id}/order-response.xml")).await;
    stack.despatch(&id, &json!({"despatch_number": "D-ERP", "lines": [{"line_no": 1, "quantity": 120}]})).await;
    stack.deliver_all().await;
    let advice = xml(format!("/v1/orders/{id}/despatches/D-ERP.xml")).await;
    let invoices = stack.get("/v1/invoices", &operator).await;
    let number = invoices.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["order_id"] == id.as_str()))
        .and_then(|i| i["number"].as_str())
        .unwrap_or_else(|| panic!("the despatch's invoice: {}", invoices.body))
        .to_owned();
    let invoice = xml(format!("/v1/invoices/{number}/invoice.xml")).await;
    for (what, document) in [("T76", &response), ("T16", &advice), ("invoice", &invoice)] {
        assert!(
            document.contains("<cac:OrderLineReference><cbc:LineID>10</cbc:LineID></cac:OrderLineReference>"),
            "{what}: {document}"
        );
    }
    assert!(response.contains("<cbc:OrderResponseCode>CA</cbc:OrderResponseCode>"), "{response}");
    assert!(response.contains("<cbc:ID>20</cbc:ID><cbc:LineStatusCode>3</cbc:LineStatusCode>"), "{response}");
    assert!(response.contains("<cbc:LineID>20</cbc:LineID>"), "{response}");
    if let Some(results) = orders_testkit::validate_peppol(&[
        ("t76-erp".into(), response),
        ("t16-erp".into(), advice),
        ("invoice-erp".into(), invoice),
    ]) {
        for result in results {
            assert_eq!(result["ok"], true, "{result}");
        }
    }
}

/// Sets the tenant's `peppol_orders` through `PUT /v1/settings` (If-Match on the settings' ETag), as an operator.
async fn set_peppol_orders(stack: &TestStack, operator: &str, peppol_orders: Value) {
    let read = stack.request(Method::GET, "/v1/settings", operator).send().await.expect("GET /v1/settings");
    let etag = read.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned).expect("an ETag");
    let mut current: Value = read.json().await.expect("settings");
    current["peppol_orders"] = peppol_orders;
    let changed =
        stack.request(Method::PUT, "/v1/settings", operator).header("if-match", etag).json(&current).send().await;
    let changed = Answer::from(changed).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
}

#[tokio::test]
async fn a_buyers_price_other_than_ours_is_kept_and_holds_the_order_only_when_the_tenant_reviews_prices() {
    let Some(example) = kit_example("t01-Order_Example.xml") else { return };
    let stack = TestStack::start().await;
    serve_the_example(&stack).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    // Our tissues went up to 15.50 NOK; the buyer's procurement system still states 15.000 (the document is the
    // kit's own, valid to every rule).
    let nok = Currency::parse("NOK").expect("NOK");
    let tissues = |price: i64| {
        product(Sku::parse("SItemNo011").expect("sku"), "Wet tissues", "EA", Decimal::new(price, 2), nok, None)
    };
    stack.stack.store().put_product(&stack.tenant.id, &tissues(1550)).await.expect("product");

    // By default ours win: the order is answered from stock at our price, the buyer's kept beside it.
    let ours = post_xml(&stack, &stack.tenant.key, &example).await;
    assert_eq!(ours.status, 201, "{}", ours.body);
    orders_testkit::assert_conforms(&orders_testkit::openapi_spec(), "/v1/orders", "post", 201, &ours.body);
    assert_eq!(ours.body["lines"][1]["buyer_price"], "15.000", "as the document states it");
    assert_eq!(ours.body["lines"][1]["unit_price"], "15.50");
    assert_eq!(ours.body["lines"][0]["buyer_price"], "50.000");
    stack.deliver_all().await;
    let id = ours.body["id"].as_str().expect("id");
    assert_eq!(stack.order(id).await["status"], "accepted");

    // Reviewed: the same difference holds the next order for the seller, the reason naming the line.
    set_peppol_orders(&stack, &operator, json!({"buyer_prices": "review"})).await;
    let held =
        post_xml(&stack, &stack.tenant.key, &example.replacen("<cbc:ID>34</cbc:ID>", "<cbc:ID>35</cbc:ID>", 1)).await;
    assert_eq!(held.status, 201, "{}", held.body);
    stack.deliver_all().await;
    let held_id = held.body["id"].as_str().expect("id").to_owned();
    let stored = stack.order(&held_id).await;
    assert_eq!(stored["status"], "pending_response", "{stored}");
    let reason = stored["response_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("line 2 (SItemNo011): 15.000 NOK stated, 15.50 ours"), "{reason}");
    assert!(!reason.contains("121212"), "the needles' price is ours: {reason}");
    assert_eq!(stored["lines"][1]["confirmed_quantity"], "0", "nothing confirmed while held");

    // The seller answers: the buyer's price taken for the tissues.
    let lines = json!([{"line_no": 2, "confirmed_quantity": "15", "unit_price": "15.00"}]);
    let answered = stack
        .call(
            Method::POST,
            &format!("/v1/orders/{held_id}/response"),
            &operator,
            Some(&json!({"decision": "accept_with_changes", "lines": lines})),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert_eq!(answered.body["lines"][1]["unit_price"], "15.00", "{}", answered.body);

    // Prices back at what the document states: answered from stock under review too.
    stack.stack.store().put_product(&stack.tenant.id, &tissues(1500)).await.expect("product");
    let same =
        post_xml(&stack, &stack.tenant.key, &example.replacen("<cbc:ID>34</cbc:ID>", "<cbc:ID>36</cbc:ID>", 1)).await;
    assert_eq!(same.status, 201, "{}", same.body);
    stack.deliver_all().await;
    assert_eq!(stack.order(same.body["id"].as_str().expect("id")).await["status"], "accepted");
}

#[tokio::test]
async fn an_unknown_buyer_is_registered_from_its_order_when_the_tenant_allows_it() {
    let Some(example) = kit_example("t01-Order_Example.xml") else { return };
    let stack = TestStack::start().await;
    serve_the_example(&stack).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    // Another endpoint, and party identifiers no customer has.
    let stranger = example.replace("987654325", "998877660").replace("7300010000001", "7300010000018");
    let refused = post_xml(&stack, &stack.tenant.key, &stranger).await;
    assert_eq!(refused.status, 422, "refused by default: {}", refused.body);

    set_peppol_orders(&stack, &operator, json!({"unknown_buyers": "register"})).await;
    let without_email = stranger.replace("<cbc:ElectronicMail>post@helseforetak.no</cbc:ElectronicMail>", "");
    let unregistrable = post_xml(&stack, &stack.tenant.key, &without_email).await;
    assert_eq!(unregistrable.status, 422, "{}", unregistrable.body);
    assert!(
        unregistrable.body["errors"][0]["location"].as_str().is_some_and(|l| l.ends_with("cbc:ElectronicMail[1]")),
        "{}",
        unregistrable.body
    );
    assert!(stack.stored_orders(&stack.tenant.id).await.is_empty());

    let placed = post_xml(&stack, &stack.tenant.key, &stranger).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let customer_id = placed.body["buyer"]["customer_id"].as_str().expect("customer").to_owned();
    assert_eq!(placed.body["buyer"]["name"], "Helseforetak AS", "the legal name");
    assert_eq!(placed.body["buyer"]["email"], "post@helseforetak.no");
    let registered = stack.call(Method::GET, &format!("/v1/customers/{customer_id}"), &operator, None).await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.body["peppol_id"], json!({"scheme": "0192", "id": "998877660"}));
    assert_eq!(registered.body["vat_id"], "NO9311867455MVA");
    assert_eq!(registered.body["address"]["city"], "Oslo", "the buyer's postal address");

    // The next order of the endpoint names the registered customer: no second customer.
    let next =
        post_xml(&stack, &stack.tenant.key, &stranger.replacen("<cbc:ID>34</cbc:ID>", "<cbc:ID>35</cbc:ID>", 1)).await;
    assert_eq!(next.status, 201, "{}", next.body);
    assert_eq!(next.body["buyer"]["customer_id"], customer_id.as_str());
    let peppol = PeppolId::parse("0192", "998877660").expect("id");
    let named = stack.stack.store().customer_by_peppol_id(&stack.tenant.id, &peppol).await.expect("read");
    assert_eq!(named.map(|c| c.as_str().to_owned()), Some(customer_id));

    // Answered like any order, the Order Response addressed to the registered endpoint.
    stack.deliver_all().await;
    let id = placed.body["id"].as_str().expect("id");
    let answer = stack.call(Method::GET, &format!("/v1/orders/{id}/order-response.xml"), &operator, None).await;
    assert_eq!(answer.status, 200);
}
