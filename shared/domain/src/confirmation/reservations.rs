//! Reservations (docs/domain.md "Confirmation rules"): the stock updates from what an order holds to what it should
//! hold, stock as it would be without an order's own reservations, and the reorders stock falling below a minimum
//! calls for.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::catalogue::{ReorderLevel, ReorderNeed};
use crate::ids::{Sku, WarehouseId};
use crate::stock::{Reservation, StockLevel};

/// The stock updates that turn `held` reservations into `wanted` ones: positive quantities reserve more,
/// negative ones release; sorted, one per (SKU, warehouse), zero changes left out.
pub fn reservation_changes(held: &[Reservation], wanted: &[Reservation]) -> Vec<Reservation> {
    let mut delta: BTreeMap<(Sku, WarehouseId, Option<String>), Decimal> = BTreeMap::new();
    for r in wanted {
        *delta.entry((r.sku.clone(), r.warehouse.clone(), r.lot.clone())).or_default() += r.quantity;
    }
    for r in held {
        *delta.entry((r.sku.clone(), r.warehouse.clone(), r.lot.clone())).or_default() -= r.quantity;
    }
    delta
        .into_iter()
        .filter(|(_, q)| !q.is_zero())
        .map(|((sku, warehouse, lot), quantity)| Reservation { sku, warehouse, lot, quantity })
        .collect()
}

/// Stock levels as they would be without `held` (an order's own reservations, when it is confirmed again).
pub fn without_reservations(
    stock: &HashMap<Sku, Vec<StockLevel>>,
    held: &[Reservation],
) -> HashMap<Sku, Vec<StockLevel>> {
    let mut stock = stock.clone();
    for r in held {
        if let Some(level) = stock
            .get_mut(&r.sku)
            .and_then(|levels| levels.iter_mut().find(|l| l.warehouse == r.warehouse && l.lot == r.lot))
        {
            level.reserved = (level.reserved - r.quantity).max(Decimal::ZERO);
        }
    }
    stock
}

/// SKUs whose available quantity, after `reservations`, is below the product's minimum, with how much to reorder.
pub fn reorder_needed(
    stock: &HashMap<Sku, Vec<StockLevel>>,
    reservations: &[Reservation],
    levels: &HashMap<Sku, ReorderLevel>,
) -> Vec<ReorderNeed> {
    let mut reserved: BTreeMap<&Sku, Decimal> = BTreeMap::new();
    for reservation in reservations {
        *reserved.entry(&reservation.sku).or_default() += reservation.quantity;
    }
    reserved
        .into_iter()
        .filter_map(|(sku, quantity)| {
            let after = stock_for(stock, sku) - quantity;
            levels.get(sku)?.need(sku, after)
        })
        .collect()
}

/// Available quantity of `sku`, summed over its levels.
pub(super) fn stock_for(stock: &HashMap<Sku, Vec<StockLevel>>, sku: &Sku) -> Decimal {
    stock.get(sku).map(|levels| levels.iter().map(StockLevel::available).sum()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confirmation::testing::{sku, stock, wh};
    use rust_decimal_macros::dec;

    #[test]
    fn a_reconfirmation_reserves_only_the_difference() {
        let held = vec![
            Reservation { sku: sku("S1"), warehouse: wh("a"), lot: None, quantity: dec!(5) },
            Reservation { sku: sku("S2"), warehouse: wh("a"), lot: None, quantity: dec!(1) },
        ];
        let wanted = vec![
            Reservation { sku: sku("S1"), warehouse: wh("a"), lot: None, quantity: dec!(3) },
            Reservation { sku: sku("S3"), warehouse: wh("b"), lot: None, quantity: dec!(2) },
        ];
        assert_eq!(
            reservation_changes(&held, &wanted),
            vec![
                Reservation { sku: sku("S1"), warehouse: wh("a"), lot: None, quantity: dec!(-2) },
                Reservation { sku: sku("S2"), warehouse: wh("a"), lot: None, quantity: dec!(-1) },
                Reservation { sku: sku("S3"), warehouse: wh("b"), lot: None, quantity: dec!(2) },
            ]
        );
        let levels = stock(&[("S1", "a", dec!(10), dec!(7))]);
        assert_eq!(without_reservations(&levels, &held)[&sku("S1")][0].available(), dec!(8));
    }

    #[test]
    fn reorders_are_suggested_below_the_minimum() {
        let levels = stock(&[("S1", "a", dec!(10), dec!(0))]);
        let reservations = vec![Reservation { sku: sku("S1"), warehouse: wh("a"), lot: None, quantity: dec!(6) }];
        let minimum = HashMap::from([(sku("S1"), ReorderLevel { minimum: dec!(5), target: dec!(20) })]);
        assert_eq!(
            reorder_needed(&levels, &reservations, &minimum),
            vec![ReorderNeed { sku: sku("S1"), available: dec!(4), suggested_quantity: dec!(16) }]
        );
        // At the minimum exactly, nothing is suggested.
        let reservations = vec![Reservation { sku: sku("S1"), warehouse: wh("a"), lot: None, quantity: dec!(5) }];
        assert_eq!(reorder_needed(&levels, &reservations, &minimum), vec![]);
    }
}
