//! Requests of the back office, parsed like intake's: every problem with a JSON Pointer — stock updates, products,
//! customer prices and customers, and the manual order response with its allowances and charges.

use rust_decimal::Decimal;

use crate::money::{significant_scale, JsonDecimal};
use crate::parsing::{decimal, max_magnitude};
use crate::validation::FieldErrors;

mod adjustments;
mod api_keys;
mod customers;
mod products;
mod response;
mod stock_update;
mod tenants;

pub(crate) use adjustments::parse_adjustments;
pub(crate) use adjustments::AdjustmentBody;
pub use adjustments::{resolve_adjustments, AdjustmentRequest};
pub use api_keys::{parse_new_key, NewApiKey, MAX_VALID_DAYS};
pub use customers::parse_customer;
pub use products::{parse_customer_price, parse_product};
pub use response::{apply_manual_response, parse_manual_response, Decision, LineChange, ManualResponse};
pub use stock_update::{parse_stock_update, StockUpdate};
pub use tenants::{changed_settings, parse_settings, parse_tenant};

/// The request-parsing kit lives in [`crate::parsing`]; re-exported where it always was.
pub use crate::parsing::RequestError;

fn non_negative(errors: &mut FieldErrors, pointer: &str, raw: &JsonDecimal, max_scale: u32) -> Option<Decimal> {
    let value = decimal(errors, pointer, raw)?;
    if value < Decimal::ZERO || significant_scale(value) > max_scale || value > max_magnitude() {
        errors.push(pointer, format!("must be from 0 to {} with at most {max_scale} decimals", max_magnitude()));
        return None;
    }
    // Kept as written: a price sent as "120.00" is shown as "120.00".
    Some(value)
}

/// The pointers of every problem of a parse (`malformed:` and the pointer when it could not be read at all).
#[cfg(test)]
fn pointers(result: Result<impl std::fmt::Debug, RequestError>) -> Vec<String> {
    match result {
        Ok(_) => vec![],
        Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect(),
        Err(RequestError::Malformed { pointer, .. }) => vec![format!("malformed:{pointer}")],
    }
}
