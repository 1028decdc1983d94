//! SDK clients for the local emulator.

/// Clients of every service the template uses, pointed at one emulator endpoint.
#[derive(Debug, Clone)]
pub struct LocalAws {
    /// Emulator endpoint (`http://127.0.0.1:PORT`).
    pub endpoint: String,
    /// Region.
    pub region: String,
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// SES (v1).
    pub ses: aws_sdk_ses::Client,
    /// S3 (path-style addressing, as a local endpoint needs).
    pub s3: aws_sdk_s3::Client,
    /// DynamoDB Streams.
    pub streams: aws_sdk_dynamodbstreams::Client,
    /// Secrets Manager.
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl LocalAws {
    /// Clients for the emulator at `endpoint`.
    pub fn connect(endpoint: &str, region: &str) -> Self {
        Self::connect_as(endpoint, region, "test")
    }

    /// Clients for the emulator at `endpoint` that sign with `access_key_id`: each local function signs with its
    /// own (`{stack}.{function}`), as each deployed function has its own role, so that the emulator's fault
    /// switchboard can pick one stack's or one function's requests (scripts/devstack_faults.py).
    pub fn connect_as(endpoint: &str, region: &str, access_key_id: &str) -> Self {
        let sdk = orders_aws::environment_sdk_config(|name| match name {
            "AWS_REGION" => Some(region.to_owned()),
            "AWS_ACCESS_KEY_ID" => Some(access_key_id.to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("test".to_owned()),
            "AWS_ENDPOINT_URL" => Some(endpoint.to_owned()),
            _ => None,
        });
        Self {
            endpoint: endpoint.to_owned(),
            region: region.to_owned(),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            ses: aws_sdk_ses::Client::new(&sdk),
            s3: orders_aws::s3_client(&sdk),
            streams: aws_sdk_dynamodbstreams::Client::new(&sdk),
            secrets: aws_sdk_secretsmanager::Client::new(&sdk),
        }
    }
}
