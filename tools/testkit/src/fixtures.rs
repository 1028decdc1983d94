//! Fixtures: order bodies, dates, tenant settings, console sessions and answered orders set up for a test.

use orders_domain::ids::{Role, TenantId};
use serde_json::Value;

use crate::{Answer, TestStack};

impl TestStack {
    /// Records a despatch of order `id` through the API with a warehouse key of the stack's tenant; panics unless
    /// it is created.
    pub async fn despatch(&self, id: &str, body: &Value) {
        let warehouse = self.key_with_role(&self.tenant.id, Role::Warehouse).await;
        let answer = Answer::from(
            self.request(reqwest::Method::POST, &format!("/v1/orders/{id}/despatches"), &warehouse)
                .json(body)
                .send()
                .await,
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }

    /// Makes the first tenant answer orders by hand (`pending_response`) or automatically.
    pub async fn set_response_policy(&self, policy: orders_domain::tenant::ResponsePolicy) {
        let store = self.stack.store();
        let mut settings = store.get_tenant(&self.tenant.id).await.expect("read tenant").expect("tenant");
        settings.response_policy = policy;
        store.put_tenant(&settings).await.expect("write tenant");
    }

    /// The sealer of the local stack's buyer links (its current keys), to mint tokens an attacker with the secret
    /// could.
    pub async fn link_sealer(&self) -> orders_domain::buyer_link::LinkSealer {
        let ring = self.stack.signing_keys(orders_aws::SecretPurpose::BuyerLink).await.expect("the buyer-link keys");
        orders_domain::buyer_link::LinkSealer::new(std::sync::Arc::new(ring))
    }

    /// Stores the record of a console session (as the console's log-in does) of the key `key_hash` at `tenant`,
    /// so a cookie a test seals itself is a session the API functions accept.
    pub async fn record_console_session(&self, tenant: &str, key_hash: &str, session_id: &str, expires_at: i64) {
        let record = orders_aws::store::ConsoleSessionRecord {
            session_id: session_id.to_owned(),
            tenant: TenantId::parse(tenant.to_owned()).expect("tenant"),
            key_id: "key_test".into(),
            key_hash: key_hash.to_owned(),
            created_at: String::new(),
            expires_at,
        };
        self.stack.store().create_console_session(&record).await.expect("session record");
    }

    /// Posts an order of `customer` as the first tenant's webshop and lets the pipeline answer it; its id.
    pub async fn answered_order(&self, number: &str, customer: &str) -> String {
        let mut body = order_body(number);
        body["buyer"] = serde_json::json!({ "customer_id": customer });
        let created = self.post_json("/v1/orders", &body).await;
        assert_eq!(created.status, 201, "{}", created.body);
        self.deliver_all().await;
        created.body["id"].as_str().expect("id").to_owned()
    }
}

/// infra/template.yaml, read as devstack reads it (stack `s`, the local parameters).
pub fn local_template() -> devstack::template::Template {
    devstack::template::Template::load(
        &devstack::stack::template_path(),
        "s",
        "eu-north-1",
        &devstack::stack::local_parameters(),
    )
    .expect("template")
}

/// The HTTP routes infra/template.yaml declares.
pub fn template_routes() -> Vec<devstack::template::Route> {
    local_template().http_routes()
}

/// A valid order body for the demo catalogue.
pub fn order_body(order_number: &str) -> Value {
    serde_json::json!({
        "order_number": order_number,
        "type": "purchase",
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "requested_delivery_date": tomorrow(),
        "delivery_address": {"name": "Anna Svensson", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22", "country": "SE"},
        "lines": [
            {"sku": "SKU-1", "quantity": "2"},
            {"sku": "SKU-3", "quantity": "1.5", "unit_price": "18.95", "discount": {"percent": "10"}}
        ],
        "notes": "Leave at the reception"
    })
}

/// Tomorrow (UTC) as `YYYY-MM-DD`.
pub fn tomorrow() -> String {
    let date = time::OffsetDateTime::now_utc().date().next_day().expect("a tomorrow");
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}
