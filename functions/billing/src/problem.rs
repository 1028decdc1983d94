//! The one mapping of the billing use cases' errors to problem documents (docs/api-conventions.md).

use orders_app::billing::BillingError;
use orders_http::ApiError;

/// The problem `error` is answered with.
pub(crate) fn problem(error: BillingError) -> ApiError {
    match error {
        BillingError::NotFound(what) => ApiError::NotFound(what),
        BillingError::Conflict(detail) => ApiError::Conflict(detail),
        BillingError::Invalid(errors) => ApiError::Validation(errors),
        BillingError::PreconditionFailed(detail) => ApiError::PreconditionFailed(detail),
        BillingError::PreconditionRequired(detail) => ApiError::PreconditionRequired(detail),
        BillingError::BadIfMatch(detail) => ApiError::InvalidHeader { name: "If-Match", detail },
        BillingError::IdempotencyKeyReused(key) => ApiError::IdempotencyKeyReused(key),
        BillingError::KeptChanging(detail) | BillingError::Unavailable(detail) => ApiError::Unavailable(detail),
        BillingError::Store(error) => error.into(),
    }
}
