//! `PUT /v1/customers/{id}`: a customer's master data (docs/domain.md "Parties") — name, email, language, VAT id,
//! billing and delivery addresses, general discount and Peppol id.

use serde::Deserialize;

use crate::catalogue::{Customer, DeliveryAddress};
use crate::ids::CustomerId;
use crate::intake::{address, discount, AddressRequest, DiscountRequest};
use crate::parsing::{malformed_at, required, text, RequestError};
use crate::party::{EmailAddress, Language, PeppolId};
use crate::validation::{FieldError, FieldErrors};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerBody {
    name: Option<String>,
    email: Option<String>,
    language: Option<String>,
    vat_id: Option<String>,
    address: Option<AddressRequest>,
    discount: Option<DiscountRequest>,
    peppol_id: Option<PeppolIdBody>,
    delivery_addresses: Option<Vec<DeliveryAddressBody>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryAddressBody {
    id: Option<String>,
    address: Option<AddressRequest>,
}

/// At most this many delivery addresses per customer.
const MAX_DELIVERY_ADDRESSES: usize = 50;

fn delivery_addresses(errors: &mut FieldErrors, bodies: Vec<DeliveryAddressBody>) -> Vec<DeliveryAddress> {
    if bodies.len() > MAX_DELIVERY_ADDRESSES {
        errors.push("/delivery_addresses", format!("at most {MAX_DELIVERY_ADDRESSES} delivery addresses"));
        return Vec::new();
    }
    let mut seen = std::collections::HashSet::new();
    let mut addresses = Vec::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let pointer = format!("/delivery_addresses/{i}");
        let id = required(errors, &format!("{pointer}/id"), body.id).and_then(|id| {
            let valid = !id.is_empty()
                && id.len() <= 40
                && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !valid {
                errors.push(format!("{pointer}/id"), "1 to 40 letters, digits, '.', '_' or '-'");
                None
            } else if !seen.insert(id.clone()) {
                errors.push(format!("{pointer}/id"), format!("the id {id:?} is used twice"));
                None
            } else {
                Some(id)
            }
        });
        let address = address(errors, &format!("{pointer}/address"), body.address);
        if let (Some(id), Some(address)) = (id, address) {
            addresses.push(DeliveryAddress { id, address });
        }
    }
    addresses
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeppolIdBody {
    scheme: Option<String>,
    id: Option<String>,
}

/// `PUT /v1/customers/{id}`: the customer's master data (name, email, language, VAT id, billing address and the
/// discount on every line without a more specific one).
pub fn parse_customer(json: &str, id: CustomerId) -> Result<Customer, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: CustomerBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let name = required(&mut errors, "/name", body.name).and_then(|v| text(&mut errors, "/name", v, 200, false));
    let email = required(&mut errors, "/email", body.email)
        .and_then(|v| errors.take(EmailAddress::parse(v.trim()).map_err(|e| FieldError::new("/email", e))));
    let language =
        body.language.and_then(|v| errors.take(Language::parse(&v).map_err(|e| FieldError::new("/language", e))));
    let vat_id = body.vat_id.and_then(|v| text(&mut errors, "/vat_id", v, 32, false));
    let address = match body.address {
        Some(a) => address(&mut errors, "/address", Some(a)),
        None => None,
    };
    let discount = body.discount.and_then(|d| discount(&mut errors, "/discount", d));
    let delivery_addresses = delivery_addresses(&mut errors, body.delivery_addresses.unwrap_or_default());
    let peppol_id = body.peppol_id.and_then(|p| {
        let scheme = required(&mut errors, "/peppol_id/scheme", p.scheme)?;
        let identifier = required(&mut errors, "/peppol_id/id", p.id)?;
        errors.take(PeppolId::parse(scheme.trim(), identifier.trim()).map_err(|e| FieldError::new("/peppol_id", e)))
    });
    match (name, email, errors.is_empty()) {
        (Some(name), Some(email), true) => {
            Ok(Customer { id, name, email, language, vat_id, address, discount, peppol_id, delivery_addresses })
        }
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::pointers;
    use rust_decimal::Decimal;

    #[test]
    fn customers_need_a_name_and_an_email_and_valid_extras() {
        let id = || CustomerId::parse("C-9").expect("id");
        let customer = parse_customer(
            r#"{"name": "Åsa AB", "email": "asa@example.se", "language": "sv", "discount": {"percent": 3}}"#,
            id(),
        )
        .expect("valid");
        assert_eq!(customer.discount, Some(crate::money::Discount::Percent(Decimal::new(3, 0))));
        assert_eq!(
            pointers(parse_customer(r#"{"email": "nope", "language": "swedish", "discount": {"percent": 300}}"#, id())),
            ["/name", "/email", "/language", "/discount/percent"]
        );
    }
}
