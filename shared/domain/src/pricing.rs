//! Exact pricing (docs/domain.md "Money"): line net = round(quantity × unit price − allowance), totals and VAT
//! breakdown per EN 16931, all in `rust_decimal`, rounded half away from zero to the currency's minor unit.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::catalogue::{CustomerPrice, Product};
use crate::ids::Sku;
use crate::money::{significant_scale, Currency, Discount};
use crate::order::{OrderLine, PriceSource, Totals, VatBreakdown};
use crate::tax::VatCategory;

/// Document-level allowances and charges live in [`crate::adjustment`]; re-exported where they always were.
pub use crate::adjustment::{AdjustmentKind, DocumentAdjustment};

/// What the webshop asked for on one line, already parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRequest {
    /// Ordered quantity (> 0).
    pub quantity: Decimal,
    /// Price the webshop charged, overriding catalogue and customer prices.
    pub unit_price: Option<Decimal>,
    /// Discount the webshop granted, overriding customer discounts.
    pub discount: Option<Discount>,
}

/// A free-text line's own description and VAT; its unit price is the request's (required).
#[derive(Debug, Clone, PartialEq)]
pub struct FreeTextItem {
    /// What it is, as it appears on every document.
    pub description: String,
    /// VAT category.
    pub vat_category: VatCategory,
    /// VAT rate in percent.
    pub vat_rate: Decimal,
}

/// Why a line cannot be priced. `field` names the member of the request line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct PricingError {
    /// `unit_price`, `discount` or `quantity`.
    pub field: &'static str,
    /// What is wrong.
    pub detail: String,
}

/// Prices one line.
///
/// Unit price: the webshop's, else the customer's agreed price, else the catalogue price (which must be in the
/// order's currency). Discount: the webshop's, else the customer's for this product, else the customer's
/// general discount.
pub fn price_line(
    line_no: u32,
    request: &LineRequest,
    product: &Product,
    customer_price: Option<&CustomerPrice>,
    customer_discount: Option<Discount>,
    currency: Currency,
) -> Result<OrderLine, PricingError> {
    let (unit_price, price_source) = match (request.unit_price, customer_price.and_then(|p| p.price)) {
        (Some(price), _) => (price, PriceSource::Webshop),
        (None, Some(price)) if product.currency == currency => (price, PriceSource::Customer),
        (None, _) if product.currency == currency => (product.price, PriceSource::Catalogue),
        (None, _) => {
            return Err(PricingError {
                field: "unit_price",
                detail: format!(
                    "{} is priced in {}, not {}; send a unit_price in {}",
                    product.sku, product.currency, currency, currency
                ),
            })
        }
    };
    let discount = request.discount.or(customer_price.and_then(|p| p.discount)).or(customer_discount);
    let article = Article {
        sku: Some(&product.sku),
        description: &product.name,
        unit: &product.unit,
        vat_category: product.vat_category,
        vat_rate: product.vat_rate,
        unit_cost: product.cost_price.filter(|_| product.currency == currency),
    };
    new_line(line_no, &article, request.quantity, (unit_price, price_source), discount, currency)
}

/// Prices a free-text line: its own description, VAT and the unit price staff entered (the seller's), in pieces.
pub fn price_free_text(
    line_no: u32,
    request: &LineRequest,
    item: &FreeTextItem,
    currency: Currency,
) -> Result<OrderLine, PricingError> {
    let unit_price = request.unit_price.ok_or_else(|| PricingError {
        field: "unit_price",
        detail: "is required on a free-text line (there is no catalogue price)".into(),
    })?;
    let article = Article {
        sku: None,
        description: &item.description,
        unit: "C62",
        vat_category: item.vat_category,
        vat_rate: item.vat_rate,
        unit_cost: None,
    };
    new_line(line_no, &article, request.quantity, (unit_price, PriceSource::Seller), request.discount, currency)
}

/// What a line is, whether a product or free text.
struct Article<'a> {
    sku: Option<&'a Sku>,
    description: &'a str,
    unit: &'a str,
    vat_category: VatCategory,
    vat_rate: Decimal,
    /// The cost price per unit in the order's currency, when known.
    unit_cost: Option<Decimal>,
}

/// A new, unconfirmed line of `article`: its amounts from the quantity, price and discount, nothing confirmed,
/// shipped or invoiced yet.
fn new_line(
    line_no: u32,
    article: &Article<'_>,
    quantity: Decimal,
    (unit_price, price_source): (Decimal, PriceSource),
    discount: Option<Discount>,
    currency: Currency,
) -> Result<OrderLine, PricingError> {
    let (allowance, line_net) = line_amounts(quantity, unit_price, discount, currency)?;
    Ok(OrderLine {
        line_no,
        buyer_line_id: None,
        buyer_price: None,
        sku: article.sku.cloned(),
        description: article.description.to_owned(),
        unit: article.unit.to_owned(),
        quantity,
        unit_price,
        price_source,
        discount,
        allowance,
        line_net,
        vat_category: article.vat_category,
        vat_rate: article.vat_rate,
        requested_delivery_date: None,
        confirmed_quantity: Decimal::ZERO,
        shipped_quantity: Decimal::ZERO,
        invoiced_quantity: Decimal::ZERO,
        called_off_quantity: Decimal::ZERO,
        stock_warning: None,
        line_status: None,
        note: None,
        unit_cost: article.unit_cost,
    })
}

/// A line's allowance and net: quantity × unit price less the discount, rounded to the currency.
fn line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    discount: Option<Discount>,
    currency: Currency,
) -> Result<(Decimal, Decimal), PricingError> {
    let gross = quantity.checked_mul(unit_price).ok_or_else(|| PricingError {
        field: "quantity",
        detail: format!("{quantity} × {unit_price} is too large to price"),
    })?;
    let allowance = match discount {
        None => Decimal::ZERO,
        Some(Discount::Percent(percent)) => currency.round(gross * percent / Decimal::ONE_HUNDRED),
        Some(Discount::Amount(amount)) => {
            if significant_scale(amount) > currency.minor_units() {
                return Err(PricingError {
                    field: "discount",
                    detail: format!("amount has more decimals than {} allows ({})", currency, currency.minor_units()),
                });
            }
            currency.round(amount)
        }
    };
    let line_net = currency.round(gross - allowance);
    if line_net < Decimal::ZERO {
        return Err(PricingError {
            field: "discount",
            detail: format!("discount {allowance} exceeds the line amount {}", currency.round(gross)),
        });
    }
    Ok((allowance, line_net))
}

/// `line` at a new quantity and/or unit price, its discount kept: allowance and line net recomputed. A new price
/// is the seller's. Fails when the discount would exceed the line amount.
pub fn reprice(
    line: &OrderLine,
    quantity: Decimal,
    unit_price: Option<Decimal>,
    currency: Currency,
) -> Result<OrderLine, String> {
    let price = unit_price.unwrap_or(line.unit_price);
    let gross = quantity.checked_mul(price).ok_or_else(|| format!("{quantity} × {price} is too large to price"))?;
    let allowance = match line.discount {
        Some(Discount::Percent(p)) => currency.round(gross * p / Decimal::ONE_HUNDRED),
        Some(Discount::Amount(a)) => currency.round(a),
        None => Decimal::ZERO,
    };
    if allowance > currency.round(gross) {
        return Err(format!("the line's discount {allowance} would exceed the line amount {}", currency.round(gross)));
    }
    let mut repriced = line.clone();
    repriced.quantity = quantity;
    repriced.unit_price = price;
    repriced.allowance = allowance;
    repriced.line_net = currency.round(gross - allowance);
    if unit_price.is_some() {
        repriced.price_source = PriceSource::Seller;
    }
    Ok(repriced)
}

/// An order's amounts stay below this (10^12): reports and exports store amounts as `DECIMAL(18, 4)` (below 10^14),
/// so a tenant's day holds a hundred of the largest orders. Beyond it an order is refused, not stored.
pub fn max_order_amount() -> Decimal {
    Decimal::new(1_000_000_000_000, 0)
}

/// Why an order with `totals` cannot be taken (an amount at or above [`max_order_amount`]), if it cannot.
pub fn amount_problem(totals: &Totals) -> Option<String> {
    let largest = [totals.net, totals.allowances, totals.charges, totals.vat, totals.gross]
        .into_iter()
        .map(|amount| amount.abs())
        .max()
        .unwrap_or_default();
    (largest >= max_order_amount()).then(|| {
        format!("the order's amounts reach {largest}; an order's amounts must stay below {}", max_order_amount())
    })
}

/// Totals and VAT breakdown of priced lines (no document-level allowances or charges).
pub fn order_totals(lines: &[OrderLine], currency: Currency) -> (Totals, Vec<VatBreakdown>) {
    order_totals_with(lines, &[], currency)
}

/// Totals and VAT breakdown of priced lines and document-level allowances and charges (EN 16931 BR-CO-10..15).
///
/// One breakdown entry per (category, rate), ordered by category then rate: taxable = its lines − its allowances +
/// its charges; tax = round(taxable × rate / 100). The VAT total is the sum of the entries.
pub fn order_totals_with(
    lines: &[OrderLine],
    adjustments: &[DocumentAdjustment],
    currency: Currency,
) -> (Totals, Vec<VatBreakdown>) {
    let breakdown =
        vat_breakdown(lines.iter().map(|l| (l.vat_category, l.vat_rate, l.line_net)), adjustments, currency);
    let net = currency.round(lines.iter().map(|l| l.line_net).sum());
    let (allowances, charges) = adjustment_totals(adjustments, currency);
    let vat = currency.round(breakdown.iter().map(|b| b.vat).sum());
    let totals = Totals { net, allowances, charges, vat, gross: currency.round(net - allowances + charges + vat) };
    (totals, breakdown)
}

/// The VAT breakdown (EN 16931 BG-23) of line amounts — (category, rate, line net) — and document-level
/// allowances and charges: one entry per (category, rate), ordered by category then rate; taxable = its lines −
/// its allowances + its charges; tax = round(taxable × rate / 100) (BR-CO-17).
pub fn vat_breakdown(
    lines: impl IntoIterator<Item = (VatCategory, Decimal, Decimal)>,
    adjustments: &[DocumentAdjustment],
    currency: Currency,
) -> Vec<VatBreakdown> {
    let mut groups: BTreeMap<(VatCategory, Decimal), Decimal> = BTreeMap::new();
    for (category, rate, amount) in lines {
        *groups.entry((category, rate.normalize())).or_default() += amount;
    }
    for adjustment in adjustments {
        *groups.entry((adjustment.vat_category, adjustment.vat_rate.normalize())).or_default() +=
            adjustment.signed_amount();
    }
    groups
        .into_iter()
        .map(|((category, rate), taxable)| VatBreakdown {
            category,
            rate,
            taxable: currency.round(taxable),
            vat: currency.round(taxable * rate / Decimal::ONE_HUNDRED),
        })
        .collect()
}

/// (Σ allowances, Σ charges) of document-level adjustments, each rounded (BR-CO-11, BR-CO-12).
pub fn adjustment_totals(adjustments: &[DocumentAdjustment], currency: Currency) -> (Decimal, Decimal) {
    let sum = |kind: AdjustmentKind| {
        currency.round(adjustments.iter().filter(|a| a.kind == kind).map(|a| a.amount).sum::<Decimal>())
    };
    (sum(AdjustmentKind::Allowance), sum(AdjustmentKind::Charge))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Sku;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::parse("EUR").expect("EUR")
    }

    #[test]
    fn an_order_amount_the_reports_cannot_hold_is_named() {
        let totals = |gross: Decimal| Totals {
            net: gross,
            allowances: Decimal::ZERO,
            charges: Decimal::ZERO,
            vat: Decimal::ZERO,
            gross,
        };
        assert_eq!(amount_problem(&totals(dec!(999999999999.99))), None);
        let problem = amount_problem(&totals(dec!(1000000000000))).expect("refused");
        assert!(problem.contains("1000000000000"), "{problem}");
        assert!(amount_problem(&totals(dec!(-5000000000000))).is_some(), "a credit as much as a debit");
    }

    fn product(price: Decimal, rate: Decimal) -> Product {
        Product {
            sku: Sku::parse("SKU-1").expect("sku"),
            name: "Widget".into(),
            unit: "C62".into(),
            price,
            currency: eur(),
            vat_category: if rate.is_zero() { VatCategory::Z } else { VatCategory::S },
            vat_rate: rate,
            cost_price: None,
            lot_tracked: false,
            min_stock: None,
            target_stock: None,
            gtin: None,
        }
    }

    fn request(quantity: Decimal) -> LineRequest {
        LineRequest { quantity, unit_price: None, discount: None }
    }

    #[test]
    fn a_percent_discount_is_rounded_once_at_the_line() {
        let mut req = request(dec!(3));
        req.discount = Some(Discount::Percent(dec!(5)));
        let line = price_line(1, &req, &product(dec!(9.99), dec!(25)), None, None, eur()).expect("priced");
        // 3 × 9.99 = 29.97; 5 % = 1.4985 → 1.50; net 28.47
        assert_eq!(line.allowance.to_string(), "1.50");
        assert_eq!(line.line_net.to_string(), "28.47");
        assert_eq!(line.price_source, PriceSource::Catalogue);
    }

    #[test]
    fn customer_prices_beat_the_catalogue_and_webshop_prices_beat_both() {
        let customer = CustomerPrice { price: Some(dec!(8.00)), discount: Some(Discount::Amount(dec!(1))) };
        let line = price_line(1, &request(dec!(2)), &product(dec!(10), dec!(25)), Some(&customer), None, eur())
            .expect("priced");
        assert_eq!((line.unit_price, line.line_net), (dec!(8.00), dec!(15.00)));
        assert_eq!(line.price_source, PriceSource::Customer);

        let mut req = request(dec!(2));
        req.unit_price = Some(dec!(7.5));
        let line = price_line(1, &req, &product(dec!(10), dec!(25)), Some(&customer), None, eur()).expect("priced");
        assert_eq!((line.unit_price, line.line_net), (dec!(7.5), dec!(14.00)));
        assert_eq!(line.price_source, PriceSource::Webshop);
    }

    #[test]
    fn a_discount_larger_than_the_line_is_refused() {
        let mut req = request(dec!(1));
        req.discount = Some(Discount::Amount(dec!(11)));
        let err = price_line(1, &req, &product(dec!(10), dec!(25)), None, None, eur()).expect_err("refused");
        assert_eq!(err.field, "discount");
    }

    #[test]
    fn a_line_keeps_the_cost_price_of_its_currency_and_a_free_text_line_none() {
        let mut costed = product(dec!(10), dec!(25));
        costed.cost_price = Some(dec!(6.2500));
        let line = price_line(1, &request(dec!(2)), &costed, None, None, eur()).expect("line");
        assert_eq!(line.unit_cost, Some(dec!(6.25)));
        let mut webshop_priced = request(dec!(2));
        webshop_priced.unit_price = Some(dec!(120));
        let sek = Currency::parse("SEK").expect("SEK");
        let line = price_line(1, &webshop_priced, &costed, None, None, sek).expect("line");
        assert_eq!(line.unit_cost, None, "a EUR cost price is not a SEK one");
        let line = price_line(1, &request(dec!(2)), &product(dec!(10), dec!(25)), None, None, eur()).expect("line");
        assert_eq!(line.unit_cost, None, "no cost price");
        let item = FreeTextItem { description: "Setup".into(), vat_category: VatCategory::S, vat_rate: dec!(25) };
        let mut priced = request(dec!(1));
        priced.unit_price = Some(dec!(50));
        assert_eq!(price_free_text(1, &priced, &item, eur()).expect("line").unit_cost, None);
    }

    #[test]
    fn a_catalogue_price_in_another_currency_needs_a_webshop_price() {
        let sek = Currency::parse("SEK").expect("SEK");
        let err =
            price_line(1, &request(dec!(1)), &product(dec!(10), dec!(25)), None, None, sek).expect_err("no price");
        assert_eq!(err.field, "unit_price");
    }

    #[test]
    fn freight_and_an_order_discount_enter_totals_and_the_vat_breakdown() {
        let line = price_line(1, &request(dec!(4)), &product(dec!(25.00), dec!(25)), None, None, eur()).expect("line");
        let adjustments = [
            DocumentAdjustment {
                kind: AdjustmentKind::Charge,
                reason: "Freight".into(),
                amount: dec!(49.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(25),
            },
            DocumentAdjustment {
                kind: AdjustmentKind::Allowance,
                reason: "5 %".into(),
                amount: dec!(5.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(25),
            },
        ];
        let (totals, breakdown) = order_totals_with(&[line], &adjustments, eur());
        // 100.00 − 5.00 + 49.00 = 144.00 taxable; VAT 36.00; gross 180.00
        assert_eq!((totals.net, totals.allowances, totals.charges), (dec!(100.00), dec!(5.00), dec!(49.00)));
        assert_eq!(breakdown[0].taxable, dec!(144.00));
        assert_eq!((totals.vat, totals.gross), (dec!(36.00), dec!(180.00)));
    }

    #[test]
    fn vat_is_computed_per_rate_group_not_per_line() {
        let a = price_line(1, &request(dec!(1)), &product(dec!(0.05), dec!(25)), None, None, eur()).expect("a");
        let b = price_line(2, &request(dec!(1)), &product(dec!(0.05), dec!(25)), None, None, eur()).expect("b");
        let (totals, breakdown) = order_totals(&[a, b], eur());
        // per line 0.0125 → 0.01 each would give 0.02; per group 0.10 × 25 % = 0.025 → 0.03
        assert_eq!(breakdown.len(), 1);
        assert_eq!(totals.vat.to_string(), "0.03");
        assert_eq!(totals.gross.to_string(), "0.13");
    }

    fn arb_decimal(max_units: i64, scale: u32) -> impl Strategy<Value = Decimal> {
        (1..=max_units).prop_map(move |units| Decimal::new(units, scale))
    }

    proptest! {
        #[test]
        fn totals_equal_the_sum_of_rounded_lines(
            lines in prop::collection::vec(
                (arb_decimal(1_000_000, 4), arb_decimal(10_000_000, 4), 0u32..4, prop::option::of(0i64..10_000)),
                1..40,
            ),
        ) {
            let rates = [dec!(25), dec!(12), dec!(6), dec!(0)];
            let mut priced = Vec::new();
            for (i, (quantity, price, rate_ix, percent_hundredths)) in lines.into_iter().enumerate() {
                let mut req = request(quantity);
                req.discount = percent_hundredths.map(|p| Discount::Percent(Decimal::new(p, 2)));
                let line_no = u32::try_from(i).unwrap_or(u32::MAX) + 1;
                let line = price_line(line_no, &req, &product(price, rates[rate_ix as usize]), None, None, eur())
                    .expect("prices");
                prop_assert!(line.line_net.scale() == 2);
                prop_assert!(line.line_net >= Decimal::ZERO);
                prop_assert_eq!(line.line_net, (quantity * price - line.allowance).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
                priced.push(line);
            }
            let (totals, breakdown) = order_totals(&priced, eur());
            let sum_of_lines: Decimal = priced.iter().map(|l| l.line_net).sum();
            prop_assert_eq!(totals.net, sum_of_lines);
            prop_assert_eq!(breakdown.iter().map(|b| b.taxable).sum::<Decimal>(), totals.net);
            prop_assert_eq!(breakdown.iter().map(|b| b.vat).sum::<Decimal>(), totals.vat);
            for entry in &breakdown {
                prop_assert_eq!(entry.vat, eur().round(entry.taxable * entry.rate / Decimal::ONE_HUNDRED));
            }
            prop_assert_eq!(totals.gross, totals.net + totals.vat);
        }
    }
}
