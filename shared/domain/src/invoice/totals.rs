//! Document totals (docs/domain.md "Money"): the EN 16931 totals and VAT breakdown of a document (BR-CO-10 …
//! BR-CO-17), and the allowance and net of billing part of a discounted line so the parts add up exactly.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::document::InvoiceLine;
use crate::adjustment::DocumentAdjustment;
use crate::money::{Currency, Discount};
use crate::order::{OrderLine, VatBreakdown};
use crate::pricing::{adjustment_totals, vat_breakdown};

/// Document totals (BG-22), each rounded to the currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentTotals {
    /// Σ line net amounts (BT-106, BR-CO-10).
    #[serde(with = "rust_decimal::serde::str")]
    pub line_extension: Decimal,
    /// Σ document-level allowances (BT-107, BR-CO-11).
    #[serde(with = "rust_decimal::serde::str")]
    pub allowances: Decimal,
    /// Σ document-level charges (BT-108, BR-CO-12).
    #[serde(with = "rust_decimal::serde::str")]
    pub charges: Decimal,
    /// line extension − allowances + charges (BT-109, BR-CO-13).
    #[serde(with = "rust_decimal::serde::str")]
    pub tax_exclusive: Decimal,
    /// Σ VAT breakdown tax amounts (BT-110, BR-CO-14).
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    /// tax exclusive + VAT (BT-112, BR-CO-15).
    #[serde(with = "rust_decimal::serde::str")]
    pub tax_inclusive: Decimal,
    /// Paid in advance (BT-113).
    #[serde(with = "rust_decimal::serde::str")]
    pub prepaid: Decimal,
    /// Rounding (BT-114).
    #[serde(with = "rust_decimal::serde::str")]
    pub rounding: Decimal,
    /// tax inclusive − prepaid + rounding (BT-115, BR-CO-16).
    #[serde(with = "rust_decimal::serde::str")]
    pub payable: Decimal,
}

/// Totals and VAT breakdown of document lines and document-level allowances and charges (EN 16931).
///
/// One breakdown entry per (category, rate): taxable = its line nets − its allowances + its charges (BR-S-08 and
/// its siblings); tax = round(taxable × rate / 100) (BR-CO-17); VAT total = Σ entries (BR-CO-14).
pub fn document_totals(
    lines: &[InvoiceLine],
    adjustments: &[DocumentAdjustment],
    currency: Currency,
) -> (DocumentTotals, Vec<VatBreakdown>) {
    let breakdown =
        vat_breakdown(lines.iter().map(|l| (l.vat_category, l.vat_rate, l.line_net)), adjustments, currency);
    let line_extension = currency.round(lines.iter().map(|l| l.line_net).sum());
    let (allowances, charges) = adjustment_totals(adjustments, currency);
    let tax_exclusive = currency.round(line_extension - allowances + charges);
    let vat = currency.round(breakdown.iter().map(|b| b.vat).sum());
    let tax_inclusive = currency.round(tax_exclusive + vat);
    let (prepaid, rounding) = (currency.round(Decimal::ZERO), currency.round(Decimal::ZERO));
    let payable = currency.round(tax_inclusive - prepaid + rounding);
    (
        DocumentTotals {
            line_extension,
            allowances,
            charges,
            tax_exclusive,
            vat,
            tax_inclusive,
            prepaid,
            rounding,
            payable,
        },
        breakdown,
    )
}

/// The allowance and net amount of billing `quantity` of `line` when `billed_before` of it was billed already.
///
/// A percentage discount is computed on the billed amount. A fixed discount is spread over the confirmed quantity
/// in proportion, the document completing the line taking the remainder, so the parts add up to the line's
/// discount exactly.
pub fn line_amounts(
    line: &OrderLine,
    quantity: Decimal,
    billed_before: Decimal,
    currency: Currency,
) -> (Decimal, Decimal) {
    let gross = currency.round(quantity * line.unit_price);
    let allowance = match line.discount {
        Some(Discount::Percent(percent)) => currency.round(quantity * line.unit_price * percent / Decimal::ONE_HUNDRED),
        _ if line.allowance.is_zero() => currency.round(Decimal::ZERO),
        _ => {
            let base = if line.confirmed_quantity > Decimal::ZERO { line.confirmed_quantity } else { line.quantity };
            let share = |q: Decimal| currency.round(line.allowance * q / base);
            if billed_before + quantity >= base {
                currency.round(line.allowance - share(billed_before))
            } else {
                share(quantity)
            }
        }
    };
    let allowance = allowance.min(gross).max(Decimal::ZERO);
    (allowance, currency.round(gross - allowance))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjustment::AdjustmentKind;
    use crate::fixtures;
    use crate::invoice::testing::{at, delivered};
    use crate::invoice::{draft_invoice, plan_order_invoice};
    use crate::tax::VatCategory;
    use rust_decimal_macros::dec;

    #[test]
    fn a_fixed_line_discount_is_spread_over_partial_invoices_and_adds_up() {
        let mut order = delivered(&[("A", dec!(3))]);
        order.lines[0].discount = Some(Discount::Amount(dec!(1.00)));
        order.lines[0].allowance = dec!(1.00);
        let eur = order.currency;
        // 1 of 3: 0.33; then 1 more: 0.33; the last takes 1.00 − round(1.00 × 2 / 3) = 0.33
        let first = line_amounts(&order.lines[0], dec!(1), dec!(0), eur);
        let second = line_amounts(&order.lines[0], dec!(1), dec!(1), eur);
        let last = line_amounts(&order.lines[0], dec!(1), dec!(2), eur);
        assert_eq!((first.0, second.0, last.0), (dec!(0.33), dec!(0.33), dec!(0.33)));
        let two_then_one = (
            line_amounts(&order.lines[0], dec!(2), dec!(0), eur),
            line_amounts(&order.lines[0], dec!(1), dec!(2), eur),
        );
        assert_eq!(two_then_one.0 .0 + two_then_one.1 .0, dec!(1.00));
        assert_eq!(two_then_one.0 .1, dec!(19.33));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn arb_line() -> impl Strategy<Value = (i64, u32, i64, usize, Option<i64>)> {
            // quantity (4 decimals), unit price (0–4 decimals), rate index, percent discount in hundredths
            (1i64..2_000_000, 0u32..5, 1i64..10_000_000, 0usize..6, prop::option::of(0i64..5_000))
        }

        fn arb_adjustment() -> impl Strategy<Value = (bool, i64, usize)> {
            (any::<bool>(), 1i64..50_000, 0usize..6)
        }

        const RATES: [(VatCategory, i64); 6] = [
            (VatCategory::S, 25),
            (VatCategory::S, 12),
            (VatCategory::S, 6),
            (VatCategory::Z, 0),
            (VatCategory::E, 0),
            (VatCategory::S, 19),
        ];

        proptest! {
            #[test]
            fn totals_satisfy_br_co_10_to_16_and_the_breakdown_matches(
                lines in prop::collection::vec(arb_line(), 1..=50),
                adjustments in prop::collection::vec(arb_adjustment(), 0..4),
                yen in any::<bool>(),
            ) {
                let currency = Currency::parse(if yen { "JPY" } else { "EUR" }).expect("currency");
                let minor = currency.minor_units();
                let quantities: Vec<(String, Decimal)> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, (q, ..))| (format!("S{i}"), Decimal::new(*q, 4)))
                    .collect();
                let refs: Vec<(&str, Decimal)> = quantities.iter().map(|(s, q)| (s.as_str(), *q)).collect();
                let mut order = delivered(&refs);
                order.currency = currency;
                order.buyer.vat_id = Some("SE999999999901".into());
                for (line, (_, price_scale, price, rate, discount)) in order.lines.iter_mut().zip(&lines) {
                    line.unit_price = Decimal::new(*price, *price_scale);
                    line.vat_category = RATES[*rate].0;
                    line.vat_rate = Decimal::from(RATES[*rate].1);
                    line.discount = discount.map(|d| Discount::Percent(Decimal::new(d, 2)));
                }
                order.adjustments = adjustments
                    .iter()
                    .map(|(charge, cents, rate)| DocumentAdjustment {
                        kind: if *charge { AdjustmentKind::Charge } else { AdjustmentKind::Allowance },
                        reason: "x".into(),
                        amount: currency.round(Decimal::new(*cents, 2)),
                        vat_category: RATES[*rate].0,
                        vat_rate: Decimal::from(RATES[*rate].1),
                    })
                    .collect();
                let plan = plan_order_invoice(&order, None).expect("plan");
                let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("draft");
                let invoice = draft.numbered(1);
                let t = &invoice.totals;
                let round = |d: Decimal| currency.round(d);
                for line in &invoice.lines {
                    prop_assert_eq!(line.line_net.scale(), minor);
                    // PEPPOL-EN16931-R120 with no slack: net = round(quantity × price) − allowance
                    prop_assert_eq!(line.line_net, round(line.quantity * line.unit_price) - line.allowance);
                }
                let sum_lines: Decimal = invoice.lines.iter().map(|l| l.line_net).sum();
                let sum_allowances: Decimal = invoice.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Allowance).map(|a| a.amount).sum();
                let sum_charges: Decimal = invoice.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Charge).map(|a| a.amount).sum();
                prop_assert_eq!(t.line_extension, sum_lines); // BR-CO-10
                prop_assert_eq!(t.allowances, sum_allowances); // BR-CO-11
                prop_assert_eq!(t.charges, sum_charges); // BR-CO-12
                prop_assert_eq!(t.tax_exclusive, t.line_extension - t.allowances + t.charges); // BR-CO-13
                prop_assert_eq!(t.vat, invoice.vat_breakdown.iter().map(|b| b.vat).sum::<Decimal>()); // BR-CO-14
                prop_assert_eq!(t.tax_inclusive, t.tax_exclusive + t.vat); // BR-CO-15
                prop_assert_eq!(t.payable, t.tax_inclusive - t.prepaid + t.rounding); // BR-CO-16
                // the breakdown: one entry per (category, rate), taxable = its lines ± its adjustments, tax rounded
                prop_assert_eq!(invoice.vat_breakdown.iter().map(|b| b.taxable).sum::<Decimal>(), t.tax_exclusive);
                for entry in &invoice.vat_breakdown {
                    let lines: Decimal = invoice.lines.iter().filter(|l| l.vat_category == entry.category && l.vat_rate == entry.rate).map(|l| l.line_net).sum();
                    let adjustments: Decimal = invoice.adjustments.iter().filter(|a| a.vat_category == entry.category && a.vat_rate == entry.rate).map(DocumentAdjustment::signed_amount).sum();
                    prop_assert_eq!(entry.taxable, lines + adjustments);
                    prop_assert_eq!(entry.vat, round(entry.taxable * entry.rate / Decimal::ONE_HUNDRED)); // BR-CO-17
                }
                let keys: std::collections::BTreeSet<_> = invoice.vat_breakdown.iter().map(|b| (b.category, b.rate)).collect();
                prop_assert_eq!(keys.len(), invoice.vat_breakdown.len());
                for amount in [t.line_extension, t.tax_exclusive, t.vat, t.tax_inclusive, t.payable] {
                    prop_assert_eq!(amount.scale(), minor);
                }
            }
        }
    }

    #[test]
    fn a_worked_example_checked_by_hand() {
        // Line 1: 3 × 19.99 = 59.97, 10 % off = 6.00 (5.997), net 53.97, 25 %
        // Line 2: 2.5 × 4.10 = 10.25, net 10.25, 12 %
        // Freight 49.00 at 25 %; discount 5.00 at 12 %
        // 25 %: 53.97 + 49.00 = 102.97 → VAT 25.7425 → 25.74
        // 12 %: 10.25 − 5.00 = 5.25 → VAT 0.63
        // lines 64.22; exclusive 64.22 − 5.00 + 49.00 = 108.22; VAT 26.37; inclusive 134.59
        let mut order = delivered(&[("A", dec!(3)), ("B", dec!(2.5))]);
        order.lines[0].unit_price = dec!(19.99);
        order.lines[0].discount = Some(Discount::Percent(dec!(10)));
        order.lines[1].unit_price = dec!(4.10);
        order.lines[1].vat_rate = dec!(12);
        order.adjustments = vec![
            DocumentAdjustment {
                kind: AdjustmentKind::Charge,
                reason: "Freight".into(),
                amount: dec!(49.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(25),
            },
            DocumentAdjustment {
                kind: AdjustmentKind::Allowance,
                reason: "Discount".into(),
                amount: dec!(5.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(12),
            },
        ];
        let plan = plan_order_invoice(&order, None).expect("plan");
        let invoice = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("draft").numbered(1);
        assert_eq!((invoice.lines[0].allowance, invoice.lines[0].line_net), (dec!(6.00), dec!(53.97)));
        let t = &invoice.totals;
        assert_eq!(
            (t.line_extension, t.allowances, t.charges, t.tax_exclusive, t.vat, t.tax_inclusive, t.payable),
            (dec!(64.22), dec!(5.00), dec!(49.00), dec!(108.22), dec!(26.37), dec!(134.59), dec!(134.59))
        );
        let breakdown: Vec<_> = invoice.vat_breakdown.iter().map(|b| (b.rate, b.taxable, b.vat)).collect();
        assert_eq!(breakdown, vec![(dec!(12), dec!(5.25), dec!(0.63)), (dec!(25), dec!(102.97), dec!(25.74))]);
    }
}
