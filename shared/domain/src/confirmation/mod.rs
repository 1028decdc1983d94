//! Confirmation rules (docs/domain.md "Confirmation rules"): reserve what stock allows per line across the tenant's
//! warehouses in priority order, then decide accepted / accepted with changes / rejected by the tenant's policy.
//! Blanket orders are never reserved; call-off orders draw down their blanket order first.

mod answering;
mod planning;
mod reservations;

pub use answering::{answer_in_turn, answer_order, Answer};
pub use planning::{plan_confirmation, ConfirmationPlan, LineDecision};
pub use reservations::{reorder_needed, reservation_changes, without_reservations};

/// Line outcomes and reservations are stock values ([`crate::stock`]); re-exported where they always were.
pub use crate::stock::{LineOutcome, Reservation};

/// Orders, tenants and stock levels the tests confirm against.
#[cfg(test)]
mod testing {
    use std::collections::HashMap;

    use rust_decimal::Decimal;

    use crate::ids::{Sku, TenantId, WarehouseId};
    use crate::money::Currency;
    use crate::party::{EmailAddress, Language};
    use crate::stock::StockLevel;
    use crate::tenant::{ResponsePolicy, ShortagePolicy, TenantSettings};

    pub(super) fn sku(s: &str) -> Sku {
        Sku::parse(s).expect("sku")
    }

    pub(super) fn wh(s: &str) -> WarehouseId {
        WarehouseId::parse(s).expect("warehouse")
    }

    pub(super) fn tenant(shortage: ShortagePolicy) -> TenantSettings {
        TenantSettings {
            tenant: TenantId::parse("t").expect("tenant"),
            name: "T".into(),
            currency: Currency::parse("EUR").expect("EUR"),
            language: Language::english(),
            warehouses: vec![wh("a"), wh("b")],
            order_desk_email: EmailAddress::parse("desk@example.com").expect("email"),
            response_policy: ResponsePolicy::Automatic,
            shortage_policy: shortage,
            tracking_url_templates: Default::default(),
            invoice_trigger: Default::default(),
            peppol_id: None,
            invoicing: None,
            portal: Default::default(),
            limits: Default::default(),
            peppol_orders: Default::default(),
            stored_version: None,
        }
    }

    pub(super) fn stock(levels: &[(&str, &str, Decimal, Decimal)]) -> HashMap<Sku, Vec<StockLevel>> {
        let mut map: HashMap<Sku, Vec<StockLevel>> = HashMap::new();
        for (s, w, on_hand, reserved) in levels {
            map.entry(sku(s)).or_default().push(StockLevel {
                lot: None,
                expires: None,
                warehouse: wh(w),
                on_hand: *on_hand,
                reserved: *reserved,
            });
        }
        map
    }
}
