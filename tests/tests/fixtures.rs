//! events/<function>/*.json are real Lambda events (API Gateway HTTP API, SQS, DynamoDB stream): they deserialize the way Lambda
//! deserializes them and the function's handler answers them as documented (also usable with
//! `cargo lambda invoke --data-file`).

use orders_domain::ids::TenantId;
use orders_testkit::TestStack;

#[tokio::test]
async fn every_fixture_is_answered_as_documented() {
    let stack = TestStack::start().await;
    // A fresh stack's table has no fixture keys yet; register them for this test's tenant as `devstack up` does.
    devstack::seed::register_fixture_keys(&stack.stack.store(), &stack.tenant.id, "webshop")
        .await
        .expect("fixture keys");
    let intake = stack.stack.intake().expect("intake");
    let backoffice = stack.stack.backoffice().expect("backoffice");
    let billing = stack.stack.billing().expect("billing");
    let reports = stack.stack.reports().expect("reports");
    let portal = stack.stack.portal().expect("portal");
    let expected = [
        ("intake/post-order.json", 201),
        ("intake/post-order-batch.json", 207),
        ("intake/post-order-invalid.json", 422),
        ("intake/list-products.json", 200),
        ("backoffice/get-order.json", 404),
        ("backoffice/list-orders.json", 200),
        // The fixture tenant has no invoices yet: an empty list, and 404 for a number.
        ("billing/list-invoices.json", 200),
        ("billing/get-invoice.json", 404),
        ("billing/issue-credit-note.json", 404),
        // One report for November to the 23rd, run now: links to its three files.
        ("reports/run-report.json", 201),
        // An order the fixture tenant does not have: the message is reported as a batch item failure.
        ("shipment/order-despatched.json", 1),
        // The same for invoicing: the fixture order is unknown here.
        ("invoicing/order-ready-to-invoice.json", 1),
        // The daily schedule: every tenant's day before (2026-11-23) queued.
        ("reporting/scheduled.json", 0),
        // One queued tenant day: that tenant's reports written, no failure.
        ("reporting/queued-tenant-day.json", 0),
        // SES's permanent bounce of an email about an order this stack does not have: the customer's address is
        // marked all the same, no failure.
        ("feedback/bounce.json", 0),
        // An access point's T01 reported by S3 but no longer there: nothing to take, no failure.
        ("inbound/order-delivered.json", 0),
        // A webhook delivery that is gone (expired, or of another stack): nothing to send, no failure.
        ("webhooks/delivery-expired.json", 0),
        // The fixture tenant's webhook endpoints (none yet).
        ("webhook-endpoints/list-endpoints.json", 200),
        // A document item inserted: archived, no failure.
        ("archive/document-inserted.json", 0),
        // A magic link with a made-up signature opens nothing.
        ("portal/open-link-tampered.json", 401),
    ];
    let archive = stack.stack.archive().expect("archive");
    let shipment = stack.stack.shipment().expect("shipment");
    let invoicing = stack.stack.invoicing().expect("invoicing");
    let reporting = stack.stack.reporting().expect("reporting");
    let feedback = stack.stack.feedback().expect("feedback");
    let inbound = stack.stack.inbound().expect("inbound");
    let webhooks = stack.stack.webhooks().expect("webhooks");
    let endpoints = stack.stack.webhook_endpoints().expect("webhook endpoints");
    let root = devstack::stack::project_root().join("events");
    let mut found = Vec::new();
    for function in std::fs::read_dir(&root).expect("events/").filter_map(Result::ok) {
        for file in std::fs::read_dir(function.path()).expect("events/<function>").filter_map(Result::ok) {
            found.push(format!("{}/{}", function.file_name().to_string_lossy(), file.file_name().to_string_lossy()));
        }
    }
    found.sort();
    let mut listed: Vec<String> = expected.iter().map(|(f, _)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed, "every fixture has an expectation here");
    for (file, status) in expected {
        let text = std::fs::read_to_string(root.join(file)).expect("read fixture");
        if file.starts_with("archive/") {
            let event: aws_lambda_events::dynamodb::Event =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let key = event.records[0].change.new_image["archive_key"].clone();
            let response = archive::handle(&archive, event).await.expect("handled");
            assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
            let serde_dynamo::AttributeValue::S(key) = key else { panic!("{file}: archive_key is a string") };
            let tenant = key.split('/').next().and_then(|t| t.strip_prefix("tenant=")).expect("a tenant segment");
            let bundled = stack.bundled_documents(&TenantId::parse(tenant).expect("the fixture's tenant")).await;
            assert!(bundled.iter().any(|(name, xml)| *name == key && xml.contains("<OrderResponse")), "{file}");
            continue;
        }
        if file.starts_with("reporting/") {
            if file.ends_with("queued-tenant-day.json") {
                let mut event: aws_lambda_events::sqs::SqsEvent =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
                // The fixture's tenant is the demo's; this stack's tenant stands in for it.
                event.records[0].body = Some(format!(r#"{{"tenant":"{}","date":"2026-11-23"}}"#, stack.tenant.id));
                let response = reporting::handle_queued(&reporting, event).await.expect("handled");
                assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
                let key = format!("tenant={}/report=sales_by_day/date=2026-11-23/manifest.json", stack.tenant.id);
                assert!(stack.exported_bytes(&key).await.is_some(), "{file}: the tenant's reports");
                continue;
            }
            let event: aws_lambda_events::eventbridge::EventBridgeEvent<reporting::ReportRun> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let summary = reporting::handle(&reporting, event).await.expect("handled");
            assert_eq!(summary.date, "2026-11-23", "{file}");
            assert!(summary.queued.contains(&stack.tenant.id.to_string()), "{file}: every tenant's day queued");
            continue;
        }
        if file.starts_with("feedback/") {
            let event: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let response = feedback::handle(&feedback, event).await.expect("handled");
            assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
            continue;
        }
        if file.starts_with("inbound/") {
            let mut event: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            // The fixture names the demo stack's bucket; this stack's stands in for it.
            let bucket = stack.stack.reference("DocumentsBucket").expect("documents bucket").to_owned();
            let body = event.records[0].body.take().unwrap_or_default();
            event.records[0].body = Some(body.replace("orders-local-000000000000-documents", &bucket));
            let response = inbound::handle(&inbound, event).await.expect("handled");
            assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
            continue;
        }
        if file.starts_with("webhooks/") {
            let event: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let response = webhooks::handle_deliveries(&webhooks, event).await.expect("handled");
            assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
            continue;
        }
        if file.starts_with("invoicing/") {
            let event: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let response = invoicing::handle(&invoicing, event).await.expect("handled");
            assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
            continue;
        }
        if file.starts_with("shipment/") {
            let event: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let response = shipment::handle(&shipment, event).await.expect("handled");
            assert_eq!(response.batch_item_failures.len(), usize::from(status), "{file}");
            continue;
        }
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let response = if file.starts_with("intake/") {
            intake::handle(&intake, request).await
        } else if file.starts_with("billing/") {
            billing::handle(&billing, request).await
        } else if file.starts_with("reports/") {
            reports::handle(&reports, request).await
        } else if file.starts_with("webhook-endpoints/") {
            webhook_endpoints::handle(&endpoints, request).await
        } else if file.starts_with("portal/") {
            portal::handle(&portal, request).await
        } else {
            backoffice::handle(&backoffice, request).await
        }
        .expect("handled");
        assert_eq!(response.status().as_u16(), status, "{file}: {:?}", response.body());
    }
}
