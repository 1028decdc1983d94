//! Identifiers. Each can only be built valid, so code holding one never re-checks it.
//!
//! None of them may contain `#`, the separator of the table's composite keys.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(pub String);

fn check_token(kind: &str, value: &str, max_len: usize, allowed: impl Fn(char) -> bool) -> Result<(), InvalidId> {
    if value.is_empty() {
        return Err(InvalidId(format!("{kind} must not be empty")));
    }
    if value.chars().count() > max_len {
        return Err(InvalidId(format!("{kind} must be at most {max_len} characters")));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(InvalidId(format!("{kind} must not contain {bad:?}")));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $max:literal, $allowed:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and validates.
            pub fn parse(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                check_token($kind, &value, $max, $allowed)?;
                Ok(Self(value))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

fn slug_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
}

fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':')
}

string_id!(
    /// A seller (tenant). Comes only from the authenticated API key, never from a request.
    TenantId, "tenant id", 40, slug_char
);
string_id!(
    /// Stock keeping unit: the tenant's product code.
    Sku, "SKU", 64, code_char
);
string_id!(
    /// A buyer in the tenant's customer register (`C-1`, or `cus_…` for buyers created inline).
    CustomerId, "customer id", 64, code_char
);
string_id!(
    /// A warehouse of the tenant.
    WarehouseId, "warehouse id", 40, code_char
);
string_id!(
    /// Our order id: `ord_` followed by a time-ordered UUID (v7) in hex, so ids sort by creation.
    OrderId, "order id", 40, code_char
);

impl OrderId {
    /// A new, time-ordered id.
    pub fn generate() -> Self {
        Self(format!("ord_{}", uuid::Uuid::now_v7().simple()))
    }

    /// Parses an id taken from a URL: `ord_` + 32 lowercase hex digits.
    pub fn parse_public(value: &str) -> Result<Self, InvalidId> {
        let hex = value.strip_prefix("ord_").ok_or_else(|| InvalidId("order id must start with ord_".into()))?;
        if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            return Err(InvalidId("order id must be ord_ followed by 32 hex digits".into()));
        }
        Ok(Self(value.to_owned()))
    }
}

string_id!(
    /// A seller's quote: `quo_` followed by a time-ordered UUID (v7) in hex. Its versions share the id.
    QuoteId, "quote id", 40, code_char
);

impl QuoteId {
    /// A new, time-ordered id.
    pub fn generate() -> Self {
        Self(format!("quo_{}", uuid::Uuid::now_v7().simple()))
    }

    /// Parses an id taken from a URL: `quo_` + 32 lowercase hex digits.
    pub fn parse_public(value: &str) -> Result<Self, InvalidId> {
        let hex = value.strip_prefix("quo_").ok_or_else(|| InvalidId("quote id must start with quo_".into()))?;
        if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            return Err(InvalidId("quote id must be quo_ followed by 32 hex digits".into()));
        }
        Ok(Self(value.to_owned()))
    }
}

impl CustomerId {
    /// The id of a buyer posted inline, derived from the email address so the same buyer maps to one customer.
    pub fn for_inline_buyer(email: &crate::party::EmailAddress) -> Self {
        Self::derived_from(&email.as_str().to_lowercase())
    }

    /// The id of a buyer registered from its Peppol BIS Order, derived from its Peppol endpoint so every order of
    /// the endpoint names one customer.
    pub fn for_peppol_buyer(peppol: &crate::party::PeppolId) -> Self {
        Self::derived_from(&format!("peppol:{}:{}", peppol.scheme, peppol.id.to_lowercase()))
    }

    /// `cus_` and the first 24 hex digits of the SHA-256 of `seed`.
    fn derived_from(seed: &str) -> Self {
        use sha2::{Digest, Sha256};
        Self(format!("cus_{}", &hex::encode(Sha256::digest(seed.as_bytes()))[..24]))
    }
}

/// A new event id, `evt_` + UUID v7.
pub fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::now_v7().simple())
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A webshop posting orders and reading them back.
    Webshop,
    /// The seller's back-office staff.
    Operator,
    /// Warehouse staff (read orders, post despatches).
    Warehouse,
}

impl Role {
    /// Parses `webshop`, `operator` or `warehouse`.
    pub fn parse(value: &str) -> Result<Self, InvalidId> {
        match value {
            "webshop" => Ok(Self::Webshop),
            "operator" => Ok(Self::Operator),
            "warehouse" => Ok(Self::Warehouse),
            other => Err(InvalidId(format!("unknown role {other:?} (webshop, operator, warehouse)"))),
        }
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webshop => "webshop",
            Self::Operator => "operator",
            Self::Warehouse => "warehouse",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_the_key_separator_and_empty_values() {
        assert!(Sku::parse("SKU#1").is_err());
        assert!(Sku::parse("").is_err());
        assert!(TenantId::parse("Acme").is_err());
        assert!(TenantId::parse("acme-1").is_ok());
        assert!(Sku::parse("SKU-1/blue").is_ok());
    }

    #[test]
    fn generated_order_ids_parse_back_and_sort_by_time() {
        let a = OrderId::generate();
        let b = OrderId::generate();
        assert!(OrderId::parse_public(a.as_str()).is_ok());
        assert!(a < b);
        assert!(OrderId::parse_public("ord_XYZ").is_err());
        assert!(OrderId::parse_public("inv_0123456789abcdef0123456789abcdef").is_err());
    }
}
