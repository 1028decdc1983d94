//! The local runner: starts the moto emulator, provisions it from infra/template.yaml, seeds demo data, serves
//! the HTTP API routes of the template with the real handlers and delivers SQS batches to them.
//!
//! The tests use the same pieces (through `orders-testkit`), so `make dev` and `make test` exercise one stack.

pub mod aws;
pub mod emulator;
pub mod provision;
pub mod seed;
pub mod server;
pub mod sqs_runner;
pub mod stack;
pub mod template;

use std::sync::Arc;

pub use aws::LocalAws;
pub use stack::LocalStack;

/// A gateway serving every function of `stack` that has HTTP routes.
pub fn gateway(stack: &LocalStack) -> Result<server::Gateway, String> {
    let intake = Arc::new(stack.intake()?);
    let dynamodb = stack.aws.dynamodb.clone();
    let table = stack.table_name().to_owned();
    let health = move || {
        let dynamodb = dynamodb.clone();
        let table = table.clone();
        Box::pin(async move {
            dynamodb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .is_ok()
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
    };
    let intake_handler: server::HttpHandler = Arc::new(move |request| {
        let intake = intake.clone();
        Box::pin(async move {
            match ::intake::handle(&intake, request).await {
                Ok(response) => response,
                Err(error) => {
                    let mut response = lambda_http::Response::new(lambda_http::Body::Text(
                        format!("{{\"message\":\"{error}\"}}"),
                    ));
                    *response.status_mut() = lambda_http::http::StatusCode::BAD_GATEWAY;
                    response
                }
            }
        })
    });
    Ok(server::Gateway::new(stack.template.http_routes(), health)
        .with_function("IntakeFunction", intake_handler))
}
