//! The time-to-first-response benchmark's peer: a bare `lambda_runtime` function that makes one SDK call per
//! event (a DynamoDB `GetItem` on `TABLE_NAME`), with the SDK configured from the environment as the functions
//! configure it.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let table = std::env::var("TABLE_NAME")?;
    let dynamodb = orders_aws::dynamodb_client(&orders_aws::sdk_config());
    let dynamodb = &dynamodb;
    let table = &table;
    run(service_fn(|_: LambdaEvent<Value>| async move {
        let key = orders_aws::aws_sdk_dynamodb::types::AttributeValue::S("HELLO".into());
        let read = dynamodb.get_item().table_name(table).key("PK", key.clone()).key("SK", key).send().await?;
        Ok::<_, Error>(json!({"found": read.item.is_some()}))
    }))
    .await
}
