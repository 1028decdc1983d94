//! A new API key as its maker asks for it (`POST /v1/api-keys`, `orders-admin key create`): a name, a role, the
//! channel a webshop key posts for, and the last day it works.

use serde::Deserialize;
use time::{Date, Time};

use crate::ids::Role;
use crate::parsing::{malformed_at, RequestError};
use crate::validation::{text_problem, FieldError};

/// The furthest a key's expiry may be set (days from today).
pub const MAX_VALID_DAYS: i64 = 2 * 366;

/// A key to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// What it is for (1 to 100 characters).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The channel a webshop key's orders come from (`default` unless named).
    pub channel: String,
    /// Unix time it stops working (the end of its last day, UTC), if it does.
    pub valid_until: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKeyBody {
    name: Option<String>,
    role: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    expires_date: Option<String>,
}

/// Reads `{"name", "role": "webshop" | "operator" | "warehouse", "channel"?, "expires_date"?}` on `today` (UTC);
/// a key works until the end of `expires_date`, from today to [`MAX_VALID_DAYS`] ahead.
pub fn parse_new_key(json: &str, today: Date) -> Result<NewApiKey, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: NewKeyBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = Vec::new();
    let name = match body.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() && name.chars().count() <= 100 => match text_problem(name, false) {
            Some(problem) => {
                errors.push(FieldError::new("/name", problem));
                None
            }
            None => Some(name.to_owned()),
        },
        _ => {
            errors.push(FieldError::new("/name", "give the key a name of 1 to 100 characters"));
            None
        }
    };
    let role = match body.role.as_deref().map(Role::parse) {
        Some(Ok(role)) => Some(role),
        Some(Err(e)) => {
            errors.push(FieldError::new("/role", e.0));
            None
        }
        None => {
            errors.push(FieldError::new("/role", "webshop, operator or warehouse"));
            None
        }
    };
    let channel = body.channel.unwrap_or_else(|| "default".into());
    let channel_ok = !channel.is_empty()
        && channel.len() <= 64
        && channel.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !channel_ok {
        errors.push(FieldError::new("/channel", "1 to 64 letters, digits, '-', '_' or '.'"));
    }
    let valid_until = match body.expires_date.as_deref() {
        None => None,
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            match Date::parse(text, &format) {
                Ok(date) if date >= today && date <= today + time::Duration::days(MAX_VALID_DAYS) => {
                    Some((date + time::Duration::days(1)).with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
                }
                _ => {
                    errors.push(FieldError::new(
                        "/expires_date",
                        format!("a date from today to {MAX_VALID_DAYS} days ahead, as YYYY-MM-DD"),
                    ));
                    None
                }
            }
        }
    };
    match (name, role, errors.is_empty()) {
        (Some(name), Some(role), true) => Ok(NewApiKey { name, role, channel, valid_until }),
        _ => Err(RequestError::Invalid(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::pointers;

    #[test]
    fn a_key_needs_a_name_and_a_role_and_expires_within_two_years() {
        let today = time::macros::date!(2026 - 12 - 04);
        let key = parse_new_key(r#"{"name": "Shop", "role": "webshop", "expires_date": "2026-12-31"}"#, today)
            .expect("valid");
        assert_eq!((key.role, key.channel.as_str()), (Role::Webshop, "default"));
        assert_eq!(key.valid_until, Some(time::macros::datetime!(2027-01-01 0:00 UTC).unix_timestamp()));
        assert_eq!(
            pointers(parse_new_key(r#"{"role": "admin", "channel": "a b", "expires_date": "2029-01-01"}"#, today)),
            ["/name", "/role", "/channel", "/expires_date"]
        );
    }
}
