//! The parts of an order request (docs/domain.md "Parties"): the buyer (a register id or one posted inline), postal
//! addresses, line discounts and requested lines — each checked field by field with JSON Pointers. Other requests
//! that carry an address, a discount or a line (customers, customer prices, order changes) parse them here too.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use crate::country::is_country_code;
use crate::ids::{CustomerId, Sku};
use crate::money::{significant_scale, Discount, JsonDecimal};
use crate::parsing::{date, decimal, max_magnitude, required, text, MAX_PRICE_SCALE, MAX_QUANTITY_SCALE};
use crate::party::{Address, EmailAddress, Language};
use crate::pricing::{FreeTextItem, LineRequest};
use crate::tax::VatCategory;
use crate::validation::{FieldError, FieldErrors};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BuyerRequest {
    customer_id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    language: Option<String>,
    vat_id: Option<String>,
    address: Option<AddressRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressRequest {
    name: Option<String>,
    street: Option<String>,
    additional_street: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineRequestBody {
    sku: Option<String>,
    description: Option<String>,
    vat_rate: Option<JsonDecimal>,
    vat_category: Option<String>,
    quantity: Option<JsonDecimal>,
    unit_price: Option<JsonDecimal>,
    discount: Option<DiscountRequest>,
    requested_delivery_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiscountRequest {
    percent: Option<JsonDecimal>,
    amount: Option<JsonDecimal>,
}

/// The buyer: an existing customer, or one posted inline (upserted by intake).
#[derive(Debug, Clone, PartialEq)]
pub enum BuyerDraft {
    /// Refers to the customer register.
    Existing(CustomerId),
    /// Posted with the order.
    Inline(Box<InlineBuyer>),
}

/// A buyer posted with the order.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineBuyer {
    /// Derived from the email address.
    pub customer_id: CustomerId,
    /// Name.
    pub name: String,
    /// Email.
    pub email: EmailAddress,
    /// Language.
    pub language: Option<Language>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// Billing address.
    pub address: Option<Address>,
}

/// What a requested line is: a product of the catalogue, or a free-text line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineItem {
    /// A catalogue product.
    Product(Sku),
    /// A free-text line (orders staff enter): no product, no stock.
    FreeText(FreeTextItem),
}

/// Whether a request may carry free-text lines: only orders staff enter (webshop intake and order changes name
/// products).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeTextLines {
    /// Lines without a SKU are allowed.
    Allowed,
    /// Every line names a SKU.
    Refused,
}

/// One requested line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDraft {
    /// Product or free text.
    pub item: LineItem,
    /// Quantity, price override and discount.
    pub request: LineRequest,
    /// Line-level requested date.
    pub requested_delivery_date: Option<Date>,
}

pub(crate) fn address(errors: &mut FieldErrors, pointer: &str, value: Option<AddressRequest>) -> Option<Address> {
    let value = required(errors, pointer, value)?;
    let field = |errors: &mut FieldErrors, name: &str, v: Option<String>, max: usize| {
        let p = format!("{pointer}/{name}");
        required(errors, &p, v).and_then(|v| text(errors, &p, v, max, false))
    };
    let name = field(errors, "name", value.name, 200);
    let street = field(errors, "street", value.street, 200);
    let additional_street =
        value.additional_street.and_then(|v| text(errors, &format!("{pointer}/additional_street"), v, 200, false));
    let city = field(errors, "city", value.city, 100);
    let postal_code = field(errors, "postal_code", value.postal_code, 20);
    let country = field(errors, "country", value.country, 2).and_then(|c| {
        if is_country_code(&c) {
            Some(c)
        } else {
            errors.push(
                format!("{pointer}/country"),
                format!("{c:?} is not an ISO 3166-1 alpha-2 country code such as \"SE\""),
            );
            None
        }
    });
    Some(Address {
        name: name?,
        street: street?,
        additional_street,
        city: city?,
        postal_code: postal_code?,
        country: country?,
    })
}

pub(super) fn buyer(errors: &mut FieldErrors, value: Option<BuyerRequest>) -> Option<BuyerDraft> {
    let value = required(errors, "/buyer", value)?;
    let inline_given = value.name.is_some()
        || value.email.is_some()
        || value.address.is_some()
        || value.vat_id.is_some()
        || value.language.is_some();
    if let Some(id) = value.customer_id {
        if inline_given {
            errors.push("/buyer", "give either customer_id or an inline buyer (name, email, …), not both");
            return None;
        }
        return errors
            .take(CustomerId::parse(id).map_err(|e| FieldError::new("/buyer/customer_id", e.0)))
            .map(BuyerDraft::Existing);
    }
    let name = required(errors, "/buyer/name", value.name).and_then(|v| text(errors, "/buyer/name", v, 200, false));
    let email = required(errors, "/buyer/email", value.email)
        .and_then(|v| errors.take(EmailAddress::parse(v.trim()).map_err(|e| FieldError::new("/buyer/email", e))));
    let language = value
        .language
        .and_then(|v| errors.take(Language::parse(&v).map_err(|e| FieldError::new("/buyer/language", e))));
    let vat_id = value.vat_id.and_then(|v| text(errors, "/buyer/vat_id", v, 32, false));
    let address = match value.address {
        Some(a) => Some(address(errors, "/buyer/address", Some(a))?),
        None => None,
    };
    let email = email?;
    Some(BuyerDraft::Inline(Box::new(InlineBuyer {
        customer_id: CustomerId::for_inline_buyer(&email),
        name: name?,
        email,
        language,
        vat_id,
        address,
    })))
}

pub(crate) fn discount(errors: &mut FieldErrors, pointer: &str, value: DiscountRequest) -> Option<Discount> {
    match (value.percent, value.amount) {
        (Some(percent), None) => {
            let p = format!("{pointer}/percent");
            let percent = decimal(errors, &p, &percent)?;
            if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED || significant_scale(percent) > 4 {
                errors.push(p, "must be greater than 0 and at most 100, with at most 4 decimals");
                return None;
            }
            Some(Discount::Percent(percent.normalize()))
        }
        (None, Some(amount)) => {
            let p = format!("{pointer}/amount");
            let amount = decimal(errors, &p, &amount)?;
            if amount <= Decimal::ZERO || amount > max_magnitude() || significant_scale(amount) > MAX_PRICE_SCALE {
                errors
                    .push(p, format!("must be greater than 0 and at most {} with at most 4 decimals", max_magnitude()));
                return None;
            }
            Some(Discount::Amount(amount.normalize()))
        }
        _ => {
            errors.push(pointer, "give exactly one of percent or amount");
            None
        }
    }
}

/// Parses one requested line; `pointer` is where it sits in the request (`/lines/0`).
impl LineDraft {
    /// The product's SKU; `None` on a free-text line.
    pub fn sku(&self) -> Option<&Sku> {
        match &self.item {
            LineItem::Product(sku) => Some(sku),
            LineItem::FreeText(_) => None,
        }
    }
}

/// A line's item: a SKU, or (where allowed and no SKU is given) a description with a VAT rate and category.
fn line_item(
    errors: &mut FieldErrors,
    pointer: &str,
    value: &mut LineRequestBody,
    free_text: FreeTextLines,
) -> Option<LineItem> {
    let free_text_given = value.description.is_some() || value.vat_rate.is_some() || value.vat_category.is_some();
    if free_text == FreeTextLines::Refused || value.sku.is_some() || !free_text_given {
        if free_text_given {
            let field = ["description", "vat_rate", "vat_category"]
                .into_iter()
                .zip([value.description.is_some(), value.vat_rate.is_some(), value.vat_category.is_some()])
                .find_map(|(name, given)| given.then_some(name))
                .unwrap_or("description");
            let detail = if value.sku.is_some() {
                "a line names a product (sku) or is free text (description, vat_rate), not both"
            } else {
                "free-text lines are for orders your staff enter; name a product (sku)"
            };
            errors.push(format!("{pointer}/{field}"), detail);
            return None;
        }
        return required(errors, &format!("{pointer}/sku"), value.sku.take())
            .and_then(|s| errors.take(Sku::parse(s).map_err(|e| FieldError::new(format!("{pointer}/sku"), e.0))))
            .map(LineItem::Product);
    }
    let description_pointer = format!("{pointer}/description");
    let description = match value.description.take() {
        None => {
            errors.push(&description_pointer, "is required: a line names a product (sku) or describes itself");
            None
        }
        Some(d) if d.trim().is_empty() => {
            errors.push(&description_pointer, "must not be empty");
            None
        }
        Some(d) => text(errors, &description_pointer, d.trim().to_owned(), 200, false),
    };
    let rate_pointer = format!("{pointer}/vat_rate");
    let rate = required(errors, &rate_pointer, value.vat_rate.take()).and_then(|r| decimal(errors, &rate_pointer, &r));
    let rate = rate.and_then(|r| {
        if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED || significant_scale(r) > 2 {
            errors.push(&rate_pointer, format!("must be from 0 to 100 with at most 2 decimals, got {r}"));
            None
        } else {
            Some(r.normalize())
        }
    });
    let category_pointer = format!("{pointer}/vat_category");
    let category =
        match value.vat_category.take() {
            // The usual case: a standard-rated line, or a zero-rated one.
            None => rate.map(|r| if r.is_zero() { VatCategory::Z } else { VatCategory::S }),
            Some(c) => {
                let parsed: Result<VatCategory, _> = serde_json::from_value(serde_json::Value::String(c.clone()));
                errors.take(parsed.map_err(|_| {
                    FieldError::new(&category_pointer, format!("{c:?} is not one of S, Z, E, AE, K, G, O"))
                }))
            }
        };
    if let (Some(category), Some(rate)) = (category, rate) {
        if category.requires_zero_rate() != rate.is_zero() {
            errors.push(
                &rate_pointer,
                if rate.is_zero() { "category S needs a rate above 0" } else { "only category S has a rate above 0" },
            );
            return None;
        }
    }
    if value.unit_price.is_none() {
        errors.push(format!("{pointer}/unit_price"), "is required on a free-text line (there is no catalogue price)");
    }
    Some(LineItem::FreeText(FreeTextItem { description: description?, vat_category: category?, vat_rate: rate? }))
}

pub(crate) fn line(
    errors: &mut FieldErrors,
    pointer: &str,
    mut value: LineRequestBody,
    today: Date,
    free_text: FreeTextLines,
) -> Option<LineDraft> {
    let item = line_item(errors, pointer, &mut value, free_text);
    let quantity_pointer = format!("{pointer}/quantity");
    let quantity = required(errors, &quantity_pointer, value.quantity)
        .and_then(|q| decimal(errors, &quantity_pointer, &q))
        .and_then(|q| {
            if q <= Decimal::ZERO {
                errors.push(&quantity_pointer, format!("must be greater than 0, got {q}"));
                None
            } else if significant_scale(q) > MAX_QUANTITY_SCALE {
                errors.push(&quantity_pointer, format!("may have at most {MAX_QUANTITY_SCALE} decimals, got {q}"));
                None
            } else if q > max_magnitude() {
                errors.push(&quantity_pointer, format!("must be at most {}", max_magnitude()));
                None
            } else {
                Some(q.normalize())
            }
        });
    let price_pointer = format!("{pointer}/unit_price");
    let unit_price = match value.unit_price {
        None => Some(None),
        Some(raw) => decimal(errors, &price_pointer, &raw).and_then(|p| {
            if p < Decimal::ZERO {
                errors.push(&price_pointer, format!("must not be negative, got {p}"));
                None
            } else if significant_scale(p) > MAX_PRICE_SCALE {
                errors.push(&price_pointer, format!("may have at most {MAX_PRICE_SCALE} decimals, got {p}"));
                None
            } else if p > max_magnitude() {
                errors.push(&price_pointer, format!("must be at most {}", max_magnitude()));
                None
            } else {
                Some(Some(p))
            }
        }),
    };
    let discount = match value.discount {
        None => Some(None),
        Some(d) => discount(errors, &format!("{pointer}/discount"), d).map(Some),
    };
    let requested_delivery_date = match value.requested_delivery_date {
        None => Some(None),
        Some(d) => date(errors, &format!("{pointer}/requested_delivery_date"), &d, today).map(Some),
    };
    Some(LineDraft {
        item: item?,
        request: LineRequest { quantity: quantity?, unit_price: unit_price?, discount: discount? },
        requested_delivery_date: requested_delivery_date?,
    })
}
