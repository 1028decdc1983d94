//! Readers of what a stack holds: the table, the queues, the buckets and stock levels.

use aws_sdk_dynamodb::types::AttributeValue;
use orders_domain::events::EventEnvelope;
use orders_domain::ids::{Sku, TenantId, WarehouseId};
use rust_decimal::Decimal;

use crate::TestStack;

/// The files of a tar archive as Python's tarfile module reads them: (name, UTF-8 contents), in archive order.
pub(crate) fn tar_entries(bytes: &[u8]) -> Vec<(String, String)> {
    let script = "import tarfile, sys, json; t = tarfile.open(sys.argv[1], 'r:'); print(json.dumps([[m.name, t.extractfile(m).read().decode('utf-8')] for m in t.getmembers() if m.isfile()]))";
    serde_json::from_slice(&crate::stack::python_on_file("python3", bytes, "tar", script, "tar")).expect("entries")
}

/// A CSV parsed by Python's csv module in strict mode (RFC 4180 quoting), header first.
pub fn strict_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let script = "import csv, sys, json; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'), strict=True))))";
    serde_json::from_slice(&crate::stack::python_on_file("python3", bytes, "csv", script, "csv")).expect("rows")
}

impl TestStack {
    /// Takes every message off the confirmation queue (and deletes them), as envelopes.
    pub async fn drain_confirmation_queue(&self) -> Vec<EventEnvelope> {
        self.drain_queue("ConfirmationQueue")
            .await
            .into_iter()
            .map(|body| serde_json::from_str(&body).expect("envelope"))
            .collect()
    }

    /// Messages of a queue of the template that a consumer took and has neither deleted nor given back yet (SQS's
    /// approximate count).
    pub async fn messages_in_flight(&self, logical_id: &str) -> u64 {
        let url = self.stack.reference(logical_id).expect("queue provisioned").to_owned();
        let attributes = self
            .stack
            .aws
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .unwrap_or_default();
        attributes
            .get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Sends `body` to a queue of the template (a message sent back, a redelivery, a hand-made one).
    pub async fn send_to_queue(&self, logical_id: &str, body: impl Into<String>) {
        let url = self.stack.reference(logical_id).expect("queue provisioned");
        self.stack.aws.sqs.send_message().queue_url(url).message_body(body).send().await.expect("send");
    }

    /// Takes every message body off a queue of the template.
    pub async fn drain_queue(&self, logical_id: &str) -> Vec<String> {
        let url = self.stack.reference(logical_id).expect("queue provisioned").to_owned();
        let sqs = &self.stack.aws.sqs;
        let mut bodies = Vec::new();
        let mut empty_rounds = 0;
        while empty_rounds < 2 {
            let received = sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .expect("receive");
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                empty_rounds += 1;
                continue;
            }
            for message in messages {
                bodies.push(message.body.clone().unwrap_or_default());
                sqs.delete_message()
                    .queue_url(&url)
                    .receipt_handle(message.receipt_handle.unwrap_or_default())
                    .send()
                    .await
                    .expect("delete");
            }
        }
        bodies
    }

    /// Every order item of `tenant` (through GSI1, the status index).
    pub async fn stored_orders(&self, tenant: &TenantId) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        for status in ["received", "pending_response", "accepted", "accepted_with_changes", "rejected"] {
            items.extend(self.query_all("GSI1", "GSI1PK", &format!("T#{tenant}#S#{status}")).await);
        }
        items
    }

    /// Every order item of `tenant`, whatever its status (through GSI1, the status index).
    pub async fn stored_orders_all(&self, tenant: &TenantId) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        for status in orders_domain::lifecycle::OrderStatus::ALL {
            items.extend(self.query_all("GSI1", "GSI1PK", &format!("T#{tenant}#S#{}", status.as_str())).await);
        }
        items
    }

    /// The numbers of every billing document `tenant` issued, by series (`INV-2026` → {1, 2, …}).
    pub async fn issued_numbers(
        &self,
        tenant: &TenantId,
    ) -> std::collections::BTreeMap<String, std::collections::BTreeSet<u64>> {
        let mut series: std::collections::BTreeMap<String, std::collections::BTreeSet<u64>> = Default::default();
        // Through the documents' own index (GSI1 `T#{tenant}#INVOICES`): a scan of a large table outlasts the
        // client's timeouts.
        for item in self.query_all("GSI1", "GSI1PK", &format!("T#{tenant}#INVOICES")).await {
            if s(&item, "SK") != "INV" {
                continue;
            }
            let number = s(&item, "PK").rsplit('#').next().unwrap_or_default().to_owned();
            if let Some((prefix, n)) = number.rsplit_once('-') {
                series.entry(prefix.to_owned()).or_default().insert(n.parse().unwrap_or(0));
            }
        }
        series
    }

    /// The UBL names (`ubl_key`) of the tenant's issued billing documents that have one: the names the archive
    /// function bundles them under.
    pub async fn issued_ubl_names(&self, tenant: &TenantId) -> std::collections::BTreeSet<String> {
        let documents = self.query_all("GSI1", "GSI1PK", &format!("T#{tenant}#INVOICES")).await;
        documents
            .iter()
            .filter(|item| s(item, "SK") == "INV")
            .map(|item| s(item, "ubl_key").to_owned())
            .filter(|key| !key.is_empty())
            .collect()
    }

    /// Every item of `index` whose `key` is `value`.
    async fn query_all(
        &self,
        index: &str,
        key: &str,
        value: &str,
    ) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .stack
                .aws
                .dynamodb
                .query()
                .table_name(self.stack.table_name())
                .index_name(index)
                .key_condition_expression("#k = :v")
                .expression_attribute_names("#k", key)
                .expression_attribute_values(":v", AttributeValue::S(value.to_owned()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("query");
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// One raw item by key.
    pub async fn item(&self, pk: &str, sk: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        self.stack
            .aws
            .dynamodb
            .get_item()
            .table_name(self.stack.table_name())
            .key("PK", AttributeValue::S(pk.into()))
            .key("SK", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }

    /// Does what DynamoDB's TTL sweeper does by `at` (Unix time): deletes every item whose TTL attribute
    /// `expires_at` (infra/template.yaml) is at or before it. moto never deletes expired items; AWS does within
    /// days. The number of items deleted.
    pub async fn sweep_expired_items(&self, at: i64) -> usize {
        let expired = self
            .scan_all("expires_at <= :at", &[], &[(":at", AttributeValue::N(at.to_string()))], "scan for expired items")
            .await;
        for item in &expired {
            self.stack
                .aws
                .dynamodb
                .delete_item()
                .table_name(self.stack.table_name())
                .key("PK", item["PK"].clone())
                .key("SK", item["SK"].clone())
                .send()
                .await
                .expect("delete an expired item");
        }
        expired.len()
    }

    /// Every item of the table that `filter` keeps (a scan, page after page: for tests only).
    async fn scan_all(
        &self,
        filter: &str,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
        what: &str,
    ) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut scan = self
                .stack
                .aws
                .dynamodb
                .scan()
                .table_name(self.stack.table_name())
                .filter_expression(filter)
                .set_exclusive_start_key(start.take());
            for (name, attribute) in names {
                scan = scan.expression_attribute_names(*name, *attribute);
            }
            for (name, value) in values {
                scan = scan.expression_attribute_values(*name, value.clone());
            }
            let page = scan.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return items,
            }
        }
    }

    /// What waiting `seconds` does to the email claims still `sending` in partition `pk`: each claim is moved back
    /// that far (the outbox judges a claim stale by the real clock, so a test that cannot wait five minutes ages
    /// the claim instead). The number of claims aged.
    pub async fn age_email_claims(&self, pk: &str, seconds: i64) -> usize {
        self.age_claims(self.partition(pk).await, seconds).await
    }

    /// [`TestStack::age_email_claims`] for every order of the table (a scan: for a run that has ended).
    pub async fn age_every_email_claim(&self, seconds: i64) -> usize {
        let claims = self
            .scan_all(
                "entity = :email AND #status = :sending",
                &[("#status", "status")],
                &[(":email", AttributeValue::S("email".into())), (":sending", AttributeValue::S("sending".into()))],
                "scan for email claims",
            )
            .await;
        self.age_claims(claims, seconds).await
    }

    async fn age_claims(&self, items: Vec<std::collections::HashMap<String, AttributeValue>>, seconds: i64) -> usize {
        let mut aged = 0;
        for item in items {
            if s(&item, "entity") != "email" || s(&item, "status") != "sending" {
                continue;
            }
            let updated = self
                .stack
                .aws
                .dynamodb
                .update_item()
                .table_name(self.stack.table_name())
                .key("PK", item["PK"].clone())
                .key("SK", item["SK"].clone())
                .condition_expression("#status = :sending")
                .update_expression("SET claimed_at = claimed_at - :by")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
                .expression_attribute_values(":by", AttributeValue::N(seconds.to_string()))
                .send()
                .await;
            // A claim marked sent meanwhile is left alone.
            if updated.is_ok() {
                aged += 1;
            }
        }
        aged
    }

    /// Every item of one partition.
    pub async fn partition(&self, pk: &str) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        self.stack
            .aws
            .dynamodb
            .query()
            .table_name(self.stack.table_name())
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("query partition")
            .items
            .unwrap_or_default()
    }
}

impl TestStack {
    /// The tenant's archive bundles (docs/decisions/0014-document-bundles.md), by key, each with its documents:
    /// (name, XML), as Python's tarfile reads them.
    pub async fn archived_bundles(&self, tenant: &TenantId) -> Vec<(String, Vec<(String, String)>)> {
        let mut bundles = Vec::new();
        for key in self.archived_keys(&format!("tenant={tenant}/archive/")).await {
            let bytes = self.archived_bytes(&key).await.expect("a listed bundle");
            bundles.push((key, tar_entries(&bytes)));
        }
        bundles
    }

    /// Every document in the tenant's archive bundles, (name, XML), bundles in key order.
    pub async fn bundled_documents(&self, tenant: &TenantId) -> Vec<(String, String)> {
        self.archived_bundles(tenant).await.into_iter().flat_map(|(_, entries)| entries).collect()
    }

    /// The document `name` (`tenant=<t>/invoices/…/<number>.xml`) as the archive function bundled it, after the
    /// table's stream was delivered to it: `None` when no bundle of the tenant holds it.
    pub async fn bundled_document(&self, tenant: &TenantId, name: &str) -> Option<String> {
        self.deliver_stream("ArchiveFunction").await;
        self.bundled_documents(tenant).await.into_iter().find(|(entry, _)| entry == name).map(|(_, xml)| xml)
    }

    /// The bytes of an object of the documents bucket (`None` if there is none under `key`).
    pub async fn archived_bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.object("DocumentsBucket", key).await
    }

    /// Every key of the documents bucket under `prefix`.
    pub async fn archived_keys(&self, prefix: &str) -> Vec<String> {
        self.keys("DocumentsBucket", prefix).await
    }

    /// The bytes of an object of the exports bucket (`None` if there is none under `key`).
    pub async fn exported_bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.object("ExportsBucket", key).await
    }

    /// Every key of the exports bucket under `prefix`.
    pub async fn exported_keys(&self, prefix: &str) -> Vec<String> {
        self.keys("ExportsBucket", prefix).await
    }

    /// The bytes of an object of the bucket `bucket` (logical id) of the template.
    async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let bucket = self.stack.reference(bucket).expect("bucket");
        let object = self.stack.aws.s3.get_object().bucket(bucket).key(key).send().await.ok()?;
        Some(object.body.collect().await.expect("read object").into_bytes().to_vec())
    }

    /// Every key under `prefix` of the bucket `bucket` (logical id), all pages.
    async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let bucket = self.stack.reference(bucket).expect("bucket");
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let listed = self
                .stack
                .aws
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .expect("list objects");
            keys.extend(listed.contents().iter().filter_map(|o| o.key.clone()));
            match listed.next_continuation_token() {
                Some(next) if listed.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => return keys,
            }
        }
    }

    /// (on hand, reserved, available) of a SKU in a warehouse of `tenant`.
    pub async fn stock(&self, tenant: &TenantId, sku: &str, warehouse: &str) -> (Decimal, Decimal, Decimal) {
        self.stack
            .store()
            .stock_level(
                tenant,
                &Sku::parse(sku).expect("sku"),
                &WarehouseId::parse(warehouse).expect("warehouse"),
                None,
            )
            .await
            .expect("stock")
            .expect("stock item")
    }

    /// (on hand, reserved, available) of one lot of a SKU in a warehouse of `tenant`.
    pub async fn lot_stock(
        &self,
        tenant: &TenantId,
        sku: &str,
        warehouse: &str,
        lot: &str,
    ) -> (Decimal, Decimal, Decimal) {
        self.stack
            .store()
            .stock_level(
                tenant,
                &Sku::parse(sku).expect("sku"),
                &WarehouseId::parse(warehouse).expect("warehouse"),
                Some(lot),
            )
            .await
            .expect("stock")
            .expect("lot stock item")
    }
}

/// A string attribute of an item.
pub fn s<'a>(item: &'a std::collections::HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or_default()
}
