//! Sales aggregation over a stream of order lines in constant memory: each line is added to its day, product
//! and customer as it arrives and then forgotten, so memory grows with the number of days, products and
//! customers, never with the number of lines. Amounts are exact: parsed straight into fixed-point integers of
//! [`DECIMAL_SCALE`](orders_domain::reports::DECIMAL_SCALE) places (a value with more places is refused, never rounded) and summed
//! in `i64` (a sum beyond ±922 trillion is refused, never wrapped). This is the core `make bench-reports` measures on 100 k to 10 M lines; it lives in the bench because no function ships it (the reporting function aggregates with `SalesAccumulator`).

use std::collections::HashMap;

use rust_decimal::Decimal;
use time::Date;

use orders_domain::reports::sales::{measure_cells, sales_columns};
use orders_domain::reports::{ColumnKind, Table, DECIMAL_SCALE};

/// A line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// A field is missing.
    #[error("line {line}: {count} fields, {expected} expected")]
    Fields {
        /// Line number (1 = header).
        line: u64,
        /// Fields found.
        count: usize,
        /// Fields expected.
        expected: usize,
    },
    /// A field is not what its column holds.
    #[error("line {line}: {column} {value:?} {detail}")]
    Value {
        /// Line number.
        line: u64,
        /// Column.
        column: &'static str,
        /// The text.
        value: String,
        /// What is wrong.
        detail: &'static str,
    },
}

/// `text` as an exact fixed-point number of 4 places (`"12.5"` → 125000), or what is wrong with it.
pub fn fixed(text: &[u8]) -> Result<i64, &'static str> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut units: i64 = 0;
    let mut places: Option<u32> = None;
    if digits.is_empty() {
        return Err("is empty");
    }
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                if let Some(p) = places.as_mut() {
                    *p += 1;
                    if *p > DECIMAL_SCALE {
                        return Err("has more than 4 decimal places");
                    }
                }
                units = units.checked_mul(10).and_then(|u| u.checked_add(i64::from(b - b'0'))).ok_or("is too large")?;
            }
            b'.' if places.is_none() => places = Some(0),
            _ => return Err("is not a decimal number"),
        }
    }
    let places = places.unwrap_or(0);
    let value = units.checked_mul(10_i64.pow(DECIMAL_SCALE - places)).ok_or("is too large")?;
    Ok(if negative { -value } else { value })
}

fn decimal(units: i128) -> Decimal {
    Decimal::from_i128_with_scale(units, DECIMAL_SCALE).normalize()
}

/// Running sums of one group.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    orders: u64,
    last_order: u64,
    quantity: i64,
    net: i64,
    vat: i64,
    /// A sum left the `i64` range (±922 trillion at 4 places): the report refuses rather than wraps.
    overflow: bool,
}

impl Sums {
    fn add(&mut self, order: u64, quantity: i64, net: i64, vat: i64) {
        if self.last_order != order {
            self.orders += 1;
            self.last_order = order;
        }
        match (self.quantity.checked_add(quantity), self.net.checked_add(net), self.vat.checked_add(vat)) {
            (Some(q), Some(n), Some(v)) => (self.quantity, self.net, self.vat) = (q, n, v),
            _ => self.overflow = true,
        }
    }

    fn merge(&mut self, other: &Sums) {
        self.orders += other.orders;
        self.overflow |= other.overflow;
        match (
            self.quantity.checked_add(other.quantity),
            self.net.checked_add(other.net),
            self.vat.checked_add(other.vat),
        ) {
            (Some(q), Some(n), Some(v)) => (self.quantity, self.net, self.vat) = (q, n, v),
            _ => self.overflow = true,
        }
    }
}

/// The Fx hash (rustc's): a multiply and a rotate per word, with a final mix; plenty for short keys.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_u128(&mut self, n: u128) {
        #[allow(clippy::cast_possible_truncation)]
        self.add(n as u64);
        self.add((n >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // A multiply leaves the low bits weak, and hash tables index by them: mix the high bits down (fmix64).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// A text of at most 15 bytes packed into one integer (bytes, then the length in the top byte): most keys
/// (days, currencies, customer ids, SKUs) fit, and then a lookup hashes and compares one `u128`.
fn pack(text: &[u8]) -> Option<u128> {
    if text.len() > 15 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..text.len()].copy_from_slice(text);
    bytes[15] = u8::try_from(text.len()).unwrap_or(15);
    Some(u128::from_le_bytes(bytes))
}

/// Interned texts of one kind (dates, currencies, customers, SKUs): dense ids, each text stored once; the last
/// text looked up is remembered, since consecutive lines (of one order) mostly repeat it.
#[derive(Debug, Default)]
struct Interner {
    short: HashMap<u128, u32, FxBuild>,
    long: HashMap<Box<[u8]>, u32, FxBuild>,
    texts: Vec<String>,
    last: Option<(u128, u32)>,
}

impl Interner {
    fn id(&mut self, text: &[u8]) -> u32 {
        let packed = pack(text);
        if let (Some(key), Some((last, id))) = (packed, self.last) {
            if key == last {
                return id;
            }
        }
        let next = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        let (id, new) = match packed {
            Some(key) => {
                let id = *self.short.entry(key).or_insert(next);
                self.last = Some((key, id));
                (id, id == next)
            }
            None => match self.long.get(text) {
                Some(&id) => (id, false),
                None => {
                    self.long.insert(text.into(), next);
                    (next, true)
                }
            },
        };
        if new {
            self.texts.push(String::from_utf8_lossy(text).into_owned());
        }
        id
    }

    fn text(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", String::as_str)
    }
}

/// One member's sums: the first currency inline (no pointer to follow for the usual single currency), others
/// in a list.
#[derive(Debug, Clone, Default)]
struct Slot {
    first: Option<(u32, Sums)>,
    more: Vec<(u32, Sums)>,
}

/// Sums per member (by dense id) and currency.
#[derive(Debug, Default)]
struct Groups(Vec<Slot>);

impl Groups {
    fn get(&mut self, member: u32, currency: u32) -> &mut Sums {
        let member = member as usize;
        if self.0.len() <= member {
            self.0.resize_with(member + 1, Slot::default);
        }
        let slot = &mut self.0[member];
        let first = match slot.first {
            None => {
                slot.first = Some((currency, Sums::default()));
                true
            }
            Some((c, _)) => c == currency,
        };
        if first {
            if let Some((_, sums)) = slot.first.as_mut() {
                return sums;
            }
        }
        let index = match slot.more.iter().position(|(c, _)| *c == currency) {
            Some(index) => index,
            None => {
                slot.more.push((currency, Sums::default()));
                slot.more.len() - 1
            }
        };
        &mut slot.more[index].1
    }

    fn entries(&self) -> impl Iterator<Item = (u32, u32, &Sums)> {
        self.0.iter().enumerate().flat_map(|(member, slot)| {
            let member = u32::try_from(member).unwrap_or(u32::MAX);
            slot.first.iter().chain(slot.more.iter()).map(move |(currency, sums)| (member, *currency, sums))
        })
    }

    fn rows<'a>(&'a self, members: &'a Interner, currencies: &'a Interner) -> Vec<(&'a str, &'a str, &'a Sums)> {
        let mut rows: Vec<(&str, &str, &Sums)> = self
            .entries()
            .map(|(member, currency, sums)| (members.text(member), currencies.text(currency), sums))
            .collect();
        rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        rows
    }
}

/// The columns of an order-lines file, in order.
pub const LINE_COLUMNS: [&str; 9] =
    ["order_id", "date", "currency", "customer_id", "channel", "sku", "quantity", "line_net", "vat"];

/// Sales by day, product and customer of a stream of order lines. The lines of one order must come together
/// (as they do when orders are read one by one): an order is counted once per group it has lines in.
#[derive(Debug, Default)]
pub struct SalesStream {
    dates: Interner,
    currencies: Interner,
    customers: Interner,
    skus: Interner,
    order: u64,
    last_order_id: Vec<u8>,
    lines: u64,
    by_day: Groups,
    by_product: Groups,
    by_customer: Groups,
}

impl SalesStream {
    /// An empty aggregation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lines added so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Adds one line of an order-lines file ([`LINE_COLUMNS`], comma-separated, no quoting; without its line
    /// end). `line_no` is for errors.
    pub fn push_csv_line(&mut self, line: &[u8], line_no: u64) -> Result<(), LineError> {
        let mut fields = [&[][..]; 9];
        let (mut count, mut start) = (0, 0);
        for comma in memchr::memchr_iter(b',', line).chain(std::iter::once(line.len())) {
            if count < fields.len() {
                fields[count] = &line[start..comma];
            }
            count += 1;
            start = comma + 1;
        }
        if count != fields.len() {
            return Err(LineError::Fields { line: line_no, count, expected: fields.len() });
        }
        let number = |column: usize| {
            fixed(fields[column]).map_err(|detail| LineError::Value {
                line: line_no,
                column: LINE_COLUMNS[column],
                value: String::from_utf8_lossy(fields[column]).into_owned(),
                detail,
            })
        };
        let (quantity, net, vat) = (number(6)?, number(7)?, number(8)?);
        let date = fields[1];
        if date.len() != 10 {
            return Err(LineError::Value {
                line: line_no,
                column: "date",
                value: String::from_utf8_lossy(date).into_owned(),
                detail: "is not YYYY-MM-DD",
            });
        }
        self.push(fields[0], date, fields[2], fields[3], fields[5], quantity, net, vat);
        Ok(())
    }

    /// Adds one line: amounts in fixed point ([`fixed`]).
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        order_id: &[u8],
        date: &[u8],
        currency: &[u8],
        customer: &[u8],
        sku: &[u8],
        quantity: i64,
        net: i64,
        vat: i64,
    ) {
        if order_id != self.last_order_id.as_slice() {
            self.order += 1;
            self.last_order_id.clear();
            self.last_order_id.extend_from_slice(order_id);
        }
        self.lines += 1;
        let (date, currency) = (self.dates.id(date), self.currencies.id(currency));
        let (customer, sku) = (self.customers.id(customer), self.skus.id(sku));
        let order = self.order;
        self.by_day.get(date, currency).add(order, quantity, net, vat);
        self.by_product.get(sku, currency).add(order, quantity, net, vat);
        self.by_customer.get(customer, currency).add(order, quantity, net, vat);
    }

    /// Adds another aggregation's sums (of other orders: an order must not be split between the two).
    pub fn merge(&mut self, other: &SalesStream) {
        self.lines += other.lines;
        for (mine, theirs, member_of, mine_members) in [
            (&mut self.by_day, &other.by_day, &other.dates, &mut self.dates),
            (&mut self.by_product, &other.by_product, &other.skus, &mut self.skus),
            (&mut self.by_customer, &other.by_customer, &other.customers, &mut self.customers),
        ] {
            for (member, currency, sums) in theirs.entries() {
                let member = mine_members.id(member_of.text(member).as_bytes());
                let currency = self.currencies.id(other.currencies.text(currency).as_bytes());
                mine.get(member, currency).merge(sums);
            }
        }
    }

    /// The three reports: `sales_by_day`, `sales_by_product`, `sales_by_customer` (rows by key and currency).
    pub fn tables(&self) -> Result<Vec<Table>, LineError> {
        let overflow = [&self.by_day, &self.by_product, &self.by_customer]
            .iter()
            .any(|groups| groups.entries().any(|(_, _, sums)| sums.overflow));
        if overflow {
            return Err(LineError::Value {
                line: 0,
                column: "line_net",
                value: String::new(),
                detail: "sums beyond ±922 337 203 685 477 (4 places)",
            });
        }
        let sums_cells = |s: &Sums| {
            let (net, vat) = (decimal(i128::from(s.net)), decimal(i128::from(s.vat)));
            measure_cells(s.orders, decimal(i128::from(s.quantity)), net, vat, (net + vat).normalize())
        };
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut by_day =
            Table::new("sales_by_day", &sales_columns(&[("date", ColumnKind::Date), ("currency", ColumnKind::Text)]));
        for (date, currency, sums) in self.by_day.rows(&self.dates, &self.currencies) {
            let day = Date::parse(date, &format).map_err(|_| LineError::Value {
                line: 0,
                column: "date",
                value: date.to_owned(),
                detail: "is not a date",
            })?;
            let mut row = vec![day.into(), currency.into()];
            row.extend(sums_cells(sums));
            by_day.push(row);
        }
        let mut out = vec![by_day];
        for (report, key, groups, members) in [
            ("sales_by_product", "sku", &self.by_product, &self.skus),
            ("sales_by_customer", "customer_id", &self.by_customer, &self.customers),
        ] {
            let mut table =
                Table::new(report, &sales_columns(&[(key, ColumnKind::Text), ("currency", ColumnKind::Text)]));
            for (name, currency, sums) in groups.rows(members, &self.currencies) {
                let mut row = vec![name.into(), currency.into()];
                row.extend(sums_cells(sums));
                table.push(row);
            }
            out.push(table);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    proptest::proptest! {
        /// Any decimal of at most 4 places within i64's fixed point reads back exactly; its text with a fifth
        /// place is refused, never rounded.
        #[test]
        fn fixed_point_reads_every_decimal_it_can_hold_exactly(units in -(1i64 << 46)..(1i64 << 46), places in 0u32..=4) {
            let value = Decimal::new(units, places);
            let read = fixed(value.to_string().as_bytes()).expect("fits");
            proptest::prop_assert_eq!(Decimal::from_i128_with_scale(i128::from(read), DECIMAL_SCALE), value);
            let longer = format!("{value:.5}");
            proptest::prop_assert!(fixed(longer.as_bytes()).is_err(), "{longer}");
        }

        /// Whatever bytes a line holds, reading it answers (a sum or an error), and never panics.
        #[test]
        fn any_line_is_read_or_refused_without_panicking(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120)) {
            let mut stream = SalesStream::new();
            let _ = stream.push_csv_line(&line, 2);
            let _ = fixed(&line);
        }

        /// Lines read one by one sum to exactly what their decimals add up to, per day.
        #[test]
        fn lines_sum_exactly_per_day(lines in proptest::collection::vec((0u8..3, 1i64..10_000_000, 0u32..=4), 1..40)) {
            let mut stream = SalesStream::new();
            let mut expected: std::collections::BTreeMap<u8, Decimal> = std::collections::BTreeMap::new();
            for (n, (day, units, places)) in lines.iter().enumerate() {
                let net = Decimal::new(*units, *places);
                let line = format!("o{n},2026-11-2{day},EUR,C1,web,A,1,{net},0");
                stream.push_csv_line(line.as_bytes(), n as u64 + 2).expect("line");
                *expected.entry(*day).or_default() += net;
            }
            let by_day = &stream.tables().expect("tables")[0];
            for (row, (day, net)) in by_day.rows.iter().zip(&expected) {
                let date = Date::from_calendar_date(2026, time::Month::November, 20 + day).expect("date");
                proptest::prop_assert_eq!(&row[0], &orders_domain::reports::Cell::Date(date));
                proptest::prop_assert_eq!(&row[4], &orders_domain::reports::Cell::Decimal(net.normalize()));
            }
            proptest::prop_assert_eq!(by_day.rows.len(), expected.len());
        }
    }

    #[test]
    fn fixed_point_is_exact_and_refuses_what_it_cannot_hold() {
        assert_eq!(fixed(b"12.5"), Ok(125_000));
        assert_eq!(fixed(b"-0.0001"), Ok(-1));
        assert_eq!(fixed(b"3"), Ok(30_000));
        assert!(fixed(b"0.00001").is_err());
        assert!(fixed(b"1e3").is_err());
        assert!(fixed(b"").is_err());
        assert!(fixed(b"1.2.3").is_err());
        assert!(fixed(b"99999999999999999999").is_err());
    }

    #[test]
    fn a_stream_of_lines_sums_per_day_product_and_customer_and_counts_orders_once() {
        let mut stream = SalesStream::new();
        let lines = [
            "o1,2026-11-30,EUR,C1,web,A,2,20.00,5.00",
            "o1,2026-11-30,EUR,C1,web,A,1,10.00,2.50",
            "o1,2026-11-30,EUR,C1,web,B,1.5,15.00,3.75",
            "o2,2026-11-30,EUR,C2,web,A,1,10.00,2.50",
            "o3,2026-11-29,SEK,C1,shop,B,1,99.99,24.9975",
        ];
        for (i, line) in lines.iter().enumerate() {
            stream.push_csv_line(line.as_bytes(), i as u64 + 2).expect("line");
        }
        let tables = stream.tables().expect("tables");
        let csv: Vec<String> = tables.iter().map(Table::to_csv).collect();
        assert_eq!(
            csv[0],
            "date,currency,orders,quantity,net,vat,gross\r\n2026-11-29,SEK,1,1,99.99,24.9975,124.9875\r\n2026-11-30,EUR,2,5.5,55,13.75,68.75\r\n"
        );
        assert!(csv[1].contains("\r\nA,EUR,2,4,40,10,50\r\n"), "{}", csv[1]);
        assert!(csv[2].contains("\r\nC1,EUR,1,4.5,45,11.25,56.25\r\n"), "{}", csv[2]);
        assert_eq!(tables[2].rows.len(), 3);
        assert!(matches!(stream.push_csv_line(b"o4,2026-11-30,EUR", 9), Err(LineError::Fields { count: 3, .. })));
        assert!(matches!(
            stream.push_csv_line(b"o4,2026-11-30,EUR,C1,web,A,x,1,1", 9),
            Err(LineError::Value { column: "quantity", .. })
        ));
        assert_eq!(decimal(125_000), dec!(12.5));

        let mut huge = SalesStream::new();
        for n in 0..2 {
            huge.push(format!("o{n}").as_bytes(), b"2026-11-30", b"EUR", b"C", b"A", 1, i64::MAX / 2 + 1, 0);
        }
        assert!(huge.tables().is_err(), "a sum that leaves i64 is refused, not wrapped");

        // Two halves (split between orders) merged give the same reports as one stream.
        let (mut first, mut second) = (SalesStream::new(), SalesStream::new());
        for (i, line) in lines.iter().enumerate() {
            let half = if i < 3 { &mut first } else { &mut second };
            half.push_csv_line(line.as_bytes(), i as u64 + 2).expect("line");
        }
        second.merge(&first);
        let merged: Vec<String> = second.tables().expect("tables").iter().map(Table::to_csv).collect();
        assert_eq!(merged, csv);
        let long = "a-customer-id-longer-than-fifteen-bytes";
        let mut interner = Interner::default();
        assert_eq!((interner.id(long.as_bytes()), interner.id(b"x"), interner.id(long.as_bytes())), (0, 1, 0));
        assert_eq!(interner.text(0), long);
    }
}
