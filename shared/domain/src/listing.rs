//! What the back office's order list may be narrowed to: statuses, order type, customer, a receipt window and a
//! free-text search (order id, webshop order number, buyer name prefix, SKU). The store turns a filter into index
//! queries; [`OrderFilter::matches`] is the same rule for one order in hand. And what the customer list is
//! searched by ([`CustomerSearch`]: id, email address, name prefix), with the keys the register is indexed by.

use time::OffsetDateTime;

use crate::catalogue::Customer;
use crate::ids::{CustomerId, OrderId};
use crate::order::{Order, OrderStatus, OrderType};
use crate::party::EmailAddress;

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

/// The key a customer's name is listed and searched by: [`name_search_key`] with diacritics folded to their base
/// letters (`Åsa  LINDQVIST` → `asa lindqvist`), so typing without them finds the name.
pub fn customer_name_key(name: &str) -> String {
    fold_diacritics(&name_search_key(name))
}

/// The key a customer's email address is found by: the address in lower case.
pub fn customer_email_key(email: &EmailAddress) -> String {
    email.as_str().to_lowercase()
}

/// Lower-case Latin letters with diacritics to their base letters (ligatures and `ß` spelled out); combining marks
/// are dropped, so decomposed text folds like composed text. Anything else is kept as it is.
pub fn fold_diacritics(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{0300}'..='\u{036f}' => {}
            _ => match base_letters(c) {
                Some(base) => folded.push_str(base),
                None => folded.push(c),
            },
        }
    }
    folded
}

/// The base letters of a lower-case letter of Latin-1 or Latin Extended-A (and the Romanian comma-below letters).
fn base_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// The customer list's search (`q=`): the customer whose id is the text, those whose email address is the text
/// (ignoring case), and those whose name starts with it, ignoring case, diacritics and repeated spaces
/// ([`customer_name_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSearch {
    text: String,
    name_key: Option<String>,
    id: Option<CustomerId>,
    email: Option<String>,
}

impl CustomerSearch {
    /// The longest `q`, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Reads `q`: `None` when it is blank (the whole register); what is wrong when it is longer than
    /// [`Self::MAX_CHARS`].
    pub fn parse(q: &str) -> Result<Option<Self>, String> {
        if q.chars().count() > Self::MAX_CHARS {
            return Err(format!("at most {} characters", Self::MAX_CHARS));
        }
        let text = q.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let name_key = customer_name_key(text);
        Ok(Some(Self {
            text: text.to_owned(),
            name_key: (!name_key.is_empty()).then_some(name_key),
            id: CustomerId::parse(text).ok(),
            email: EmailAddress::parse(text).ok().map(|email| customer_email_key(&email)),
        }))
    }

    /// The text searched for, trimmed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The start of the names searched for ([`customer_name_key`] of the text); `None` when nothing of the text is
    /// left to match a name with.
    pub fn name_key(&self) -> Option<&str> {
        self.name_key.as_deref()
    }

    /// The id searched for, when the text is one.
    pub fn id(&self) -> Option<&CustomerId> {
        self.id.as_ref()
    }

    /// The email address searched for ([`customer_email_key`]), when the text is one.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Whether the text is `customer`'s id.
    pub fn is_id_of(&self, customer: &Customer) -> bool {
        self.id.as_ref() == Some(&customer.id)
    }

    /// Whether `customer` is found by its id or email address (those come first in the list, the name matches after
    /// them).
    pub fn matches_exactly(&self, customer: &Customer) -> bool {
        self.is_id_of(customer) || self.email.as_deref() == Some(customer_email_key(&customer.email).as_str())
    }

    /// Whether `customer`'s name starts with the text.
    pub fn matches_name(&self, customer: &Customer) -> bool {
        self.name_key.as_deref().is_some_and(|key| customer_name_key(&customer.name).starts_with(key))
    }

    /// Whether `customer` belongs in the list.
    pub fn matches(&self, customer: &Customer) -> bool {
        self.matches_exactly(customer) || self.matches_name(customer)
    }
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

    #[test]
    fn customer_name_keys_also_fold_diacritics() {
        assert_eq!(customer_name_key("  Åsa   LINDQVIST "), "asa lindqvist");
        assert_eq!(customer_name_key("Büro Schmidt GmbH"), "buro schmidt gmbh");
        assert_eq!(customer_name_key("Łódź Ørsted Æble Straße Œuvre"), "lodz orsted aeble strasse oeuvre");
        assert_eq!(customer_name_key("Ça Va Ñandú Şahin Țepeș"), "ca va nandu sahin tepes");
        // Decomposed (a + combining ring) folds like composed.
        assert_eq!(customer_name_key("A\u{30a}sa"), "asa");
        // Other scripts are kept (lower-cased).
        assert_eq!(customer_name_key("Ωμέγα 東京"), "ωμέγα 東京");
    }

    fn customer(id: &str, name: &str, email: &str) -> Customer {
        Customer {
            id: CustomerId::parse(id).expect("id"),
            name: name.into(),
            email: EmailAddress::parse(email).expect("email"),
            language: None,
            vat_id: None,
            address: None,
            discount: None,
            peppol_id: None,
            delivery_addresses: Vec::new(),
        }
    }

    #[test]
    fn a_customer_search_finds_the_id_the_email_and_name_prefixes() {
        let asa = customer("C-7", "Åsa Lindqvist", "Asa.Lindqvist@example.se");
        let parse = |q: &str| CustomerSearch::parse(q).expect("valid").expect("not blank");
        for (q, exact, by_name) in [
            ("C-7", true, false),
            ("c-7", false, false),
            ("asa.lindqvist@EXAMPLE.se", true, false),
            ("asa", false, true),
            ("  ÅSA  l ", false, true),
            ("asa lindqvist", false, true),
            ("lindqvist", false, false),
            ("asal", false, false),
            ("C-70", false, false),
        ] {
            let search = parse(q);
            assert_eq!(search.matches_exactly(&asa), exact, "{q}");
            assert_eq!(search.matches_name(&asa), by_name, "{q}");
            assert_eq!(search.matches(&asa), exact || by_name, "{q}");
        }
        let search = parse(" asa@example.se ");
        assert_eq!((search.text(), search.email(), search.id()), ("asa@example.se", Some("asa@example.se"), None));
        assert_eq!(search.name_key(), Some("asa@example.se"));
        let search = parse("C-7");
        assert_eq!(search.id().map(CustomerId::as_str), Some("C-7"));
        assert!(search.is_id_of(&asa) && search.email().is_none());
        // Nothing of a lone combining mark is left to match a name with.
        assert_eq!(parse("\u{301}").name_key(), None);
    }

    #[test]
    fn a_blank_q_is_the_whole_register_and_a_long_one_is_refused() {
        assert_eq!(CustomerSearch::parse("   "), Ok(None));
        assert_eq!(CustomerSearch::parse(""), Ok(None));
        let longest = "å".repeat(CustomerSearch::MAX_CHARS);
        assert!(CustomerSearch::parse(&longest).expect("100 characters").is_some());
        assert!(CustomerSearch::parse(&format!("{longest}a")).is_err());
    }
}
