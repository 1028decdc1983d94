//! Planning a confirmation (docs/domain.md "Confirmation rules"): per line, what stock allows across the tenant's
//! warehouses in priority order (lots first-expiring first), what a call-off may still draw from its blanket order,
//! and the status and reason that follow from the tenant's policies.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::reservations::stock_for;
use crate::ids::{Sku, WarehouseId};
use crate::order::{Order, OrderStatus, OrderType};
use crate::stock::{LineOutcome, Reservation, StockLevel};
use crate::tenant::{BuyerPricePolicy, ResponsePolicy, ShortagePolicy, TenantSettings};

/// The decision for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDecision {
    /// Line number.
    pub line_no: u32,
    /// Confirmed quantity (0 for a rejected line).
    pub confirmed: Decimal,
    /// Outcome.
    pub outcome: LineOutcome,
    /// Buyer-visible explanation of a change or rejection.
    pub note: Option<String>,
}

/// The complete outcome of confirming an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationPlan {
    /// New status.
    pub status: OrderStatus,
    /// Per line, in line order.
    pub lines: Vec<LineDecision>,
    /// Reservations, one per (SKU, warehouse), sorted (the order of conditional writes is deterministic).
    pub reservations: Vec<Reservation>,
    /// Why the order was rejected, or a summary of the changes, for the buyer.
    pub reason: Option<String>,
    /// Quantities drawn from the blanket order, by the blanket order's line number.
    pub blanket_drawdown: BTreeMap<u32, Decimal>,
}

/// Where stock lies: a warehouse and, for lot-tracked products, a lot.
type Place = (WarehouseId, Option<String>);

/// Remaining quantity of a blanket order per SKU, by blanket line.
fn blanket_remaining(blanket: &Order) -> Vec<(u32, Sku, Decimal)> {
    blanket
        .lines
        .iter()
        .filter_map(|line| {
            let sku = line.sku.clone()?;
            Some((line.line_no, sku, (line.quantity - line.called_off_quantity).max(Decimal::ZERO)))
        })
        .collect()
}

/// Decides how to confirm `order`.
///
/// `stock` lists each SKU's levels in the tenant's warehouse priority order. `blanket` is the blanket order of a
/// call-off order (required for call-offs; a missing one rejects the order).
pub fn plan_confirmation(
    order: &Order,
    tenant: &TenantSettings,
    stock: &HashMap<Sku, Vec<StockLevel>>,
    blanket: Option<&Order>,
) -> ConfirmationPlan {
    let mut plan = ConfirmationPlan {
        status: OrderStatus::Accepted,
        lines: Vec::new(),
        reservations: Vec::new(),
        reason: None,
        blanket_drawdown: BTreeMap::new(),
    };
    let price_review = match tenant.peppol_orders.buyer_prices {
        BuyerPricePolicy::Review => buyer_price_differences(order),
        BuyerPricePolicy::OursWin => None,
    };
    if price_review.is_some() || tenant.response_policy == ResponsePolicy::Manual {
        plan.status = OrderStatus::PendingResponse;
        plan.lines = order.lines.iter().map(|l| unreserved(l.line_no)).collect();
        plan.reason = price_review;
        return plan;
    }
    if order.order_type == OrderType::Blanket {
        plan.reason = Some("Framework agreement confirmed; goods are delivered through call-off orders.".into());
        plan.lines = order.lines.iter().map(|l| unreserved(l.line_no)).collect();
        return plan;
    }

    // Available quantity per (SKU, warehouse), consumed line by line.
    let mut available: HashMap<&Sku, Vec<(Place, Decimal)>> = stock
        .iter()
        .map(|(sku, levels)| {
            (sku, levels.iter().map(|l| ((l.warehouse.clone(), l.lot.clone()), l.available())).collect())
        })
        .collect();
    let mut remaining_blanket = blanket.map(blanket_remaining).unwrap_or_default();
    let mut reserved: BTreeMap<(Sku, WarehouseId, Option<String>), Decimal> = BTreeMap::new();

    for line in &order.lines {
        let Some(sku) = &line.sku else {
            // A free-text line reserves no stock: what staff entered is confirmed as it is.
            plan.lines.push(LineDecision {
                line_no: line.line_no,
                confirmed: line.quantity,
                outcome: LineOutcome::Accepted,
                note: None,
            });
            continue;
        };
        let mut wanted = line.quantity;
        if order.order_type == OrderType::CallOff {
            let Some(blanket) = blanket else {
                plan.lines.push(rejected(line.line_no, "The blanket order this call-off refers to was not found."));
                continue;
            };
            let left: Decimal =
                remaining_blanket.iter().filter(|(_, blanket_sku, _)| blanket_sku == sku).map(|(_, _, q)| *q).sum();
            if wanted > left {
                plan.lines.push(rejected(
                    line.line_no,
                    &format!(
                        "Exceeds the remaining quantity of blanket order {}: {left} left of {}.",
                        blanket.order_number, sku
                    ),
                ));
                continue;
            }
        }
        let levels = available.get_mut(sku);
        let mut taken = Decimal::ZERO;
        if let Some(levels) = levels {
            let mut plan_line: Vec<(usize, Decimal)> = Vec::new();
            for (index, (_, free)) in levels.iter().enumerate() {
                if wanted.is_zero() {
                    break;
                }
                let take = (*free).min(wanted);
                if take > Decimal::ZERO {
                    plan_line.push((index, take));
                    wanted -= take;
                    taken += take;
                }
            }
            let short = taken < line.quantity;
            let keep = !(short && tenant.shortage_policy == ShortagePolicy::RejectLine);
            if keep {
                for (index, take) in plan_line {
                    let ((warehouse, lot), free) = &mut levels[index];
                    *free -= take;
                    *reserved.entry((sku.clone(), warehouse.clone(), lot.clone())).or_default() += take;
                }
            } else {
                taken = Decimal::ZERO;
            }
        }
        let decision = if taken == line.quantity {
            LineDecision { line_no: line.line_no, confirmed: taken, outcome: LineOutcome::Accepted, note: None }
        } else if taken.is_zero() {
            let detail =
                if tenant.shortage_policy == ShortagePolicy::RejectLine && stock_for(stock, sku) > Decimal::ZERO {
                    format!(
                        "Only part of {} {} is in stock; the line cannot be delivered in full.",
                        line.quantity, line.unit
                    )
                } else {
                    "Out of stock.".to_owned()
                };
            rejected(line.line_no, &detail)
        } else {
            let note =
                format!("Only {taken} of {} {} can be delivered; the rest is cancelled.", line.quantity, line.unit);
            LineDecision { line_no: line.line_no, confirmed: taken, outcome: LineOutcome::Changed, note: Some(note) }
        };
        if order.order_type == OrderType::CallOff && decision.confirmed > Decimal::ZERO {
            let mut draw = decision.confirmed;
            for (blanket_line, blanket_sku, left) in &mut remaining_blanket {
                if blanket_sku != sku || draw.is_zero() {
                    continue;
                }
                let take = (*left).min(draw);
                *left -= take;
                draw -= take;
                *plan.blanket_drawdown.entry(*blanket_line).or_default() += take;
            }
        }
        plan.lines.push(decision);
    }

    plan.reservations = reserved
        .into_iter()
        .map(|((sku, warehouse, lot), quantity)| Reservation { sku, warehouse, lot, quantity })
        .collect();
    let confirmed_any = plan.lines.iter().any(|l| l.confirmed > Decimal::ZERO);
    let all_accepted = plan.lines.iter().all(|l| l.outcome == LineOutcome::Accepted);
    plan.status = if all_accepted {
        OrderStatus::Accepted
    } else if confirmed_any {
        OrderStatus::AcceptedWithChanges
    } else {
        OrderStatus::Rejected
    };
    plan.reason = match plan.status {
        OrderStatus::Rejected => Some(
            plan.lines
                .iter()
                .filter_map(|l| l.note.as_ref().map(|n| format!("Line {}: {n}", l.line_no)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        OrderStatus::AcceptedWithChanges => {
            Some("Some lines could not be confirmed as ordered; see the changed lines.".into())
        }
        OrderStatus::Received
        | OrderStatus::PendingResponse
        | OrderStatus::Accepted
        | OrderStatus::PartiallyDelivered
        | OrderStatus::Delivered
        | OrderStatus::PartiallyInvoiced
        | OrderStatus::Invoiced
        | OrderStatus::Cancelled
        | OrderStatus::Closed => None,
    };
    plan
}

/// The lines whose price the buyer stated otherwise than ours, for the buyer (a tenant reviewing buyers' prices
/// answers such an order by hand), or `None` when every stated price is ours.
fn buyer_price_differences(order: &Order) -> Option<String> {
    let lines: Vec<String> = order
        .lines
        .iter()
        .filter_map(|line| {
            let asked = line.buyer_price_difference()?;
            let ours = match line.net_unit_price(2).filter(|_| !line.allowance.is_zero()) {
                Some(net) => format!("{} ({net} after the discount)", line.unit_price),
                None => line.unit_price.to_string(),
            };
            Some(format!(
                "line {} ({}): {asked} {} stated, {ours} ours",
                line.reference(),
                line.article(),
                order.currency
            ))
        })
        .collect();
    (!lines.is_empty())
        .then(|| format!("The prices stated differ from ours on {}; the seller answers the order.", lines.join("; ")))
}

/// A line accepted without reserving anything (blanket orders; manual response pending).
fn unreserved(line_no: u32) -> LineDecision {
    LineDecision { line_no, confirmed: Decimal::ZERO, outcome: LineOutcome::Accepted, note: None }
}

fn rejected(line_no: u32, note: &str) -> LineDecision {
    LineDecision { line_no, confirmed: Decimal::ZERO, outcome: LineOutcome::Rejected, note: Some(note.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confirmation::testing::{sku, stock, tenant, wh};
    use crate::fixtures::order;
    use rust_decimal_macros::dec;

    #[test]
    fn enough_stock_is_reserved_in_warehouse_priority_order() {
        let order = order(OrderType::Purchase, &[("S1", dec!(7))]);
        let plan = plan_confirmation(
            &order,
            &tenant(ShortagePolicy::AcceptWithChanges),
            &stock(&[("S1", "a", dec!(5), dec!(0)), ("S1", "b", dec!(10), dec!(0))]),
            None,
        );
        assert_eq!(plan.status, OrderStatus::Accepted);
        assert_eq!(
            plan.reservations,
            vec![
                Reservation { sku: sku("S1"), warehouse: wh("a"), lot: None, quantity: dec!(5) },
                Reservation { sku: sku("S1"), warehouse: wh("b"), lot: None, quantity: dec!(2) },
            ]
        );
    }

    #[test]
    fn short_stock_is_confirmed_partly_or_the_line_rejected_by_policy() {
        let order = order(OrderType::Purchase, &[("S1", dec!(7)), ("S2", dec!(1))]);
        let levels = stock(&[("S1", "a", dec!(5), dec!(2)), ("S2", "a", dec!(1), dec!(0))]);
        let plan = plan_confirmation(&order, &tenant(ShortagePolicy::AcceptWithChanges), &levels, None);
        assert_eq!(plan.status, OrderStatus::AcceptedWithChanges);
        assert_eq!((plan.lines[0].confirmed, plan.lines[0].outcome), (dec!(3), LineOutcome::Changed));
        assert!(plan.lines[0].note.as_deref().is_some_and(|n| n.contains("Only 3 of 7")));

        let plan = plan_confirmation(&order, &tenant(ShortagePolicy::RejectLine), &levels, None);
        assert_eq!(plan.status, OrderStatus::AcceptedWithChanges);
        assert_eq!((plan.lines[0].confirmed, plan.lines[0].outcome), (dec!(0), LineOutcome::Rejected));
        assert_eq!(plan.reservations.len(), 1, "only S2 is reserved");
    }

    #[test]
    fn no_stock_at_all_rejects_with_a_reason() {
        let order = order(OrderType::Purchase, &[("S1", dec!(1))]);
        let plan = plan_confirmation(&order, &tenant(ShortagePolicy::AcceptWithChanges), &HashMap::new(), None);
        assert_eq!(plan.status, OrderStatus::Rejected);
        assert!(plan.reason.as_deref().is_some_and(|r| r.contains("Out of stock")));
        assert!(plan.reservations.is_empty());
    }

    #[test]
    fn two_lines_of_one_sku_share_the_stock() {
        let order = order(OrderType::Purchase, &[("S1", dec!(3)), ("S1", dec!(3))]);
        let plan = plan_confirmation(
            &order,
            &tenant(ShortagePolicy::AcceptWithChanges),
            &stock(&[("S1", "a", dec!(4), dec!(0))]),
            None,
        );
        assert_eq!(plan.lines[0].confirmed, dec!(3));
        assert_eq!(plan.lines[1].confirmed, dec!(1));
        assert_eq!(plan.reservations[0].quantity, dec!(4));
    }

    #[test]
    fn blanket_orders_are_never_reserved_and_call_offs_draw_them_down() {
        let blanket = order(OrderType::Blanket, &[("S1", dec!(10))]);
        let levels = stock(&[("S1", "a", dec!(100), dec!(0))]);
        let plan = plan_confirmation(&blanket, &tenant(ShortagePolicy::AcceptWithChanges), &levels, None);
        assert_eq!(plan.status, OrderStatus::Accepted);
        assert!(plan.reservations.is_empty());

        let mut drawn = blanket.clone();
        drawn.lines[0].called_off_quantity = dec!(6);
        let call_off = order(OrderType::CallOff, &[("S1", dec!(4)), ("S1", dec!(1))]);
        let plan = plan_confirmation(&call_off, &tenant(ShortagePolicy::AcceptWithChanges), &levels, Some(&drawn));
        assert_eq!(plan.status, OrderStatus::AcceptedWithChanges);
        assert_eq!(plan.lines[0].outcome, LineOutcome::Accepted);
        assert_eq!(plan.lines[1].outcome, LineOutcome::Rejected, "4 were left and line 1 took them");
        assert!(plan.lines[1].note.as_deref().is_some_and(|n| n.contains("remaining quantity")));
        assert_eq!(plan.blanket_drawdown, BTreeMap::from([(1, dec!(4))]));
    }

    #[test]
    fn manual_tenants_wait_for_the_back_office() {
        let mut settings = tenant(ShortagePolicy::AcceptWithChanges);
        settings.response_policy = ResponsePolicy::Manual;
        let plan = plan_confirmation(&order(OrderType::Purchase, &[("S1", dec!(1))]), &settings, &HashMap::new(), None);
        assert_eq!(plan.status, OrderStatus::PendingResponse);
        assert!(plan.reservations.is_empty());
    }

    #[test]
    fn a_buyers_price_other_than_ours_waits_for_the_seller_only_when_the_tenant_reviews_them() {
        let mut priced = order(OrderType::Purchase, &[("S1", dec!(2)), ("S2", dec!(1))]);
        let ours = priced.lines[0].unit_price;
        priced.lines[0].buyer_price = Some(ours);
        priced.lines[1].buyer_price = Some(priced.lines[1].unit_price - dec!(0.5));
        priced.lines[1].buyer_line_id = Some("20".into());
        let levels = stock(&[("S1", "a", dec!(10), dec!(0)), ("S2", "a", dec!(10), dec!(0))]);
        let mut settings = tenant(ShortagePolicy::AcceptWithChanges);

        let plan = plan_confirmation(&priced, &settings, &levels, None);
        assert_eq!(plan.status, OrderStatus::Accepted, "ours win by default");

        settings.peppol_orders.buyer_prices = BuyerPricePolicy::Review;
        let plan = plan_confirmation(&priced, &settings, &levels, None);
        assert_eq!(plan.status, OrderStatus::PendingResponse);
        assert!(plan.reservations.is_empty());
        let reason = plan.reason.expect("reason");
        assert!(reason.contains("line 20 (S2)"), "{reason}");
        assert!(!reason.contains("(S1)"), "the first line's price is ours: {reason}");

        priced.lines[1].buyer_price = Some(priced.lines[1].unit_price);
        assert_eq!(plan_confirmation(&priced, &settings, &levels, None).status, OrderStatus::Accepted);
    }

    #[test]
    fn a_buyers_price_matches_ours_before_or_after_the_discount() {
        let mut line = order(OrderType::Purchase, &[("S1", dec!(3))]).lines.remove(0);
        line.unit_price = dec!(10);
        line.allowance = dec!(3);
        line.line_net = dec!(27);
        for (asked, differs) in [(dec!(10), false), (dec!(9), false), (dec!(9.00), false), (dec!(9.5), true)] {
            line.buyer_price = Some(asked);
            assert_eq!(line.buyer_price_difference().is_some(), differs, "{asked}");
        }
        line.buyer_price = None;
        assert_eq!(line.buyer_price_difference(), None);
    }

    #[test]
    fn lots_are_taken_first_expiring_first_within_the_warehouse_order() {
        use crate::stock::sort_for_reservation;
        let lot = |w: &str, lot: &str, expires: Option<time::Date>, on_hand: Decimal| StockLevel {
            warehouse: wh(w),
            lot: Some(lot.into()),
            expires,
            on_hand,
            reserved: Decimal::ZERO,
        };
        let mut levels = vec![
            lot("b", "B1", Some(time::macros::date!(2026 - 12 - 01)), dec!(10)),
            lot("a", "LATE", Some(time::macros::date!(2027 - 06 - 01)), dec!(10)),
            lot("a", "NODATE", None, dec!(10)),
            lot("a", "SOON", Some(time::macros::date!(2027 - 01 - 01)), dec!(3)),
        ];
        sort_for_reservation(&mut levels, &[wh("a"), wh("b")]);
        let order_of: Vec<_> = levels.iter().filter_map(|l| l.lot.clone()).collect();
        assert_eq!(order_of, ["SOON", "LATE", "NODATE", "B1"]);
        let order = order(OrderType::Purchase, &[("S1", dec!(5))]);
        let plan = plan_confirmation(
            &order,
            &tenant(ShortagePolicy::AcceptWithChanges),
            &HashMap::from([(sku("S1"), levels)]),
            None,
        );
        let taken: Vec<_> = plan.reservations.iter().map(|r| (r.lot.clone().unwrap_or_default(), r.quantity)).collect();
        assert_eq!(taken, [("LATE".to_owned(), dec!(2)), ("SOON".to_owned(), dec!(3))]);
    }

    proptest::proptest! {
        #[test]
        fn reservations_never_exceed_what_is_available(
            quantities in proptest::collection::vec(1i64..20, 1..8),
            on_hand in proptest::collection::vec((0i64..15, 0i64..5), 2),
        ) {
            let lines: Vec<(&str, Decimal)> = quantities.iter().map(|q| ("S1", Decimal::new(*q, 0))).collect();
            let order = order(OrderType::Purchase, &lines);
            let levels = stock(&[
                ("S1", "a", Decimal::new(on_hand[0].0 + on_hand[0].1, 0), Decimal::new(on_hand[0].1, 0)),
                ("S1", "b", Decimal::new(on_hand[1].0 + on_hand[1].1, 0), Decimal::new(on_hand[1].1, 0)),
            ]);
            let plan = plan_confirmation(&order, &tenant(ShortagePolicy::AcceptWithChanges), &levels, None);
            for reservation in &plan.reservations {
                let level = levels[&reservation.sku].iter().find(|l| l.warehouse == reservation.warehouse).expect("level");
                proptest::prop_assert!(reservation.quantity <= level.available());
            }
            let confirmed: Decimal = plan.lines.iter().map(|l| l.confirmed).sum();
            let reserved: Decimal = plan.reservations.iter().map(|r| r.quantity).sum();
            proptest::prop_assert_eq!(confirmed, reserved);
        }
    }
}
