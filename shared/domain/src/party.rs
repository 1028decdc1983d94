//! Who takes part in an order and where (docs/domain.md "Parties"): email addresses, language tags, postal addresses
//! and Peppol participant ids — plain values shared by orders, customers, tenants and documents.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A syntactically valid email address (RFC 5322 addr-spec, no display name, no CR/LF).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address such as `anna@example.se`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let bad = || format!("{value:?} is not a valid email address");
        if value.len() > 254 || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad());
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            value,
            email_address::Options::default().without_display_text().without_domain_literal(),
        )
        .map_err(|_| bad())?;
        if !parsed.domain().contains('.') {
            return Err(bad());
        }
        Ok(Self(value.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A BCP 47 language tag, lower-cased primary subtag (`sv`, `zh`, `en-GB`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

impl Language {
    /// Parses a well-formed tag: a 2–3 letter primary language with optional 2–8 character subtags.
    pub fn parse(value: &str) -> Result<Self, String> {
        let bad = || format!("{value:?} is not a BCP 47 language tag such as \"sv\" or \"en-GB\"");
        let mut parts = value.split('-');
        let primary = parts.next().unwrap_or_default();
        if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut tag = primary.to_ascii_lowercase();
        for part in parts {
            if !(1..=8).contains(&part.len()) || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            tag.push('-');
            tag.push_str(part);
        }
        Ok(Self(tag))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// English, the last fallback.
    pub fn english() -> Self {
        Self("en".into())
    }
}

impl TryFrom<String> for Language {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Language> for String {
    fn from(value: Language) -> Self {
        value.0
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Recipient or company name.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Optional second line (c/o, building).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_street: Option<String>,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// A Peppol participant: an Electronic Address Scheme code (`0007` Swedish organisation number, `0088` GLN, …)
/// and the identifier in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PeppolId {
    /// EAS code.
    pub scheme: String,
    /// Identifier.
    pub id: String,
}

impl PeppolId {
    /// Checks the shape: a four-digit EAS code and an identifier of 1–64 visible characters. (Whether the code is
    /// on the EAS list and the identifier's check digits are right is the Peppol validator's business.)
    pub fn parse(scheme: &str, id: &str) -> Result<Self, String> {
        if scheme.len() != 4 || !scheme.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{scheme:?} is not a four-digit Electronic Address Scheme code such as \"0007\""));
        }
        if id.is_empty() || id.chars().count() > 64 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the identifier must be 1 to 64 characters without spaces".into());
        }
        Ok(Self { scheme: scheme.to_owned(), id: id.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_must_be_plain_addr_specs() {
        assert!(EmailAddress::parse("anna@example.se").is_ok());
        assert!(EmailAddress::parse("Anna <anna@example.se>").is_err());
        assert!(EmailAddress::parse("anna@example.se\r\nBcc: x@y.z").is_err());
        assert!(EmailAddress::parse("anna@localhost").is_err());
        assert!(EmailAddress::parse("not-an-address").is_err());
    }

    #[test]
    fn languages_are_bcp47_tags() {
        assert_eq!(Language::parse("SV").map(|l| l.as_str().to_owned()), Ok("sv".into()));
        assert!(Language::parse("en-GB").is_ok());
        assert!(Language::parse("english").is_err());
        assert!(Language::parse("").is_err());
    }
}
