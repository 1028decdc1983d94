//! Creates the template's data resources in the emulator and checks afterwards that each one exists as declared.
//!
//! moto's own CloudFormation reports `CREATE_COMPLETE` while silently skipping TTL, point-in-time recovery and
//! SES identities, so the resources are created here directly through the SDK, one API call per
//! declared property, and then verified one by one. Functions and the HTTP API are not created: `devstack` serves
//! them from the template's routes and environment.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value as Json;

use crate::aws::LocalAws;
use crate::template::{to_json, Physical, Resource, Template, TemplateError};

pub use crate::resource_types::{PROVISIONED_TYPES, SERVED_TYPES};

/// Provisioning failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The template is unusable.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A resource type has no local counterpart yet.
    #[error("resource {logical_id} has type {resource_type}, which the local stack does not know; add it to devstack's provisioning")]
    UnsupportedType {
        /// Logical id.
        logical_id: String,
        /// Type.
        resource_type: String,
    },
    /// An SDK call failed.
    #[error("{action}: {message}")]
    Aws {
        /// What we were doing.
        action: String,
        /// The SDK error.
        message: String,
    },
    /// After provisioning, something declared is missing or different.
    #[error("the emulator does not match the template:\n  {}", .0.join("\n  "))]
    Mismatch(Vec<String>),
}

fn aws_error<E: std::error::Error + 'static, R: std::fmt::Debug>(
    action: impl Into<String>,
    error: aws_sdk_dynamodb::error::SdkError<E, R>,
) -> ProvisionError {
    ProvisionError::Aws {
        action: action.into(),
        message: aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string(),
    }
}

/// What was provisioned: logical id → physical values.
pub type Provisioned = BTreeMap<String, Physical>;

/// Creates every data resource of `template` (idempotently: existing ones are kept) and records their physical
/// values in the template, then verifies them.
pub async fn provision(aws: &LocalAws, template: &mut Template) -> Result<Provisioned, ProvisionError> {
    let mut pending: Vec<Resource> = Vec::new();
    for resource in template.resources() {
        if PROVISIONED_TYPES.contains(&resource.resource_type.as_str()) {
            pending.push(resource);
        } else if resource.resource_type == "AWS::Serverless::HttpApi" {
            // Served by devstack: its `Ref` (the API id in AWS) names it, and the functions' URLs of it are the
            // local server's (see LocalStack::function_environment).
            template.set_physical(
                &resource.logical_id,
                Physical { reference: format!("local-{}", resource.logical_id), attributes: Default::default() },
            );
        } else if !SERVED_TYPES.contains(&resource.resource_type.as_str()) {
            return Err(ProvisionError::UnsupportedType {
                logical_id: resource.logical_id,
                resource_type: resource.resource_type,
            });
        }
    }
    let mut done = Provisioned::new();
    while !pending.is_empty() {
        let mut waiting = Vec::new();
        let mut progressed = false;
        for resource in std::mem::take(&mut pending) {
            let properties = match template.resolve(&resource.properties) {
                Ok(properties) => to_json(&properties),
                Err(TemplateError::Pending(_)) => {
                    waiting.push(resource);
                    continue;
                }
                Err(other) => return Err(other.into()),
            };
            let physical = create(aws, template, &resource, &properties).await?;
            template.set_physical(&resource.logical_id, physical.clone());
            done.insert(resource.logical_id.clone(), physical);
            progressed = true;
        }
        if !progressed {
            let ids: Vec<_> = waiting.iter().map(|r| r.logical_id.clone()).collect();
            return Err(TemplateError::Shape(format!("unresolvable references in {}", ids.join(", "))).into());
        }
        pending = waiting;
    }
    let problems = verify(aws, template).await?;
    if !problems.is_empty() {
        return Err(ProvisionError::Mismatch(problems));
    }
    Ok(done)
}

async fn create(
    aws: &LocalAws,
    template: &Template,
    resource: &Resource,
    props: &Json,
) -> Result<Physical, ProvisionError> {
    match resource.resource_type.as_str() {
        "AWS::DynamoDB::Table" => create_table(aws, resource, props).await,
        "AWS::SQS::Queue" => create_queue(aws, template, resource, props).await,
        "AWS::S3::Bucket" => create_bucket(aws, template, resource, props).await,
        "AWS::SES::EmailIdentity" => create_email_identity(aws, props).await,
        "AWS::SES::ConfigurationSet" => create_configuration_set(aws, template, resource, props).await,
        "AWS::SecretsManager::Secret" => create_secret(aws, template, resource, props).await,
        other => Err(ProvisionError::UnsupportedType {
            logical_id: resource.logical_id.clone(),
            resource_type: other.into(),
        }),
    }
}

fn str_field<'a>(value: &'a Json, name: &str) -> &'a str {
    value.get(name).and_then(Json::as_str).unwrap_or_default()
}

fn key_schema(value: &Json) -> Result<Vec<KeySchemaElement>, ProvisionError> {
    value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(str_field(k, "AttributeName"))
                .key_type(KeyType::from(str_field(k, "KeyType")))
                .build()
                .map_err(|e| ProvisionError::Aws { action: "key schema".into(), message: e.to_string() })
        })
        .collect()
}

fn physical_name(resource: &Resource, props: &Json, property: &str, template_stack: &str) -> String {
    props
        .get(property)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{template_stack}-{}", resource.logical_id))
}

async fn create_table(aws: &LocalAws, resource: &Resource, props: &Json) -> Result<Physical, ProvisionError> {
    let name = props
        .get("TableName")
        .and_then(Json::as_str)
        .ok_or_else(|| TemplateError::Shape(format!("{} needs a TableName", resource.logical_id)))?
        .to_owned();
    let mut request =
        aws.dynamodb.create_table().table_name(&name).set_key_schema(Some(key_schema(&props["KeySchema"])?));
    for definition in props["AttributeDefinitions"].as_array().map(Vec::as_slice).unwrap_or_default() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(str_field(definition, "AttributeName"))
                .attribute_type(ScalarAttributeType::from(str_field(definition, "AttributeType")))
                .build()
                .map_err(|e| ProvisionError::Aws { action: "attribute definition".into(), message: e.to_string() })?,
        );
    }
    for index in props["GlobalSecondaryIndexes"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let projection = &index["Projection"];
        let non_key: Option<Vec<String>> = projection["NonKeyAttributes"]
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_str).map(str::to_owned).collect());
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(str_field(index, "IndexName"))
                .set_key_schema(Some(key_schema(&index["KeySchema"])?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(str_field(projection, "ProjectionType")))
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()
                .map_err(|e| ProvisionError::Aws { action: "GSI".into(), message: e.to_string() })?,
        );
    }
    let billing = props.get("BillingMode").and_then(Json::as_str).unwrap_or("PROVISIONED");
    request = request.billing_mode(BillingMode::from(billing));
    if let Some(stream) = props.get("StreamSpecification") {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(str_field(stream, "StreamViewType")))
                .build()
                .map_err(|e| ProvisionError::Aws { action: "stream specification".into(), message: e.to_string() })?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {}
        Err(e) => return Err(aws_error(format!("create table {name}"), e)),
    }
    if let Some(ttl) = props.get("TimeToLiveSpecification") {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(str_field(ttl, "AttributeName"))
            .enabled(ttl["Enabled"].as_bool().unwrap_or(false))
            .build()
            .map_err(|e| ProvisionError::Aws { action: "TTL".into(), message: e.to_string() })?;
        let result = aws.dynamodb.update_time_to_live().table_name(&name).time_to_live_specification(spec).send().await;
        if let Err(e) = result {
            // Enabling TTL twice is refused by AWS ("TimeToLive is already enabled"); verify() checks the outcome.
            tracing::debug!(table = %name, error = %aws_sdk_dynamodb::error::DisplayErrorContext(&e), "TTL update");
        }
    }
    if let Some(pitr) = props.get("PointInTimeRecoverySpecification") {
        let enabled = pitr["PointInTimeRecoveryEnabled"].as_bool().unwrap_or(false);
        aws.dynamodb
            .update_continuous_backups()
            .table_name(&name)
            .point_in_time_recovery_specification(
                PointInTimeRecoverySpecification::builder()
                    .point_in_time_recovery_enabled(enabled)
                    .build()
                    .map_err(|e| ProvisionError::Aws { action: "PITR".into(), message: e.to_string() })?,
            )
            .send()
            .await
            .map_err(|e| aws_error(format!("enable point-in-time recovery on {name}"), e))?;
    }
    let described = aws
        .dynamodb
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .map_err(|e| aws_error(format!("describe table {name}"), e))?;
    let table = described.table.unwrap_or_else(|| aws_sdk_dynamodb::types::TableDescription::builder().build());
    let mut attributes = BTreeMap::from([("Arn".into(), table.table_arn.unwrap_or_default())]);
    if let Some(stream_arn) = table.latest_stream_arn {
        attributes.insert("StreamArn".into(), stream_arn);
    }
    Ok(Physical { reference: name.clone(), attributes })
}

/// CloudFormation queue properties that are not SQS queue attributes.
const QUEUE_NON_ATTRIBUTES: &[&str] = &["QueueName", "Tags"];

fn queue_attributes(props: &Json) -> Vec<(QueueAttributeName, String)> {
    let Some(map) = props.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(name, _)| !QUEUE_NON_ATTRIBUTES.contains(&name.as_str()))
        .map(|(name, value)| {
            let text = match value {
                Json::String(s) => s.clone(),
                Json::Object(_) | Json::Array(_) => value.to_string(),
                other => other.to_string(),
            };
            (QueueAttributeName::from(name.as_str()), text)
        })
        .collect()
}

async fn create_queue(
    aws: &LocalAws,
    template: &Template,
    resource: &Resource,
    props: &Json,
) -> Result<Physical, ProvisionError> {
    let name = physical_name(resource, props, "QueueName", &template.stack_name);
    let mut request = aws.sqs.create_queue().queue_name(&name);
    for (attribute, value) in queue_attributes(props) {
        request = request.attributes(attribute, value);
    }
    let url =
        request.send().await.map_err(|e| aws_error(format!("create queue {name}"), e))?.queue_url.unwrap_or_default();
    let attributes = aws
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| aws_error(format!("read queue {name}"), e))?;
    let arn = attributes.attributes.and_then(|mut a| a.remove(&QueueAttributeName::QueueArn)).unwrap_or_default();
    Ok(Physical {
        reference: url.clone(),
        attributes: BTreeMap::from([("Arn".into(), arn), ("QueueUrl".into(), url), ("QueueName".into(), name)]),
    })
}

/// The bucket's `NotificationConfiguration.QueueConfigurations`, as S3 applies them: each created object matching a
/// filter is reported to the queue (the emulator sends the notification to its SQS queue, as S3 does).
async fn put_bucket_notifications(aws: &LocalAws, bucket: &str, config: &Json) -> Result<(), ProvisionError> {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
        QueueConfiguration, S3KeyFilter,
    };
    let Some(queues) = config["QueueConfigurations"].as_array() else { return Ok(()) };
    let mut configurations = Vec::new();
    for queue in queues {
        let rules = queue["Filter"]["S3Key"]["Rules"].as_array().cloned().unwrap_or_default();
        let mut key_filter = S3KeyFilter::builder();
        for rule in &rules {
            key_filter = key_filter.filter_rules(
                FilterRule::builder()
                    .name(FilterRuleName::from(str_field(rule, "Name").to_ascii_lowercase().as_str()))
                    .value(str_field(rule, "Value"))
                    .build(),
            );
        }
        let configuration = QueueConfiguration::builder()
            .queue_arn(str_field(queue, "Queue"))
            .events(Event::from(str_field(queue, "Event")))
            .filter(NotificationConfigurationFilter::builder().key(key_filter.build()).build())
            .build()
            .map_err(|e| ProvisionError::Template(TemplateError::Shape(format!("{bucket} notification: {e}"))))?;
        configurations.push(configuration);
    }
    aws.s3
        .put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder().set_queue_configurations(Some(configurations)).build(),
        )
        .send()
        .await
        .map_err(|e| aws_error(format!("configure notifications of {bucket}"), e))?;
    // S3 checks each destination with an `s3:TestEvent` message; in AWS the consumer takes it at deploy time, and
    // so does provisioning here, so a stack's queues start empty.
    for queue in queues {
        let name = str_field(queue, "Queue").rsplit(':').next().unwrap_or_default();
        let Ok(url) = aws.sqs.get_queue_url().queue_name(name).send().await else { continue };
        let Some(url) = url.queue_url else { continue };
        let received = aws
            .sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .map_err(|e| aws_error(format!("read the test event of {name}"), e))?;
        for message in received.messages.unwrap_or_default() {
            let test_event = message.body.as_deref().is_some_and(|b| b.contains("\"s3:TestEvent\""));
            let handle = message.receipt_handle.unwrap_or_default();
            if test_event {
                aws.sqs
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(|e| aws_error(format!("take the test event of {name}"), e))?;
            } else {
                let back = aws.sqs.change_message_visibility().queue_url(&url).receipt_handle(handle);
                back.visibility_timeout(0)
                    .send()
                    .await
                    .map_err(|e| aws_error(format!("release a message of {name}"), e))?;
            }
        }
    }
    Ok(())
}

async fn create_bucket(
    aws: &LocalAws,
    template: &Template,
    resource: &Resource,
    props: &Json,
) -> Result<Physical, ProvisionError> {
    use aws_sdk_s3::types::{
        BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, VersioningConfiguration,
    };
    let name = physical_name(resource, props, "BucketName", &template.stack_name).to_lowercase();
    let mut request = aws.s3.create_bucket().bucket(&name);
    if template.region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(template.region.as_str()))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => {}
        Err(e) => return Err(aws_error(format!("create bucket {name}"), e)),
    }
    if str_field(&props["VersioningConfiguration"], "Status") == "Enabled" {
        aws.s3
            .put_bucket_versioning()
            .bucket(&name)
            .versioning_configuration(
                VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
            )
            .send()
            .await
            .map_err(|e| aws_error(format!("enable versioning on {name}"), e))?;
    }
    put_bucket_notifications(aws, &name, &props["NotificationConfiguration"]).await?;
    Ok(Physical {
        reference: name.clone(),
        attributes: BTreeMap::from([
            ("Arn".into(), format!("arn:aws:s3:::{name}")),
            ("DomainName".into(), format!("{name}.s3.amazonaws.com")),
        ]),
    })
}

async fn create_email_identity(aws: &LocalAws, props: &Json) -> Result<Physical, ProvisionError> {
    let identity = str_field(props, "EmailIdentity").to_owned();
    if identity.contains('@') {
        aws.ses
            .verify_email_identity()
            .email_address(&identity)
            .send()
            .await
            .map_err(|e| aws_error(format!("verify sender {identity}"), e))?;
    } else {
        aws.ses
            .verify_domain_identity()
            .domain(&identity)
            .send()
            .await
            .map_err(|e| aws_error(format!("verify domain {identity}"), e))?;
    }
    Ok(Physical { reference: identity, attributes: BTreeMap::new() })
}

async fn create_configuration_set(
    aws: &LocalAws,
    template: &Template,
    resource: &Resource,
    props: &Json,
) -> Result<Physical, ProvisionError> {
    let name = physical_name(resource, props, "Name", &template.stack_name);
    let set = aws_sdk_ses::types::ConfigurationSet::builder()
        .name(&name)
        .build()
        .map_err(|e| ProvisionError::Aws { action: format!("configuration set {name}"), message: e.to_string() })?;
    let created = aws.ses.create_configuration_set().configuration_set(set).send().await;
    match created {
        Ok(_) => {}
        // Provisioning again (a running emulator): it is there.
        Err(error) if error.as_service_error().is_some_and(|e| e.is_configuration_set_already_exists_exception()) => {}
        Err(error) => return Err(aws_error(format!("create configuration set {name}"), error)),
    }
    Ok(Physical { reference: name, attributes: BTreeMap::new() })
}

/// The value a secret's `GenerateSecretString` makes, as CloudFormation makes it: `SecretStringTemplate` (a JSON
/// object) with `GenerateStringKey` set to a random password of `PasswordLength` (default 32) characters from
/// Secrets Manager's `GetRandomPassword`; or `SecretString`.
async fn secret_value(aws: &LocalAws, props: &Json) -> Result<String, String> {
    if let Some(value) = props.get("SecretString").and_then(Json::as_str) {
        return Ok(value.to_owned());
    }
    let generate = props.get("GenerateSecretString").ok_or("a secret needs SecretString or GenerateSecretString")?;
    let length = generate.get("PasswordLength").and_then(Json::as_i64).unwrap_or(32);
    let random = aws
        .secrets
        .get_random_password()
        .password_length(length)
        .exclude_punctuation(generate.get("ExcludePunctuation").and_then(Json::as_bool).unwrap_or(false))
        .send()
        .await
        .map_err(|e| aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string())?
        .random_password
        .unwrap_or_default();
    match (generate.get("SecretStringTemplate").and_then(Json::as_str), generate.get("GenerateStringKey")) {
        (Some(template), Some(Json::String(key))) => {
            let mut value: Json = serde_json::from_str(template).map_err(|e| format!("SecretStringTemplate: {e}"))?;
            value[key.as_str()] = Json::String(random);
            Ok(value.to_string())
        }
        (None, None) => Ok(random),
        _ => Err("SecretStringTemplate and GenerateStringKey go together".into()),
    }
}

async fn create_secret(
    aws: &LocalAws,
    template: &Template,
    resource: &Resource,
    props: &Json,
) -> Result<Physical, ProvisionError> {
    let name = physical_name(resource, props, "Name", &template.stack_name);
    let existing = aws.secrets.describe_secret().secret_id(&name).send().await;
    let arn = match existing {
        Ok(described) => described.arn.unwrap_or_default(),
        Err(_) => {
            let value = secret_value(aws, props)
                .await
                .map_err(|detail| TemplateError::Shape(format!("{}: {detail}", resource.logical_id)))?;
            let created = aws
                .secrets
                .create_secret()
                .name(&name)
                .secret_string(value)
                .set_description(props.get("Description").and_then(Json::as_str).map(str::to_owned))
                .send()
                .await
                .map_err(|e| ProvisionError::Aws {
                    action: format!("create secret {name}"),
                    message: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
                })?;
            created.arn.unwrap_or_default()
        }
    };
    // `Ref` of a secret is its ARN; so is `Fn::GetAtt … Id`.
    Ok(Physical { reference: arn.clone(), attributes: BTreeMap::from([("Id".to_owned(), arn)]) })
}

/// Checks every data resource of the template against the emulator; returns what is missing or different.
pub async fn verify(aws: &LocalAws, template: &Template) -> Result<Vec<String>, ProvisionError> {
    let mut problems = Vec::new();
    let identities: BTreeSet<String> = aws
        .ses
        .list_identities()
        .send()
        .await
        .map_err(|e| aws_error("list SES identities", e))?
        .identities
        .into_iter()
        .collect();
    for resource in template.resources() {
        let id = &resource.logical_id;
        if !PROVISIONED_TYPES.contains(&resource.resource_type.as_str()) {
            continue;
        }
        let props = match template.resolve(&resource.properties) {
            Ok(props) => to_json(&props),
            Err(e) => {
                problems.push(format!("{id}: {e}"));
                continue;
            }
        };
        match resource.resource_type.as_str() {
            "AWS::DynamoDB::Table" => verify_table(aws, id, &props, &mut problems).await,
            "AWS::SQS::Queue" => {
                let name = physical_name(&resource, &props, "QueueName", &template.stack_name);
                match aws.sqs.get_queue_url().queue_name(&name).send().await {
                    Err(_) => problems.push(format!("{id}: queue {name} does not exist")),
                    Ok(found) => {
                        let url = found.queue_url.unwrap_or_default();
                        let attributes = aws
                            .sqs
                            .get_queue_attributes()
                            .queue_url(&url)
                            .attribute_names(QueueAttributeName::All)
                            .send()
                            .await
                            .map_err(|e| aws_error(format!("read queue {name}"), e))?
                            .attributes
                            .unwrap_or_default();
                        for (attribute, wanted) in queue_attributes(&props) {
                            let actual = attributes.get(&attribute).cloned().unwrap_or_default();
                            let same =
                                match (serde_json::from_str::<Json>(&wanted), serde_json::from_str::<Json>(&actual)) {
                                    (Ok(a @ Json::Object(_)), Ok(b)) => normalise(&a) == normalise(&b),
                                    _ => actual == wanted,
                                };
                            if !same {
                                problems.push(format!(
                                    "{id}: queue {name} has {attribute:?} = {actual:?}, template says {wanted:?}"
                                ));
                            }
                        }
                    }
                }
            }
            "AWS::S3::Bucket" => {
                let name = physical_name(&resource, &props, "BucketName", &template.stack_name).to_lowercase();
                if aws.s3.head_bucket().bucket(&name).send().await.is_err() {
                    problems.push(format!("{id}: bucket {name} does not exist"));
                }
            }
            "AWS::SES::EmailIdentity" => {
                let identity = str_field(&props, "EmailIdentity");
                if !identities.contains(identity) {
                    problems.push(format!("{id}: SES identity {identity} is not verified"));
                }
            }
            "AWS::SES::ConfigurationSet" => {
                let name = physical_name(&resource, &props, "Name", &template.stack_name);
                if aws.ses.describe_configuration_set().configuration_set_name(&name).send().await.is_err() {
                    problems.push(format!("{id}: SES configuration set {name} does not exist"));
                }
            }
            "AWS::SecretsManager::Secret" => {
                let name = physical_name(&resource, &props, "Name", &template.stack_name);
                let value = aws.secrets.get_secret_value().secret_id(&name).send().await;
                match value.ok().and_then(|v| v.secret_string) {
                    None => problems.push(format!("{id}: secret {name} does not exist or holds no text")),
                    Some(value)
                        if props
                            .get("GenerateSecretString")
                            .is_some_and(|g| g.get("SecretStringTemplate").is_some()) =>
                    {
                        if orders_domain::signing::KeyRing::parse(&value).is_err() {
                            problems.push(format!("{id}: secret {name} is not a signing key ring"));
                        }
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    Ok(problems)
}

/// Numbers as strings, so `{"maxReceiveCount": 5}` equals `{"maxReceiveCount": "5"}`.
fn normalise(value: &Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
        Json::Number(n) => Json::String(n.to_string()),
        other => other.clone(),
    }
}

async fn verify_table(aws: &LocalAws, id: &str, props: &Json, problems: &mut Vec<String>) {
    let name = str_field(props, "TableName");
    let Ok(described) = aws.dynamodb.describe_table().table_name(name).send().await else {
        problems.push(format!("{id}: table {name} does not exist"));
        return;
    };
    let table = described.table.unwrap_or_else(|| aws_sdk_dynamodb::types::TableDescription::builder().build());
    let actual: BTreeSet<String> =
        table.global_secondary_indexes().iter().filter_map(|i| i.index_name().map(str::to_owned)).collect();
    for index in props["GlobalSecondaryIndexes"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let index_name = str_field(index, "IndexName");
        if !actual.contains(index_name) {
            problems.push(format!("{id}: table {name} lacks GSI {index_name}"));
        }
    }
    if let Some(view) = props["StreamSpecification"]["StreamViewType"].as_str() {
        let actual = table.stream_specification().and_then(|s| s.stream_view_type()).map(|v| v.as_str().to_owned());
        if actual.as_deref() != Some(view) || table.latest_stream_arn().is_none() {
            problems.push(format!("{id}: table {name} streams {actual:?}, template says {view}"));
        }
    }
    if let Some(ttl) = props.get("TimeToLiveSpecification").filter(|t| t["Enabled"].as_bool() == Some(true)) {
        let described = aws.dynamodb.describe_time_to_live().table_name(name).send().await.ok();
        let description = described.and_then(|d| d.time_to_live_description);
        let status = description.as_ref().and_then(|d| d.time_to_live_status()).map(|s| s.as_str().to_owned());
        let attribute = description.as_ref().and_then(|d| d.attribute_name()).unwrap_or_default();
        if status.as_deref() != Some("ENABLED") || attribute != str_field(ttl, "AttributeName") {
            problems.push(format!("{id}: TTL on {name} is {status:?} on {attribute:?}"));
        }
    }
    if props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool() == Some(true) {
        let described = aws.dynamodb.describe_continuous_backups().table_name(name).send().await.ok();
        let status = described
            .and_then(|d| d.continuous_backups_description)
            .and_then(|d| d.point_in_time_recovery_description)
            .and_then(|p| p.point_in_time_recovery_status)
            .map(|s| s.as_str().to_owned());
        if status.as_deref() != Some("ENABLED") {
            problems.push(format!("{id}: point-in-time recovery on {name} is {status:?}"));
        }
    }
}
