//! Local resources come from infra/template.yaml and nowhere else.

use std::collections::BTreeSet;

use devstack::provision::verify;
use devstack::stack::template_path;
use devstack::LocalStack;
use orders_testkit::{emulator_endpoint, unique};
use serde_norway::Value;

/// Names of the template's resources of `resource_type`, read straight from the YAML (not through devstack).
fn declared_names(template: &Value, resource_type: &str, name_property: &str, stack: &str) -> BTreeSet<String> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .values()
        .filter(|r| r["Type"].as_str() == Some(resource_type))
        .map(|r| {
            let name = &r["Properties"][name_property];
            let pattern = match name {
                Value::Tagged(tagged) => tagged.value.as_str().expect("!Sub string").to_owned(),
                other => other.as_str().expect("literal name").to_owned(),
            };
            pattern.replace("${AWS::StackName}", stack).replace("${AWS::AccountId}", "123456789012")
        })
        .collect()
}

async fn existing_queues(stack: &LocalStack, prefix: &str) -> BTreeSet<String> {
    let urls = stack
        .aws
        .sqs
        .list_queues()
        .queue_name_prefix(prefix)
        .send()
        .await
        .expect("list queues")
        .queue_urls
        .unwrap_or_default();
    urls.iter().map(|u| u.rsplit('/').next().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn every_data_resource_of_the_template_exists_in_the_emulator() {
    let name = unique("p-");
    let stack = LocalStack::provision(&emulator_endpoint(), &name, &template_path()).await.expect("provision");
    let template: Value =
        serde_norway::from_str(&std::fs::read_to_string(template_path()).expect("read")).expect("yaml");

    let queues = declared_names(&template, "AWS::SQS::Queue", "QueueName", &name);
    assert_eq!(
        queues.len(),
        17,
        "three stage queues, the reporting, mail feedback, inbound and webhooks queues, their DLQs and the archive's, the facts' and the webhook events' on-failure queues: {queues:?}"
    );
    assert_eq!(existing_queues(&stack, &name).await, queues);

    let tables = declared_names(&template, "AWS::DynamoDB::Table", "TableName", &name);
    let mut existing = BTreeSet::new();
    let mut start = None;
    loop {
        let page = stack.aws.dynamodb.list_tables().set_exclusive_start_table_name(start).send().await.expect("tables");
        existing.extend(page.table_names.unwrap_or_default().into_iter().filter(|t| t.starts_with(&name)));
        start = page.last_evaluated_table_name;
        if start.is_none() {
            break;
        }
    }
    assert_eq!(existing, tables);
    let table = stack
        .aws
        .dynamodb
        .describe_table()
        .table_name(stack.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    let indexes: BTreeSet<&str> = table.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
    assert_eq!(indexes, BTreeSet::from(["GSI1", "GSI2", "GSI3", "GSI4"]));
    let ttl = stack.aws.dynamodb.describe_time_to_live().table_name(stack.table_name()).send().await.expect("ttl");
    assert_eq!(ttl.time_to_live_description.and_then(|d| d.attribute_name), Some("expires_at".to_owned()));

    let buckets = declared_names(&template, "AWS::S3::Bucket", "BucketName", &name);
    let existing: BTreeSet<String> = stack
        .aws
        .s3
        .list_buckets()
        .send()
        .await
        .expect("buckets")
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .filter(|b| b.starts_with(&name))
        .collect();
    assert_eq!(existing, buckets);

    let identities = stack.aws.ses.list_identities().send().await.expect("identities").identities;
    assert!(identities.contains(&"orders@example.com".to_owned()), "{identities:?}");
    let set = format!("{name}-mail");
    let described = stack.aws.ses.describe_configuration_set().configuration_set_name(&set).send().await;
    assert!(described.is_ok(), "the configuration set {set} every email goes through: {described:?}");

    // The documents bucket reports new inbound/…xml objects to the inbound queue.
    let bucket = stack.reference("DocumentsBucket").expect("documents bucket");
    let notifications =
        stack.aws.s3.get_bucket_notification_configuration().bucket(bucket).send().await.expect("notifications");
    let queues_notified: Vec<_> =
        notifications.queue_configurations().iter().map(|q| q.queue_arn().to_owned()).collect();
    let inbound_arn = stack.template.physical("InboundQueue").map(|p| p.attributes["Arn"].clone());
    assert_eq!(queues_notified, inbound_arn.into_iter().collect::<Vec<_>>());

    // Every redrive policy points at its DLQ with maxReceiveCount 5.
    for queue in ["ConfirmationQueue", "ShipmentQueue", "InvoicingQueue", "InboundQueue"] {
        let url = stack.reference(queue).expect("queue");
        let attributes = stack
            .aws
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .expect("attributes")
            .attributes
            .unwrap_or_default();
        let policy: serde_json::Value =
            serde_json::from_str(&attributes[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy]).expect("json");
        assert_eq!(policy["maxReceiveCount"].to_string().trim_matches('"'), "5");
        let dlq = queue.replace("Queue", "DeadLetterQueue");
        assert_eq!(
            policy["deadLetterTargetArn"].as_str(),
            stack.template.physical(&dlq).map(|p| p.attributes["Arn"].as_str())
        );
    }
    assert!(verify(&stack.aws, &stack.template).await.expect("verify").is_empty());
}

#[tokio::test]
async fn a_queue_added_to_the_template_exists_locally_without_other_edits() {
    let text = std::fs::read_to_string(template_path()).expect("read template");
    let mut template: Value = serde_norway::from_str(&text).expect("yaml");
    let extra: Value = serde_norway::from_str(
        r#"
ReturnsDeadLetterQueue:
  Type: AWS::SQS::Queue
  Properties:
    QueueName: !Sub "${AWS::StackName}-returns-dlq"
ReturnsQueue:
  Type: AWS::SQS::Queue
  Properties:
    QueueName: !Sub "${AWS::StackName}-returns"
    VisibilityTimeout: 60
    RedrivePolicy:
      deadLetterTargetArn: !GetAtt ReturnsDeadLetterQueue.Arn
      maxReceiveCount: 3
"#,
    )
    .expect("extra yaml");
    let resources = template["Resources"].as_mapping_mut().expect("Resources");
    for (k, v) in extra.as_mapping().expect("mapping") {
        resources.insert(k.clone(), v.clone());
    }
    let name = unique("p-");
    let stack =
        LocalStack::provision_text(&emulator_endpoint(), &name, &serde_norway::to_string(&template).expect("yaml"))
            .await
            .expect("provision");
    let declared = declared_names(&template, "AWS::SQS::Queue", "QueueName", &name);
    assert_eq!(declared.len(), 19);
    assert_eq!(existing_queues(&stack, &name).await, declared);
    let url = stack.reference("ReturnsQueue").expect("returns queue provisioned");
    let attributes = stack
        .aws
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default();
    assert_eq!(attributes[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout], "60");
    assert!(attributes[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy].contains(&format!("{name}-returns-dlq")));
}

#[tokio::test]
async fn an_unknown_resource_type_is_refused_rather_than_skipped() {
    let mut template: Value =
        serde_norway::from_str(&std::fs::read_to_string(template_path()).expect("read")).expect("yaml");
    template["Resources"].as_mapping_mut().expect("Resources").insert(
        Value::from("Stream"),
        serde_norway::from_str("{Type: AWS::Kinesis::Stream, Properties: {}}").expect("yaml"),
    );
    let result = LocalStack::provision_text(
        &emulator_endpoint(),
        &unique("p-"),
        &serde_norway::to_string(&template).expect("yaml"),
    )
    .await;
    let Err(error) = result else { panic!("a Kinesis stream has no local counterpart, yet provisioning passed") };
    assert!(error.to_string().contains("AWS::Kinesis::Stream"), "{error}");
}

/// The functions' SDK configuration (read from the environment Lambda sets, no provider chain) reaches the
/// emulator with every client they build: credentials sign, retries and timeouts have their sleep and clock.
#[tokio::test]
async fn the_functions_sdk_configuration_from_the_environment_works() {
    let endpoint = emulator_endpoint();
    let env: std::collections::HashMap<&str, String> = [
        ("AWS_REGION", "eu-north-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_SESSION_TOKEN", "token".to_owned()),
        ("AWS_ENDPOINT_URL", endpoint),
    ]
    .into();
    let sdk = orders_aws::environment_sdk_config(|name| env.get(name).cloned());
    assert_eq!(sdk.region().map(ToString::to_string).as_deref(), Some("eu-north-1"));
    assert!(sdk.credentials_provider().is_some());
    orders_aws::dynamodb_client(&sdk).list_tables().limit(1).send().await.expect("DynamoDB");
    orders_aws::sqs_client(&sdk).list_queues().send().await.expect("SQS");
    orders_aws::ses_client(&sdk).list_identities().send().await.expect("SES");
    orders_aws::s3_client(&sdk).list_buckets().send().await.expect("S3");
    // No region, no credentials: the SDK says so on use instead of reading profile files at start.
    let bare = orders_aws::environment_sdk_config(|_| None);
    assert!(bare.region().is_none() && bare.credentials_provider().is_none());
}
