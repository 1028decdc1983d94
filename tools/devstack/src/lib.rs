//! The local runner: starts the moto emulator, provisions it from infra/template.yaml, seeds demo data, serves
//! the HTTP API routes of the template with the real handlers and delivers SQS batches to them.
//!
//! The tests use the same pieces (through `orders-testkit`), so `make dev` and `make test` exercise one stack.

pub mod aws;
pub mod emulator;
pub mod mail;
pub mod provision;
pub mod redrive;
mod resource_types;
pub mod seed;
pub mod server;
pub mod sqs_runner;
pub mod stack;
pub mod stream_runner;
pub mod template;
mod template_functions;
mod template_intrinsics;

use std::sync::Arc;

pub use aws::LocalAws;
pub use stack::LocalStack;

/// A consumer for every SQS event source of the template, delivering to the function's handler.
pub async fn consumers(stack: &LocalStack) -> Result<Vec<sqs_runner::QueueConsumer>, String> {
    {
        let mut consumers = Vec::new();
        for (function, queue, _batch) in stack.template.sqs_event_sources() {
            let handler: sqs_runner::SqsHandler = match function.as_str() {
                "ConfirmationFunction" => {
                    let app = Arc::new(stack.confirmation()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(async move { ::confirmation::handle(&app, event).await.map_err(|e| e.to_string()) })
                    })
                }
                "ShipmentFunction" => {
                    let app = Arc::new(stack.shipment()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(async move { ::shipment::handle(&app, event).await.map_err(|e| e.to_string()) })
                    })
                }
                "InvoicingFunction" => {
                    let app = Arc::new(stack.invoicing()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(async move { ::invoicing::handle(&app, event).await.map_err(|e| e.to_string()) })
                    })
                }
                "ReportingFunction" => {
                    let app = Arc::new(stack.reporting()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(
                            async move { ::reporting::handle_queued(&app, event).await.map_err(|e| e.to_string()) },
                        )
                    })
                }
                "FeedbackFunction" => {
                    let app = Arc::new(stack.feedback()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(async move { ::feedback::handle(&app, event).await.map_err(|e| e.to_string()) })
                    })
                }
                "InboundFunction" => {
                    let app = Arc::new(stack.inbound()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(async move { ::inbound::handle(&app, event).await.map_err(|e| e.to_string()) })
                    })
                }
                "WebhooksFunction" => {
                    let app = Arc::new(stack.webhooks()?);
                    Arc::new(move |event| {
                        let app = app.clone();
                        Box::pin(
                            async move { ::webhooks::handle_deliveries(&app, event).await.map_err(|e| e.to_string()) },
                        )
                    })
                }
                other => return Err(format!("{other} consumes {queue} but is not served locally; add it to devstack")),
            };
            let url = stack.reference(&queue).ok_or_else(|| format!("queue {queue} is not provisioned"))?;
            consumers
                .push(sqs_runner::QueueConsumer::new(stack.aws.sqs.clone(), url, &stack.aws.region, handler).await?);
        }
        Ok(consumers)
    }
}

/// A consumer for every DynamoDB stream event source of the template, delivering to the function's handler.
pub async fn stream_consumers(stack: &LocalStack) -> Result<Vec<stream_runner::StreamConsumer>, String> {
    let mut consumers = Vec::new();
    for source in stack.template.stream_event_sources() {
        let handler: stream_runner::StreamHandler = match source.function.as_str() {
            "ArchiveFunction" => {
                let app = Arc::new(stack.archive()?);
                Arc::new(move |event| {
                    let app = app.clone();
                    Box::pin(async move { ::archive::handle(&app, event).await.map_err(|e| e.to_string()) })
                })
            }
            "ReportingFunction" => {
                let app = Arc::new(stack.reporting()?);
                Arc::new(move |event| {
                    let app = app.clone();
                    Box::pin(async move { ::reporting::handle_stream(&app, event).await.map_err(|e| e.to_string()) })
                })
            }
            "WebhooksFunction" => {
                let app = Arc::new(stack.webhooks()?);
                Arc::new(move |event| {
                    let app = app.clone();
                    Box::pin(async move { ::webhooks::handle_stream(&app, event).await.map_err(|e| e.to_string()) })
                })
            }
            other => {
                return Err(format!("{other} reads the stream of {} but is not served locally", source.table));
            }
        };
        let stream_arn = stack
            .template
            .physical(&source.table)
            .and_then(|p| p.attributes.get("StreamArn"))
            .ok_or_else(|| format!("table {} has no stream (StreamSpecification)", source.table))?;
        let settings = stream_runner::StreamSettings {
            function: source.function.clone(),
            batch_size: source.batch_size,
            trim_horizon: source.trim_horizon,
            maximum_retry_attempts: source.maximum_retry_attempts,
            on_failure_queue_url: source.on_failure.as_deref().and_then(|q| stack.reference(q)).map(str::to_owned),
            filters: source.filters.clone(),
        };
        consumers.push(
            stream_runner::StreamConsumer::new(
                stack.aws.streams.clone(),
                stack.aws.sqs.clone(),
                stream_arn,
                &stack.aws.region,
                handler,
                settings,
            )
            .await?,
        );
    }
    Ok(consumers)
}

/// Runs the scheduled functions of the template at their rate until the tasks are aborted.
pub fn spawn_schedules(stack: &LocalStack) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
    let mut tasks = Vec::new();
    for (function, expression) in stack.template.schedules() {
        if function == "RelayFunction" && expression.starts_with("cron(") {
            // The relay's daily rule: standing orders.
            let (hour, minute) = template::daily_cron(&expression)
                .ok_or_else(|| format!("{function}: {expression} is not a daily cron expression"))?;
            let relay = stack.relay()?;
            tasks.push(tokio::spawn(async move {
                loop {
                    let now = time::OffsetDateTime::now_utc();
                    let today = now.replace_time(time::Time::from_hms(hour, minute, 0).unwrap_or(time::Time::MIDNIGHT));
                    let next = if today > now { today } else { today + time::Duration::days(1) };
                    tokio::time::sleep((next - now).unsigned_abs()).await;
                    let now = time::OffsetDateTime::now_utc();
                    match relay.place_standing_occurrences(now.date(), now).await {
                        Ok(report) => tracing::info!(?report, "standing orders"),
                        Err(error) => tracing::warn!(%error, "standing orders failed"),
                    }
                }
            }));
            continue;
        }
        if function == "ReportingFunction" {
            let (hour, minute) = template::daily_cron(&expression)
                .ok_or_else(|| format!("{function}: {expression} is not a daily cron expression"))?;
            let reporting = stack.reporting()?;
            tasks.push(tokio::spawn(async move {
                loop {
                    let now = time::OffsetDateTime::now_utc();
                    let today = now.replace_time(time::Time::from_hms(hour, minute, 0).unwrap_or(time::Time::MIDNIGHT));
                    let next = if today > now { today } else { today + time::Duration::days(1) };
                    let wait = (next - now).unsigned_abs();
                    tokio::time::sleep(wait).await;
                    let event = aws_lambda_events::eventbridge::EventBridgeEvent::<::reporting::ReportRun>::default();
                    match ::reporting::handle(&reporting, event).await {
                        Ok(summary) => tracing::info!(?summary, "reports"),
                        Err(error) => tracing::warn!(%error, "reports failed"),
                    }
                }
            }));
            continue;
        }
        let seconds =
            template::rate_seconds(&expression).ok_or_else(|| format!("{function}: {expression} is not a rate"))?;
        match function.as_str() {
            "RelayFunction" => {
                let relay = stack.relay()?;
                tasks.push(tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
                        match relay.run_once(time::OffsetDateTime::now_utc()).await {
                            Ok(report) if report.pending > 0 => tracing::info!(?report, "relay"),
                            Ok(_) => {}
                            Err(error) => tracing::warn!(%error, "relay failed"),
                        }
                    }
                }));
            }
            other => return Err(format!("{other} runs on a schedule but is not served locally; add it to devstack")),
        }
    }
    Ok(tasks)
}

/// A Lambda HTTP handler's answer as API Gateway relays it: a function error becomes 502.
fn gateway_response(
    result: Result<lambda_http::Response<lambda_http::Body>, lambda_http::Error>,
) -> lambda_http::Response<lambda_http::Body> {
    result.unwrap_or_else(|error| {
        let body = serde_json::json!({ "message": error.to_string() }).to_string();
        let mut response = lambda_http::Response::new(lambda_http::Body::Text(body));
        *response.status_mut() = lambda_http::http::StatusCode::BAD_GATEWAY;
        response
    })
}

/// A gateway serving every function of `stack` that has HTTP routes.
pub fn gateway(stack: &LocalStack) -> Result<server::Gateway, String> {
    let dynamodb = stack.aws.dynamodb.clone();
    let table = stack.table_name().to_owned();
    let health = move || {
        let dynamodb = dynamodb.clone();
        let table = table.clone();
        Box::pin(async move { dynamodb.describe_table().table_name(table).send().await.is_ok() })
            as std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
    };
    let intake = Arc::new(stack.intake()?);
    let intake_handler: server::HttpHandler = Arc::new(move |request| {
        let intake = intake.clone();
        Box::pin(async move { gateway_response(::intake::handle(&intake, request).await) })
    });
    let backoffice = Arc::new(stack.backoffice()?);
    let backoffice_handler: server::HttpHandler = Arc::new(move |request| {
        let backoffice = backoffice.clone();
        Box::pin(async move { gateway_response(::backoffice::handle(&backoffice, request).await) })
    });
    let billing = Arc::new(stack.billing()?);
    let billing_handler: server::HttpHandler = Arc::new(move |request| {
        let billing = billing.clone();
        Box::pin(async move { gateway_response(::billing::handle(&billing, request).await) })
    });
    let reports = Arc::new(stack.reports()?);
    let reports_handler: server::HttpHandler = Arc::new(move |request| {
        let reports = reports.clone();
        Box::pin(async move { gateway_response(::reports::handle(&reports, request).await) })
    });
    let endpoints = Arc::new(stack.webhook_endpoints()?);
    let endpoints_handler: server::HttpHandler = Arc::new(move |request| {
        let endpoints = endpoints.clone();
        Box::pin(async move { gateway_response(::webhook_endpoints::handle(&endpoints, request).await) })
    });
    let console = Arc::new(stack.console()?);
    let console_handler: server::HttpHandler = Arc::new(move |request| {
        let console = console.clone();
        Box::pin(async move { gateway_response(::console::handle(&console, request).await) })
    });
    let portal = Arc::new(stack.portal()?);
    let portal_handler: server::HttpHandler = Arc::new(move |request| {
        let portal = portal.clone();
        Box::pin(async move { gateway_response(::portal::handle(&portal, request).await) })
    });
    Ok(server::Gateway::new(stack.template.http_routes(), health)
        .with_default_route(stack.template.default_route())
        .with_function("IntakeFunction", intake_handler)
        .with_function("BackofficeFunction", backoffice_handler)
        .with_function("BillingFunction", billing_handler)
        .with_function("ReportsFunction", reports_handler)
        .with_function("WebhookEndpointsFunction", endpoints_handler)
        .with_function("ConsoleFunction", console_handler)
        .with_function("PortalFunction", portal_handler))
}
