//! events/intake/*.json are real API Gateway HTTP API events: they deserialize the way Lambda deserializes them
//! and the intake handler answers them as documented (also usable with `cargo lambda invoke --data-file`).

use orders_testkit::TestStack;

#[tokio::test]
async fn every_intake_fixture_is_answered_as_documented() {
    let stack = TestStack::start().await;
    // A fresh stack's table has no fixture key yet; register it for this test's tenant as `devstack up` does.
    devstack::seed::register_fixture_key(&stack.stack.store(), &stack.tenant.id, "webshop").await.expect("fixture key");
    let intake = stack.stack.intake().expect("intake");
    let expected = [
        ("post-order.json", 201),
        ("post-order-batch.json", 207),
        ("post-order-invalid.json", 422),
        ("get-order.json", 404),
        ("list-products.json", 200),
    ];
    let dir = devstack::stack::project_root().join("events/intake");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("events/intake")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut listed: Vec<String> = expected.iter().map(|(f, _)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed, "every fixture has an expectation here");
    for (file, status) in expected {
        let text = std::fs::read_to_string(dir.join(file)).expect("read fixture");
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let response = intake::handle(&intake, request).await.expect("handled");
        assert_eq!(response.status().as_u16(), status, "{file}: {:?}", response.body());
    }
}
