//! A seller's settings as the platform operator writes them (`orders-admin tenant create --file tenant.json`,
//! `examples/tenant.json`): the stored settings' own JSON, read strictly — an unknown field is a typo, not something
//! to ignore — and checked beyond what the types say: warehouses, tracking links, bank account, VAT id, series.

use crate::parsing::{malformed_at, RequestError};
use crate::tenant::TenantSettings;
use crate::validation::{text_problem, FieldErrors};

/// The fields a tenant file may have, at its top level and in `invoicing`, `portal`, `limits` and `peppol_orders`.
const TOP_FIELDS: [&str; 15] = [
    "tenant",
    "name",
    "currency",
    "language",
    "warehouses",
    "order_desk_email",
    "response_policy",
    "shortage_policy",
    "tracking_url_templates",
    "invoice_trigger",
    "peppol_id",
    "invoicing",
    "portal",
    "limits",
    "peppol_orders",
];
const INVOICING_FIELDS: [&str; 9] = [
    "vat_id",
    "legal_registration_id",
    "address",
    "iban",
    "bic",
    "payment_terms_days",
    "invoice_prefix",
    "credit_note_prefix",
    "debit_note_prefix",
];
const PORTAL_FIELDS: [&str; 1] = ["typed_delivery_addresses"];
const LIMITS_FIELDS: [&str; 1] = ["orders_per_minute"];
const PEPPOL_ORDERS_FIELDS: [&str; 2] = ["buyer_prices", "unknown_buyers"];

/// Reads a tenant file: every problem with a JSON Pointer.
pub fn parse_tenant(json: &str) -> Result<TenantSettings, RequestError> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| RequestError::Malformed { pointer: String::new(), detail: e.to_string() })?;
    let mut errors = FieldErrors::new();
    unknown_fields(&mut errors, "", &value, &TOP_FIELDS);
    for (field, known) in [
        ("invoicing", &INVOICING_FIELDS[..]),
        ("portal", &PORTAL_FIELDS),
        ("limits", &LIMITS_FIELDS),
        ("peppol_orders", &PEPPOL_ORDERS_FIELDS),
    ] {
        if let Some(inner) = value.get(field) {
            unknown_fields(&mut errors, &format!("/{field}"), inner, known);
        }
    }
    if !errors.is_empty() {
        return Err(RequestError::Invalid(errors.into_vec()));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let settings: TenantSettings = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    check(&mut errors, &settings);
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(RequestError::Invalid(errors.into_vec()))
    }
}

/// Reads a seller's settings as the seller sends them (`PUT /v1/settings`): the tenant file's format, for the
/// caller's own `tenant` (the body may name it, and then only it).
pub fn parse_settings(json: &str, tenant: &crate::ids::TenantId) -> Result<TenantSettings, RequestError> {
    let mut value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| RequestError::Malformed { pointer: String::new(), detail: e.to_string() })?;
    let Some(object) = value.as_object_mut() else {
        return Err(RequestError::Malformed {
            pointer: String::new(),
            detail: "the settings are a JSON object".into(),
        });
    };
    match object.get("tenant") {
        None => {
            object.insert("tenant".into(), serde_json::Value::String(tenant.as_str().to_owned()));
        }
        Some(named) if named.as_str() == Some(tenant.as_str()) => {}
        Some(_) => {
            return Err(RequestError::Invalid(vec![crate::validation::FieldError::new(
                "/tenant",
                format!("these are the settings of {tenant}; leave tenant out or name it"),
            )]))
        }
    }
    parse_tenant(&value.to_string())
}

/// The top-level settings that differ between `before` and `after`, in [`TOP_FIELDS`] order.
pub fn changed_settings(before: &TenantSettings, after: &TenantSettings) -> Vec<String> {
    let (before, after) =
        (serde_json::to_value(before).unwrap_or_default(), serde_json::to_value(after).unwrap_or_default());
    TOP_FIELDS
        .iter()
        .filter(|field| before.get(**field) != after.get(**field))
        .map(|field| (*field).to_owned())
        .collect()
}

fn unknown_fields(errors: &mut FieldErrors, pointer: &str, value: &serde_json::Value, known: &[&str]) {
    for name in value.as_object().map(|o| o.keys().collect::<Vec<_>>()).unwrap_or_default() {
        if !known.contains(&name.as_str()) {
            errors.push(format!("{pointer}/{name}"), format!("unknown field; the fields are {}", known.join(", ")));
        }
    }
}

fn check(errors: &mut FieldErrors, settings: &TenantSettings) {
    if settings.name.trim().is_empty() || settings.name.chars().count() > 200 {
        errors.push("/name", "1 to 200 characters");
    } else if let Some(problem) = text_problem(&settings.name, false) {
        errors.push("/name", problem);
    }
    if settings.warehouses.is_empty() {
        errors.push("/warehouses", "at least one warehouse, in the order stock is reserved from");
    }
    for (i, warehouse) in settings.warehouses.iter().enumerate() {
        if settings.warehouses[..i].contains(warehouse) {
            errors.push(format!("/warehouses/{i}"), format!("{} is named twice", warehouse.as_str()));
        }
    }
    for (carrier, template) in &settings.tracking_url_templates {
        let pointer = format!("/tracking_url_templates/{carrier}");
        let carrier_ok = !carrier.is_empty()
            && carrier.len() <= 40
            && carrier.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
        if !carrier_ok {
            errors.push(&pointer, "a carrier is 1 to 40 lower-case letters, digits, '-' or '_'");
        }
        if !template.starts_with("https://") || !template.contains("{tracking_number}") || template.len() > 500 {
            errors.push(&pointer, "an https:// link of at most 500 characters with {tracking_number} in it");
        }
    }
    if let Some(peppol) = &settings.peppol_id {
        if let Err(problem) = crate::party::PeppolId::parse(&peppol.scheme, &peppol.id) {
            errors.push("/peppol_id", problem);
        }
    }
    if settings.limits.orders_per_minute == 0 {
        errors.push("/limits/orders_per_minute", "at least 1");
    }
    let Some(invoicing) = &settings.invoicing else { return };
    if !iban_is_valid(&invoicing.iban) {
        errors
            .push("/invoicing/iban", "not an IBAN (ISO 13616: country, check digits, account; written without spaces)");
    }
    if let Some(bic) = &invoicing.bic {
        let bic_ok = bic.is_ascii()
            && matches!(bic.len(), 8 | 11)
            && bic.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && bic[..6].chars().all(|c| c.is_ascii_uppercase());
        if !bic_ok {
            errors.push(
                "/invoicing/bic",
                "a BIC is 8 or 11 upper-case letters and digits (bank, country, place, branch)",
            );
        }
    }
    let vat = &invoicing.vat_id;
    let vat_ok = vat.is_ascii()
        && (4..=16).contains(&vat.len())
        && vat[..2].chars().all(|c| c.is_ascii_uppercase())
        && vat[2..].chars().all(|c| c.is_ascii_alphanumeric());
    if !vat_ok {
        errors.push("/invoicing/vat_id", "a VAT id is its country's two letters and 2 to 14 letters or digits");
    }
    if invoicing.payment_terms_days > 365 {
        errors.push("/invoicing/payment_terms_days", "at most 365 days");
    }
    for (field, prefix) in [
        ("invoice_prefix", &invoicing.invoice_prefix),
        ("credit_note_prefix", &invoicing.credit_note_prefix),
        ("debit_note_prefix", &invoicing.debit_note_prefix),
    ] {
        let prefix_ok = !prefix.is_empty()
            && prefix.len() <= 10
            && prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !prefix_ok {
            errors.push(format!("/invoicing/{field}"), "1 to 10 upper-case letters or digits");
        }
    }
    let prefixes = [&invoicing.invoice_prefix, &invoicing.credit_note_prefix, &invoicing.debit_note_prefix];
    if prefixes[0] == prefixes[1] || prefixes[0] == prefixes[2] || prefixes[1] == prefixes[2] {
        errors
            .push("/invoicing", "invoices, credit notes and debit notes are numbered in series of their own prefixes");
    }
}

/// ISO 13616: two letters, two check digits, up to 30 letters and digits; the number the letters and digits make
/// (country and check digits moved to the end, letters as 10..35) is 1 modulo 97.
fn iban_is_valid(iban: &str) -> bool {
    let ok_shape = iban.is_ascii()
        && (15..=34).contains(&iban.len())
        && iban[..2].chars().all(|c| c.is_ascii_uppercase())
        && iban[2..4].chars().all(|c| c.is_ascii_digit())
        && iban[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !ok_shape {
        return false;
    }
    let mut remainder: u32 = 0;
    for c in iban[4..].chars().chain(iban[..4].chars()) {
        let value = c.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::pointers;

    fn example() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../../examples/tenant.json")).expect("examples/tenant.json")
    }

    #[test]
    fn the_example_tenant_file_is_valid() {
        let settings = parse_tenant(&example().to_string()).expect("valid");
        assert_eq!(settings.tenant.as_str(), "acme");
        assert!(settings.invoicing.is_some());
    }

    #[test]
    fn every_problem_of_a_tenant_file_is_named_where_it_is() {
        let mut file = example();
        file["colour"] = serde_json::json!("blue");
        file["invoicing"]["ibn"] = serde_json::json!("x");
        assert_eq!(pointers(parse_tenant(&file.to_string())), ["/colour", "/invoicing/ibn"]);

        let mut file = example();
        file["warehouses"] = serde_json::json!([]);
        file["tracking_url_templates"] = serde_json::json!({"postnord": "http://track.example/{tracking_number}"});
        file["invoicing"]["iban"] = serde_json::json!("SE4550000000058398257467");
        file["invoicing"]["bic"] = serde_json::json!("essesess");
        file["invoicing"]["vat_id"] = serde_json::json!("556036079301");
        file["invoicing"]["credit_note_prefix"] = serde_json::json!("INV");
        assert_eq!(
            pointers(parse_tenant(&file.to_string())),
            [
                "/warehouses",
                "/tracking_url_templates/postnord",
                "/invoicing/iban",
                "/invoicing/bic",
                "/invoicing/vat_id",
                "/invoicing"
            ]
        );
        let mut file = example();
        file["tenant"] = serde_json::json!("Acme Inc");
        assert!(matches!(parse_tenant(&file.to_string()), Err(RequestError::Malformed { .. })));
    }

    #[test]
    fn a_seller_sends_its_own_settings_and_the_change_is_named() {
        let acme = crate::ids::TenantId::parse("acme").expect("id");
        let mut body = example();
        body.as_object_mut().map(|o| o.remove("tenant"));
        body["response_policy"] = serde_json::json!("manual");
        let after = parse_settings(&body.to_string(), &acme).expect("valid");
        let before = parse_tenant(&example().to_string()).expect("valid");
        assert_eq!(changed_settings(&before, &after), ["response_policy"]);
        body["tenant"] = serde_json::json!("other");
        assert_eq!(pointers(parse_settings(&body.to_string(), &acme)), ["/tenant"]);
    }

    #[test]
    fn whole_numbers_written_with_a_fraction_of_zero_are_numbers_and_the_peppol_policies_are_read_strictly() {
        let mut file = example();
        file["limits"]["orders_per_minute"] = serde_json::json!(600.0);
        file["invoicing"]["payment_terms_days"] = serde_json::json!(30.0);
        file["peppol_orders"] = serde_json::json!({"buyer_prices": "review", "unknown_buyers": "register"});
        let settings = parse_tenant(&file.to_string()).expect("valid");
        assert_eq!(settings.limits.orders_per_minute, 600);
        assert_eq!(settings.invoicing.as_ref().map(|i| i.payment_terms_days), Some(30));
        assert_eq!(settings.peppol_orders.buyer_prices, crate::tenant::BuyerPricePolicy::Review);
        // The example's own numbers, written as 600.0 and 30.0: only the policies changed.
        let example_settings = parse_tenant(&example().to_string()).expect("valid");
        assert_eq!(changed_settings(&example_settings, &settings), ["peppol_orders"]);
        file["limits"]["orders_per_minute"] = serde_json::json!(600.5);
        assert_eq!(pointers(parse_tenant(&file.to_string())), ["malformed:/limits/orders_per_minute"]);
        file["limits"]["orders_per_minute"] = serde_json::json!(600);
        file["peppol_orders"]["colour"] = serde_json::json!("blue");
        assert_eq!(pointers(parse_tenant(&file.to_string())), ["/peppol_orders/colour"]);
    }

    #[test]
    fn ibans_are_checked_by_their_check_digits() {
        assert!(iban_is_valid("SE4550000000058398257466"));
        assert!(iban_is_valid("DE89370400440532013000"));
        assert!(iban_is_valid("GB82WEST12345698765432"));
        assert!(!iban_is_valid("DE89370400440532013001"));
        assert!(!iban_is_valid("DE89 3704 0044 0532 0130 00"));
        assert!(!iban_is_valid("XX"));
    }
}
