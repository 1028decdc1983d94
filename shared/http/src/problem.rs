//! Errors of the HTTP API and their one mapping to RFC 9457 problem documents.

use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Response};
use orders_domain::FieldError;
use serde_json::json;

/// Base of the stable `type` URIs of our problems.
pub const PROBLEM_BASE: &str = "https://errors.orders.example";

/// Everything an API request can fail with. Client mistakes are 4xx; only our own faults are 5xx.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer` header, or an unknown key.
    #[error("missing or unknown API key, or an expired session")]
    Unauthorized,
    /// A buyer's magic link is not ours, expired or was revoked.
    #[error("{0}")]
    LinkRefused(&'static str),
    /// The buyer's link does not open this part of the portal (an order or quote link outside its order or quote).
    #[error("{0}")]
    OutOfLinkScope(&'static str),
    /// The key's role may not use this route.
    #[error("a {role} key may not {action}")]
    Forbidden {
        /// The caller's role.
        role: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A write authenticated by the session cookie without the session's CSRF token.
    #[error("a request authenticated by the console session must carry its CSRF token in X-CSRF-Token")]
    CsrfTokenMissing,
    /// Nothing at this path for this tenant (also for other tenants' ids).
    #[error("{0} not found")]
    NotFound(String),
    /// The path is there, but not under this method.
    #[error("{method} is not allowed on {path} (Allow: {})", allow_header(.allow))]
    MethodNotAllowed {
        /// Method used.
        method: String,
        /// Path requested.
        path: String,
        /// The methods the path has (the `Allow` header).
        allow: Vec<Method>,
    },
    /// The body is not JSON of the expected shape.
    #[error("malformed request: {detail}")]
    Malformed {
        /// Where parsing stopped (JSON Pointer).
        pointer: String,
        /// What the parser said.
        detail: String,
    },
    /// A query parameter is invalid.
    #[error("invalid query parameter {name}: {detail}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A header is invalid.
    #[error("invalid header {name}: {detail}")]
    InvalidHeader {
        /// Header name.
        name: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// Well-formed but breaking rules, each problem with a JSON Pointer.
    #[error("the request breaks {} rule(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// A business document (a Peppol Order) breaks its rules or holds what cannot be taken; each problem names its
    /// place (an XPath) and, when it is one, the official rule.
    #[error("the document is refused: {} problem(s)", .0.len())]
    DocumentRefused(Vec<orders_domain::peppol_order::DocumentProblem>),
    /// Body larger than allowed.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge {
        /// The limit.
        limit: usize,
    },
    /// Body is not `application/json`.
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    /// The request conflicts with the current state (e.g. an order number used for another order).
    #[error("{0}")]
    Conflict(String),
    /// A write that could be done twice by a retry came without `If-Match` or `Idempotency-Key`.
    #[error("{0}")]
    PreconditionRequired(String),
    /// `If-Match` names a version the resource no longer has.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The `Idempotency-Key` was used before with a different body.
    #[error("Idempotency-Key {0:?} was already used with a different request body")]
    IdempotencyKeyReused(String),
    /// The tenant sent more than its limit; try again after this many seconds.
    #[error("{detail}")]
    TooManyRequests {
        /// What limit.
        detail: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// A dependency (DynamoDB, SQS) failed; the client may retry.
    #[error("service temporarily unavailable: {0}")]
    Unavailable(String),
}

impl ApiError {
    /// HTTP status of the problem.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::LinkRefused(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::CsrfTokenMissing | Self::OutOfLinkScope(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Malformed { .. } | Self::InvalidParameter { .. } | Self::InvalidHeader { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::Validation(_) | Self::DocumentRefused(_) | Self::IdempotencyKeyReused(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Unauthorized => ("unauthorized", "Missing or unknown API key"),
            Self::LinkRefused(_) => ("link-refused", "This link does not open the portal"),
            Self::Forbidden { .. } => ("forbidden", "Not allowed for this key's role"),
            Self::OutOfLinkScope(_) => ("link-scope", "This link does not open that"),
            Self::CsrfTokenMissing => ("csrf-token-missing", "Missing or wrong CSRF token"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::Malformed { .. } => ("malformed-request", "Malformed request"),
            Self::InvalidParameter { .. } => ("invalid-parameter", "Invalid query parameter"),
            Self::InvalidHeader { .. } => ("invalid-header", "Invalid header"),
            Self::Validation(_) => ("validation", "The request is invalid"),
            Self::DocumentRefused(_) => ("document-refused", "The document breaks its rules or cannot be taken"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            Self::Conflict(_) => ("conflict", "Conflict with the current state"),
            Self::PreconditionFailed(_) => ("precondition-failed", "The resource changed since it was read"),
            Self::PreconditionRequired(_) => {
                ("precondition-required", "Send If-Match or Idempotency-Key so a retry cannot do it twice")
            }
            Self::IdempotencyKeyReused(_) => ("idempotency-key-reused", "Idempotency-Key reused with another body"),
            Self::Unavailable(_) => ("unavailable", "Service temporarily unavailable"),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
        }
    }

    /// The answer to an order beyond the seller's `orders_per_minute` (nothing was stored): 429 after which it may
    /// be sent again.
    pub fn order_limit(orders_per_minute: u32, retry_after: u64) -> Self {
        Self::TooManyRequests {
            detail: format!(
                "this seller takes at most {orders_per_minute} new orders a minute; nothing was stored: send it again \
                 in {retry_after} s"
            ),
            retry_after,
        }
    }

    /// The RFC 9457 problem document. `instance` identifies the request.
    pub fn problem(&self, instance: &str) -> serde_json::Value {
        let (slug, title) = self.slug_and_title();
        let mut problem = json!({
            "type": format!("{PROBLEM_BASE}/{slug}"),
            "title": title,
            "status": self.status().as_u16(),
            "detail": self.to_string(),
            "instance": instance,
        });
        match self {
            Self::Validation(errors) => problem["errors"] = json!(errors),
            Self::DocumentRefused(problems) => {
                let errors: Vec<_> = problems
                    .iter()
                    .map(|p| match p.rule {
                        Some(rule) => json!({ "rule": rule, "location": p.location, "detail": p.detail }),
                        None => json!({ "location": p.location, "detail": p.detail }),
                    })
                    .collect();
                problem["errors"] = json!(errors);
            }
            Self::Malformed { pointer, detail } => {
                problem["errors"] = json!([{ "pointer": pointer, "detail": detail }]);
            }
            Self::InvalidParameter { name, detail } => {
                problem["errors"] = json!([{ "parameter": name, "detail": detail }]);
            }
            Self::InvalidHeader { name, detail } => {
                problem["errors"] = json!([{ "header": name, "detail": detail }]);
            }
            _ => {}
        }
        problem
    }

    /// The problem as an HTTP response.
    pub fn into_response(self, instance: &str) -> Response<Body> {
        let status = self.status();
        let body = self.problem(instance).to_string();
        let mut builder = Response::builder().status(status).header(header::CONTENT_TYPE, "application/problem+json");
        match &self {
            Self::Unauthorized => builder = builder.header(header::WWW_AUTHENTICATE, "Bearer"),
            Self::MethodNotAllowed { allow, .. } => builder = builder.header(header::ALLOW, allow_header(allow)),
            Self::Unavailable(_) => builder = builder.header(header::RETRY_AFTER, "1"),
            Self::TooManyRequests { retry_after, .. } => {
                builder = builder.header(header::RETRY_AFTER, retry_after.to_string());
            }
            _ => {}
        }
        builder.body(Body::Text(body)).unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

/// The value of an `Allow` header: the methods, comma-separated.
fn allow_header(allow: &[Method]) -> String {
    allow.iter().map(Method::as_str).collect::<Vec<_>>().join(", ")
}

impl From<orders_aws::StoreError> for ApiError {
    fn from(error: orders_aws::StoreError) -> Self {
        tracing::error!(error = %error, "store failure");
        ApiError::Unavailable("the order store did not answer; retry with the same Idempotency-Key".into())
    }
}

impl From<orders_aws::SecretError> for ApiError {
    fn from(error: orders_aws::SecretError) -> Self {
        tracing::error!(error = %error, "signing keys unavailable");
        ApiError::Unavailable("the signing keys could not be read; retry in a moment".into())
    }
}

impl From<orders_domain::quote::QuoteRefusal> for ApiError {
    fn from(refusal: orders_domain::quote::QuoteRefusal) -> Self {
        match refusal {
            orders_domain::quote::QuoteRefusal::State(detail) => ApiError::Conflict(detail),
        }
    }
}

impl From<orders_domain::intake::RequestError> for ApiError {
    fn from(error: orders_domain::intake::RequestError) -> Self {
        use orders_domain::intake::RequestError;
        match error {
            RequestError::Malformed { pointer, detail } => ApiError::Malformed { pointer, detail },
            RequestError::Invalid(errors) => ApiError::Validation(errors),
        }
    }
}

impl From<orders_app::ordering::OrderingError> for ApiError {
    fn from(error: orders_app::ordering::OrderingError) -> Self {
        use orders_app::ordering::OrderingError;
        match error {
            OrderingError::Request(error) => error.into(),
            OrderingError::Invalid(errors) => ApiError::Validation(errors),
            OrderingError::Document(problems) => ApiError::DocumentRefused(problems),
            OrderingError::IdempotencyKeyReused(key) => ApiError::IdempotencyKeyReused(key),
            OrderingError::Conflict(detail) => ApiError::Conflict(detail),
            OrderingError::RateLimited { orders_per_minute, retry_after } => {
                ApiError::order_limit(orders_per_minute, retry_after)
            }
            OrderingError::NotFound(what) => ApiError::NotFound(what),
            OrderingError::Unavailable(detail) => ApiError::Unavailable(detail),
            OrderingError::Unauthorized => ApiError::Unauthorized,
            OrderingError::Store(error) => error.into(),
        }
    }
}

impl From<orders_app::webhooks::WebhookError> for ApiError {
    fn from(error: orders_app::webhooks::WebhookError) -> Self {
        use orders_app::webhooks::WebhookError;
        match error {
            WebhookError::NotFound(what) => ApiError::NotFound(what),
            WebhookError::Conflict(detail) | WebhookError::Refused(detail) => ApiError::Conflict(detail),
            WebhookError::Store(error) => error.into(),
            WebhookError::Secret(error) => error.into(),
            WebhookError::Queue(error) => {
                tracing::error!(%error, "webhook queue failure");
                ApiError::Unavailable("the delivery could not be queued; retry".into())
            }
            WebhookError::Malformed(detail) => ApiError::Unavailable(detail),
        }
    }
}

impl From<orders_app::staff::ActionError> for ApiError {
    fn from(error: orders_app::staff::ActionError) -> Self {
        use orders_app::staff::ActionError;
        match error {
            ActionError::NotFound(what) => ApiError::NotFound(what),
            ActionError::Conflict(detail) => ApiError::Conflict(detail),
            ActionError::Invalid(errors) => ApiError::Validation(errors),
            ActionError::PreconditionFailed(detail) => ApiError::PreconditionFailed(detail),
            ActionError::BadIfMatch(detail) => ApiError::InvalidHeader { name: "If-Match", detail },
            ActionError::KeptChanging(detail) => ApiError::Unavailable(detail),
            ActionError::Unavailable(detail) => ApiError::Unavailable(detail),
            ActionError::Unauthorized => ApiError::Unauthorized,
            ActionError::Store(error) => error.into(),
            ActionError::Secret(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_carry_pointers() {
        let error = ApiError::Validation(vec![FieldError::new("/lines/0/sku", "unknown SKU")]);
        let problem = error.problem("req-1");
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["type"], "https://errors.orders.example/validation");
        assert_eq!(problem["errors"][0]["pointer"], "/lines/0/sku");
        assert_eq!(problem["instance"], "req-1");
    }

    #[test]
    fn responses_are_problem_json() {
        let response = ApiError::Unauthorized.into_response("r");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
    }

    #[test]
    fn a_method_not_allowed_names_the_allowed_ones() {
        let error = ApiError::MethodNotAllowed {
            method: "DELETE".into(),
            path: "/v1/orders/ord_1".into(),
            allow: vec![Method::GET, Method::PATCH],
        };
        assert_eq!(error.problem("r")["type"], "https://errors.orders.example/method-not-allowed");
        let response = error.into_response("r");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "GET, PATCH");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
    }
}
