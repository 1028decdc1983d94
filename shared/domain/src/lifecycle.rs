//! The order lifecycle: the statuses an order passes through (docs/domain.md "Statuses") and, as exhaustive
//! predicates, every decision the pipeline takes on them. Each predicate names every variant, so a new status does
//! not compile until each decision is made for it; code elsewhere asks a predicate instead of listing statuses or
//! matching with a catch-all arm (the test `no_wildcard_arm_on_order_status` checks the repository for that).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an order stands (docs/domain.md "Statuses").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stored by intake, waiting for confirmation.
    Received,
    /// Waiting for the seller's manual response.
    PendingResponse,
    /// Everything confirmed.
    Accepted,
    /// Confirmed with changed quantities or dates.
    AcceptedWithChanges,
    /// Refused.
    Rejected,
    /// Some confirmed quantity shipped.
    PartiallyDelivered,
    /// All confirmed quantity shipped.
    Delivered,
    /// Some shipped quantity invoiced.
    PartiallyInvoiced,
    /// Everything invoiced.
    Invoiced,
    /// Cancelled before any shipment.
    Cancelled,
    /// Closed by the seller, remaining quantities given up.
    Closed,
}

use OrderStatus::{
    Accepted, AcceptedWithChanges, Cancelled, Closed, Delivered, Invoiced, PartiallyDelivered, PartiallyInvoiced,
    PendingResponse, Received, Rejected,
};

/// Every status, in lifecycle order (the back office's list filter offers them in this order).
pub const ALL_STATUSES: [OrderStatus; 11] = [
    Received,
    PendingResponse,
    Accepted,
    AcceptedWithChanges,
    Rejected,
    PartiallyDelivered,
    Delivered,
    PartiallyInvoiced,
    Invoiced,
    Cancelled,
    Closed,
];

/// The statuses of an order that still has something to confirm, ship or invoice: [`ALL_STATUSES`] filtered by
/// [`OrderStatus::is_open`], in the same order.
pub const OPEN_STATUSES: [OrderStatus; count_open()] = {
    let mut open = [Received; count_open()];
    let (mut i, mut n) = (0, 0);
    while i < ALL_STATUSES.len() {
        if ALL_STATUSES[i].is_open() {
            open[n] = ALL_STATUSES[i];
            n += 1;
        }
        i += 1;
    }
    open
};

const fn count_open() -> usize {
    let (mut i, mut n) = (0, 0);
    while i < ALL_STATUSES.len() {
        n += ALL_STATUSES[i].is_open() as usize;
        i += 1;
    }
    n
}

impl OrderStatus {
    /// Every status, in lifecycle order (= [`ALL_STATUSES`]).
    pub const ALL: [Self; 11] = ALL_STATUSES;

    /// The API name (`accepted_with_changes`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::PendingResponse => "pending_response",
            Self::Accepted => "accepted",
            Self::AcceptedWithChanges => "accepted_with_changes",
            Self::Rejected => "rejected",
            Self::PartiallyDelivered => "partially_delivered",
            Self::Delivered => "delivered",
            Self::PartiallyInvoiced => "partially_invoiced",
            Self::Invoiced => "invoiced",
            Self::Cancelled => "cancelled",
            Self::Closed => "closed",
        }
    }

    /// Parses [`OrderStatus::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Still something to confirm, ship or invoice: the order tracking report lists it ([`OPEN_STATUSES`]).
    pub const fn is_open(self) -> bool {
        match self {
            Received | PendingResponse | Accepted | AcceptedWithChanges | PartiallyDelivered | Delivered
            | PartiallyInvoiced => true,
            Rejected | Invoiced | Cancelled | Closed => false,
        }
    }

    /// Ended — refused, cancelled or closed: nothing can change any more, and it cannot be cancelled or closed
    /// (again). Not `invoiced`: a credit note takes an invoiced order back.
    pub const fn is_final(self) -> bool {
        match self {
            Rejected | Cancelled | Closed => true,
            Received | PendingResponse | Accepted | AcceptedWithChanges | PartiallyDelivered | Delivered
            | PartiallyInvoiced | Invoiced => false,
        }
    }

    /// Not answered yet: no order response, and the whole ordered quantity is open (nothing confirmed yet).
    pub const fn awaits_answer(self) -> bool {
        match self {
            Received | PendingResponse => true,
            Accepted | AcceptedWithChanges | Rejected | PartiallyDelivered | Delivered | PartiallyInvoiced
            | Invoiced | Cancelled | Closed => false,
        }
    }

    /// May be changed, split or merged as far as the status goes (`change::check_changeable`, which adds: nothing
    /// shipped, and not an answered call-off).
    pub const fn can_change(self) -> bool {
        match self {
            Received | PendingResponse | Accepted | AcceptedWithChanges => true,
            Rejected | PartiallyDelivered | Delivered | PartiallyInvoiced | Invoiced | Cancelled | Closed => false,
        }
    }

    /// Waits for the seller's manual response: only then does a response by hand answer it
    /// (`orders_app::staff::respond`).
    pub const fn can_respond(self) -> bool {
        match self {
            PendingResponse => true,
            Received | Accepted | AcceptedWithChanges | Rejected | PartiallyDelivered | Delivered
            | PartiallyInvoiced | Invoiced | Cancelled | Closed => false,
        }
    }

    /// The console offers to split it: answered and still changeable. (The API also splits a `pending_response`
    /// order; the console leaves that until it is answered.)
    pub const fn offers_split(self) -> bool {
        match self {
            Accepted | AcceptedWithChanges => true,
            Received | PendingResponse | Rejected | PartiallyDelivered | Delivered | PartiallyInvoiced | Invoiced
            | Cancelled | Closed => false,
        }
    }

    /// The console offers to cancel or close it: not ended, and not all invoiced (the API also closes an invoiced
    /// order, which gives nothing up).
    pub const fn offers_ending(self) -> bool {
        match self {
            Received | PendingResponse | Accepted | AcceptedWithChanges | PartiallyDelivered | Delivered
            | PartiallyInvoiced => true,
            Rejected | Invoiced | Cancelled | Closed => false,
        }
    }

    /// Confirmed with quantities that may still be open: a despatch is accepted (`despatch::plan_despatch`).
    pub const fn can_despatch(self) -> bool {
        match self {
            Accepted | AcceptedWithChanges | PartiallyDelivered | PartiallyInvoiced => true,
            Received | PendingResponse | Rejected | Delivered | Invoiced | Cancelled | Closed => false,
        }
    }

    /// The buyer may still send a change or cancellation request (`portal::new_request`): not ended and not
    /// everything shipped.
    pub const fn can_request(self) -> bool {
        match self {
            Received | PendingResponse | Accepted | AcceptedWithChanges | PartiallyDelivered => true,
            Rejected | Delivered | PartiallyInvoiced | Invoiced | Cancelled | Closed => false,
        }
    }

    /// A proforma invoice may be drawn (`invoice::draft_proforma`): not refused or cancelled.
    pub const fn can_proforma(self) -> bool {
        match self {
            Rejected | Cancelled => false,
            Received | PendingResponse | Accepted | AcceptedWithChanges | PartiallyDelivered | Delivered
            | PartiallyInvoiced | Invoiced | Closed => true,
        }
    }

    /// Counts in the sales reports: answered or still open, not rejected or cancelled.
    pub const fn counts_as_sale(self) -> bool {
        match self {
            Rejected | Cancelled => false,
            Received | PendingResponse | Accepted | AcceptedWithChanges | PartiallyDelivered | Delivered
            | PartiallyInvoiced | Invoiced | Closed => true,
        }
    }

    /// Not lowered or raised by the shipped quantities (`despatch::fulfilment_status`).
    pub const fn kept_on_despatch(self) -> bool {
        match self {
            PartiallyInvoiced | Invoiced | Closed => true,
            Received | PendingResponse | Accepted | AcceptedWithChanges | Rejected | PartiallyDelivered | Delivered
            | Cancelled => false,
        }
    }

    /// Not changed by the invoiced quantities (`invoice::billing_status`).
    pub const fn kept_on_billing(self) -> bool {
        match self {
            Cancelled | Closed => true,
            Received | PendingResponse | Accepted | AcceptedWithChanges | Rejected | PartiallyDelivered | Delivered
            | PartiallyInvoiced | Invoiced => false,
        }
    }

    /// The English label the back-office console shows (`functions/console/src/strings.rs`, `status.*`).
    pub const fn label(self) -> &'static str {
        match self {
            Received => "Received",
            PendingResponse => "Awaiting response",
            Accepted => "Accepted",
            AcceptedWithChanges => "Accepted with changes",
            Rejected => "Rejected",
            PartiallyDelivered => "Partially delivered",
            Delivered => "Delivered",
            PartiallyInvoiced => "Partially invoiced",
            Invoiced => "Invoiced",
            Cancelled => "Cancelled",
            Closed => "Closed",
        }
    }

    /// The badge colour the console gives it (`functions/console/assets/console.css`, `.status-*`): `good`, `warn`
    /// or `bad` (its `--good`, `--warn`, `--bad` colours), or `neutral` where the CSS has no rule.
    pub const fn tone(self) -> &'static str {
        match self {
            Accepted | Delivered | Invoiced => "good",
            PendingResponse | AcceptedWithChanges => "warn",
            Rejected | Cancelled => "bad",
            Received | PartiallyDelivered | PartiallyInvoiced | Closed => "neutral",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of [`status_table`]: what a UI needs to show and filter a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatusInfo {
    /// The API name.
    pub status: OrderStatus,
    /// [`OrderStatus::label`].
    pub label: &'static str,
    /// [`OrderStatus::tone`].
    pub tone: &'static str,
    /// [`OrderStatus::is_open`].
    pub open: bool,
    /// [`OrderStatus::is_final`].
    #[serde(rename = "final")]
    pub is_final: bool,
    /// [`OrderStatus::can_respond`].
    pub can_respond: bool,
    /// [`OrderStatus::can_change`].
    pub can_change: bool,
    /// [`OrderStatus::can_despatch`].
    pub can_despatch: bool,
    /// [`OrderStatus::can_request`].
    pub can_request: bool,
    /// [`OrderStatus::offers_split`].
    pub offers_split: bool,
    /// [`OrderStatus::offers_ending`].
    pub offers_ending: bool,
}

/// Every status with its label, tone and flags, in lifecycle order — one table for the console and the portal.
pub fn status_table() -> Vec<StatusInfo> {
    OrderStatus::ALL
        .into_iter()
        .map(|status| StatusInfo {
            status,
            label: status.label(),
            tone: status.tone(),
            open: status.is_open(),
            is_final: status.is_final(),
            can_respond: status.can_respond(),
            can_change: status.can_change(),
            can_despatch: status.can_despatch(),
            can_request: status.can_request(),
            offers_split: status.offers_split(),
            offers_ending: status.offers_ending(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wildcard_scan;

/// In the `*.rs` files under `functions/`, `shared/` and `tools/`, no `match` whose arms name `OrderStatus::` has
/// a catch-all arm (`_ =>`, `other =>`); the heuristic and what it misses are described in `wildcard_scan`.
#[cfg(test)]
#[test]
fn no_wildcard_arm_on_order_status() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut found = Vec::new();
    for dir in ["functions", "shared", "tools"] {
        wildcard_scan::scan_dir(&root, &root.join(dir), &mut found);
    }
    assert!(found.is_empty(), "catch-all arms on OrderStatus:\n{}", found.join("\n"));
}
