//! Request fingerprints for idempotency: the same JSON document, whatever its key order or whitespace, hashes
//! the same.

use sha2::{Digest, Sha256};

/// SHA-256 (hex) of the canonical form of a JSON document: object keys sorted, no insignificant whitespace.
pub fn json_fingerprint(value: &serde_json::Value) -> String {
    let mut canonical = String::new();
    write_canonical(value, &mut canonical);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Writes `value` with object keys sorted, whatever map ordering serde_json was built with.
fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// SHA-256 (hex) of an API key; only this is ever stored.
pub fn api_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new API key of `role`: a prefix saying what it is (`ows_` webshop, `oop_` operator, `owh_` warehouse) and
/// 244 random bits from the operating system (two UUID v4), and its public id (`key_` + 12 hex digits of its
/// hash).
pub fn new_api_key(role: crate::ids::Role) -> (String, String) {
    let random = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let prefix = match role {
        crate::ids::Role::Webshop => "ows",
        crate::ids::Role::Operator => "oop",
        crate::ids::Role::Warehouse => "owh",
    };
    let secret = format!("{prefix}_{random}");
    let key_id = format!("key_{}", &api_key_hash(&secret)[..12]);
    (secret, key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_whitespace_do_not_change_the_fingerprint() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":[1,2]}"#).expect("json");
        let b: serde_json::Value = serde_json::from_str("{ \"b\": [1, 2],\n \"a\": 1 }").expect("json");
        let c: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":[2,1]}"#).expect("json");
        assert_eq!(json_fingerprint(&a), json_fingerprint(&b));
        assert_ne!(json_fingerprint(&a), json_fingerprint(&c));
    }
}
