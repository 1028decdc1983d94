//! What the back office's order list may be narrowed to: statuses, order type, customer, a receipt window and a
//! free-text search (order id, webshop order number, buyer name prefix, SKU). The store turns a filter into index
//! queries; [`OrderFilter::matches`] is the same rule for one order in hand.

use time::OffsetDateTime;

use crate::ids::{CustomerId, OrderId};
use crate::order::{Order, OrderStatus, OrderType};

pub use crate::lifecycle::ALL_STATUSES;

/// The free-text search of the list (`q=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// An order id (`ord_…`): that order only.
    OrderId(OrderId),
    /// Anything else matches the webshop order number exactly, the start of the buyer's name (ignoring case) or
    /// a SKU of any line exactly.
    Text(String),
}

impl Search {
    /// Reads `q`; blank text searches nothing.
    pub fn parse(q: &str) -> Option<Self> {
        let q = q.trim();
        if q.is_empty() {
            return None;
        }
        Some(match OrderId::parse_public(q) {
            Ok(id) => Self::OrderId(id),
            Err(_) => Self::Text(q.to_owned()),
        })
    }
}

/// The key a buyer name is searched by: lower case, inner whitespace collapsed.
pub fn name_search_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A narrowed order list. `received_from` and `received_to` are inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFilter {
    /// One or several statuses (never empty).
    pub statuses: Vec<OrderStatus>,
    /// Only this order type.
    pub order_type: Option<OrderType>,
    /// Only this customer's orders.
    pub customer: Option<CustomerId>,
    /// Received at or after.
    pub received_from: Option<OffsetDateTime>,
    /// Received at or before.
    pub received_to: Option<OffsetDateTime>,
    /// Free-text search.
    pub search: Option<Search>,
}

impl OrderFilter {
    /// Every order of the tenant.
    pub fn everything() -> Self {
        Self {
            statuses: ALL_STATUSES.to_vec(),
            order_type: None,
            customer: None,
            received_from: None,
            received_to: None,
            search: None,
        }
    }

    /// Whether every status is asked for.
    pub fn all_statuses(&self) -> bool {
        ALL_STATUSES.iter().all(|s| self.statuses.contains(s))
    }

    /// Whether `order` belongs in the list.
    pub fn matches(&self, order: &Order) -> bool {
        self.statuses.contains(&order.status)
            && self.order_type.is_none_or(|t| t == order.order_type)
            && self.customer.as_ref().is_none_or(|c| *c == order.buyer.customer_id)
            && self.received_from.is_none_or(|from| order.received_at >= from)
            && self.received_to.is_none_or(|to| order.received_at <= to)
            && match &self.search {
                None => true,
                Some(Search::OrderId(id)) => *id == order.id,
                Some(Search::Text(text)) => {
                    order.order_number == *text
                        || name_search_key(&order.buyer.name).starts_with(&name_search_key(text))
                        || order.lines.iter().any(|l| l.sku.as_ref().is_some_and(|sku| sku.as_str() == text))
                }
            }
    }

    /// A stable description of the filter, to bind cursors to it.
    pub fn canonical(&self) -> String {
        let mut statuses: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
        statuses.sort_unstable();
        let time = |t: Option<OffsetDateTime>| t.map(|t| t.unix_timestamp_nanos().to_string()).unwrap_or_default();
        format!(
            "s={};t={};c={};f={};to={};q={}",
            statuses.join(","),
            self.order_type.map(|t| format!("{t:?}")).unwrap_or_default(),
            self.customer.as_ref().map(CustomerId::as_str).unwrap_or_default(),
            time(self.received_from),
            time(self.received_to),
            match &self.search {
                None => String::new(),
                Some(Search::OrderId(id)) => id.to_string(),
                Some(Search::Text(text)) => text.clone(),
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use rust_decimal::Decimal;

    fn sample() -> Order {
        fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::ONE), ("SKU-2", Decimal::TWO)])
    }

    #[test]
    fn text_search_matches_order_number_buyer_prefix_and_sku() {
        let order = sample();
        let mut filter = OrderFilter::everything();
        for (q, hit) in [
            (order.order_number.clone(), true),
            (order.buyer.name[..3].to_uppercase(), true),
            (order.lines[1].sku_text().to_owned(), true),
            (format!("{}x", order.order_number), false),
            ("zzz".to_owned(), false),
        ] {
            filter.search = Search::parse(&q);
            assert_eq!(filter.matches(&order), hit, "{q}");
        }
        filter.search = Search::parse(order.id.as_str());
        assert_eq!(filter.search, Some(Search::OrderId(order.id.clone())));
        assert!(filter.matches(&order));
        assert_eq!(Search::parse("   "), None);
    }

    #[test]
    fn statuses_type_customer_and_window_narrow_the_list() {
        let order = sample();
        let mut filter = OrderFilter::everything();
        assert!(filter.all_statuses() && filter.matches(&order));
        filter.statuses = vec![OrderStatus::Rejected];
        assert!(!filter.all_statuses() && !filter.matches(&order));
        filter.statuses = vec![order.status];
        filter.order_type = Some(OrderType::Blanket);
        assert!(!filter.matches(&order));
        filter.order_type = Some(order.order_type);
        filter.received_from = Some(order.received_at);
        filter.received_to = Some(order.received_at);
        assert!(filter.matches(&order), "the window is inclusive");
        filter.received_from = Some(order.received_at + time::Duration::nanoseconds(1));
        assert!(!filter.matches(&order));
    }

    #[test]
    fn canonical_forms_differ_per_filter_and_ignore_status_order() {
        let mut a = OrderFilter::everything();
        a.statuses = vec![OrderStatus::Accepted, OrderStatus::Rejected];
        let mut b = a.clone();
        b.statuses.reverse();
        assert_eq!(a.canonical(), b.canonical());
        b.search = Search::parse("WS-1");
        assert_ne!(a.canonical(), b.canonical());
    }

    #[test]
    fn name_keys_ignore_case_and_spacing() {
        assert_eq!(name_search_key("  Åsa   LINDQVIST "), "åsa lindqvist");
    }
}
