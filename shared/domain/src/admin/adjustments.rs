//! Document-level allowances and charges as a request asks for them (docs/domain.md "Money"): a manual order
//! response or a quote lists `charges` and `allowances`, each with a reason, an amount or (allowances) a percent of
//! the lines, a VAT category and rate; resolved into money against the lines' net.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::non_negative;
use crate::adjustment::{AdjustmentKind, DocumentAdjustment};
use crate::money::{Currency, JsonDecimal};
use crate::parsing::{required, text};
use crate::tax::VatCategory;
use crate::validation::{FieldError, FieldErrors};

/// An allowance or charge as requested: an amount, or (allowances) a percent of the lines' net.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentRequest {
    /// Allowance or charge.
    pub kind: AdjustmentKind,
    /// Why.
    pub reason: String,
    /// Fixed amount.
    pub amount: Option<Decimal>,
    /// Percent of the sum of line nets (allowances).
    pub percent: Option<Decimal>,
    /// VAT category.
    pub vat_category: VatCategory,
    /// VAT rate.
    pub vat_rate: Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdjustmentBody {
    reason: Option<String>,
    amount: Option<JsonDecimal>,
    percent: Option<JsonDecimal>,
    vat_category: Option<String>,
    vat_rate: Option<JsonDecimal>,
}

/// Document-level `charges` and `allowances` of a request (an order response, a quote): each with a reason, an
/// amount (allowances: or a percent of the lines), a VAT category and rate.
pub(crate) fn parse_adjustments(
    errors: &mut FieldErrors,
    charges: Option<Vec<AdjustmentBody>>,
    allowances: Option<Vec<AdjustmentBody>>,
) -> Vec<AdjustmentRequest> {
    let mut adjustments = Vec::new();
    for (kind, name, list) in
        [(AdjustmentKind::Charge, "charges", charges), (AdjustmentKind::Allowance, "allowances", allowances)]
    {
        for (i, adjustment) in list.unwrap_or_default().into_iter().enumerate() {
            let p = format!("/{name}/{i}");
            let reason = required(errors, &format!("{p}/reason"), adjustment.reason)
                .and_then(|r| text(errors, &format!("{p}/reason"), r, 100, false));
            let amount = adjustment.amount.and_then(|a| non_negative(errors, &format!("{p}/amount"), &a, 4));
            let percent = adjustment.percent.and_then(|a| non_negative(errors, &format!("{p}/percent"), &a, 4));
            if amount.is_some() == percent.is_some() || (percent.is_some() && kind == AdjustmentKind::Charge) {
                errors.push(
                    p.clone(),
                    if kind == AdjustmentKind::Charge {
                        "give an amount"
                    } else {
                        "give exactly one of amount or percent"
                    },
                );
            }
            if percent.is_some_and(|p| p > Decimal::ONE_HUNDRED) {
                errors.push(format!("{p}/percent"), "must be at most 100");
            }
            let category = required(errors, &format!("{p}/vat_category"), adjustment.vat_category).and_then(|c| {
                let parsed: Result<VatCategory, _> = serde_json::from_value(serde_json::Value::String(c.clone()));
                errors.take(parsed.map_err(|_| {
                    FieldError::new(format!("{p}/vat_category"), format!("{c:?} is not one of S, Z, E, AE, K, G, O"))
                }))
            });
            let rate = required(errors, &format!("{p}/vat_rate"), adjustment.vat_rate)
                .and_then(|r| non_negative(errors, &format!("{p}/vat_rate"), &r, 2));
            if let (Some(reason), Some(vat_category), Some(vat_rate)) = (reason, category, rate) {
                adjustments.push(AdjustmentRequest { kind, reason, amount, percent, vat_category, vat_rate });
            }
        }
    }
    adjustments
}

/// The allowances and charges of `requests` in money: a percent is of `lines_net`; rounded to the currency.
pub fn resolve_adjustments(
    requests: &[AdjustmentRequest],
    lines_net: Decimal,
    currency: Currency,
) -> Vec<DocumentAdjustment> {
    requests
        .iter()
        .map(|a| DocumentAdjustment {
            kind: a.kind,
            reason: a.reason.clone(),
            amount: currency
                .round(a.amount.unwrap_or_else(|| lines_net * a.percent.unwrap_or_default() / Decimal::ONE_HUNDRED)),
            vat_category: a.vat_category,
            vat_rate: a.vat_rate,
        })
        .collect()
}
