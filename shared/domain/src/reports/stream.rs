//! Sales by day, product, customer and channel of order-line facts files ([`super::facts`]) in constant
//! memory: each row is added to its members as it arrives and then forgotten, so memory grows with the number
//! of days, products, customers and channels, never with the number of rows. Amounts are exact: parsed straight
//! into fixed-point integers of [`DECIMAL_SCALE`] places (a value with more places is
//! refused, never rounded) and summed in `i64` (a sum beyond ±922 trillion is refused, never wrapped). This is
//! the core `make bench-reports` measures on 100 k to 10 M rows, and the one the reporting function runs
//! ([`SalesStream::push_file`] once per facts object).
//!
//! # The contract
//!
//! A file starts with the header line [`FACT_COLUMNS`] joined by commas ([`check_header`]; a file with another
//! header is refused), then one row per line, LF or CRLF, the last line end optional. Every row has the 12
//! columns; `quantity`, `line_net` and `vat` are decimals of at most 4 places, `cost` one too or empty (read,
//! not summed yet), `date` is `YYYY-MM-DD`, `status` is read and not summed, and `tenant` is the same on every
//! row of a stream (a second tenant is refused, also when two streams are merged).
//!
//! Rows of one contribution (an order added, or taken back) come together, as [`super::facts::changes`] writes
//! them. The stream cuts the rows into **order groups**: a new group starts when `order_id` changes, or when a
//! row's quantity is not zero and its sign differs from the current group's sign. A group's sign is the sign of
//! its first row's quantity: +1 when positive (an order added), −1 when negative (taken back; 0 for a group that
//! starts with an adjustment row, which no writer does). Then for every member — a day, a product, a customer,
//! a channel, each per currency:
//!
//! - `quantity`, `net`, `vat` are the sums of its rows, `gross` is `net + vat`;
//! - `orders` moves by the group's sign once per group that has rows for the member: an order added counts
//!   once, taken back it counts −1, so a cancelled order counts 0 and a changed one 1, wherever the change lands
//!   in the files; on consistent facts this is the number of orders whose nonzero-quantity rows for the member
//!   have a positive sum of signs;
//! - an **adjustment row** (quantity 0, empty SKU) counts in its day, customer and channel (amounts, and
//!   `orders` through its group) and not in products; a **free-text line** (empty SKU, quantity not 0) counts
//!   in products under the empty SKU.
//!
//! [`SalesStream::tables`] refuses a member whose order count ends negative (more taken back than added) or whose
//! sums left `i64`, and a stream whose rows were refused is as if they had not been pushed. Streams of different
//! rows (split between orders, or different files) can be [merged](SalesStream::merge): the result is the same as
//! one pass over all the rows.
//!
//! # How it stays fast on production ids
//!
//! An order's rows repeat its first six fields (order, tenant, date, currency, customer, channel) byte for byte,
//! and ids are long (`ord_` + 32 hex, `cus_` + 24 hex). So a row is first compared with the last row's prefix as
//! one slice: when it repeats, only its tail (SKU and amounts) is split, and its amounts join the **run** of its
//! order, which is added to its day, customer and channel once, when the prefix or the group changes. A changed
//! prefix is split and its members looked up once. Commas are found a word (8 bytes) at a time. Each report's
//! members live in one open-addressing table keyed by text and currency whose entries are one cache line each
//! (text of up to 16 bytes inline, longer ones in one byte arena), hashed once in place with the Fx hash: a
//! product lookup and its sums touch one line.

use rust_decimal::Decimal;
use time::Date;

use super::facts::FACT_COLUMNS;
use super::sales::{measure_cells, sales_columns, Sales, SalesBy, SalesDay};
use super::{ColumnKind, Table, DECIMAL_SCALE};

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
        /// Line number (0: the sums, after the last line).
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
    if digits.is_empty() {
        return Err("is empty");
    }
    if digits.len() <= 14 {
        // At most 14 digits: below 10^14 units, 10^18 once scaled, so nothing can overflow.
        let (mut units, mut places, mut dot) = (0i64, 0u32, false);
        for &b in digits {
            let digit = b.wrapping_sub(b'0');
            if digit < 10 {
                units = units * 10 + i64::from(digit);
                places += u32::from(dot);
            } else if b == b'.' && !dot {
                dot = true;
            } else {
                return Err("is not a decimal number");
            }
        }
        if places > DECIMAL_SCALE {
            return Err("has more than 4 decimal places");
        }
        let value = units * SCALES[places as usize];
        return Ok(if negative { -value } else { value });
    }
    let mut units: i64 = 0;
    let mut places: Option<u32> = None;
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

/// The factor that brings a number of `places` (index) to 4 places.
const SCALES: [i64; 5] = [10_000, 1_000, 100, 10, 1];

fn decimal(units: i128) -> Decimal {
    Decimal::from_i128_with_scale(units, DECIMAL_SCALE).normalize()
}

/// A day member's text as a date (a row's date is checked for its length only, so a bad one is refused here).
fn member_date(text: &str) -> Result<Date, LineError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| LineError::Value {
        line: 0,
        column: "date",
        value: text.to_owned(),
        detail: "is not a date",
    })
}

/// An amount of [`DECIMAL_SCALE`]-place units as the reports show money: normalized, with at least 2 places.
fn money(units: i128) -> Decimal {
    let mut amount = decimal(units);
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount
}

/// The Fx hash (rustc's) of a key and a seed, a word (8 bytes) at a time, with a final mix (fmix64) so that the
/// low bits, which index the table, depend on every byte.
#[inline]
fn hash(bytes: &[u8], seed: u64) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = (bytes.len() as u64 ^ seed.rotate_left(32)).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        h = (h.rotate_left(5) ^ word(chunk, 0)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The 8 bytes of `bytes` at `at` as a word.
#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Texts of at most this many bytes are kept in their entry; longer ones in the table's arena.
const INLINE: usize = 16;

/// One member in one currency, and its sums: one cache line, so finding a member and adding to it touches one
/// line (two for a text longer than [`INLINE`] bytes).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Entry {
    /// The text, zero-padded, when at most [`INLINE`] bytes; else its start in the arena (first 4 bytes).
    text: [u8; INLINE],
    len: u32,
    currency: u16,
    used: bool,
    /// A sum left the `i64` range (±922 trillion at 4 places): the report refuses rather than wraps.
    overflow: bool,
    /// Orders: Σ of the signs of the groups that have rows here.
    orders: i64,
    /// The last group counted in `orders` (groups are numbered from 1).
    last_group: u64,
    quantity: i64,
    net: i64,
    vat: i64,
}

impl Entry {
    #[inline]
    fn add(&mut self, group: u64, sign: i64, quantity: i64, net: i64, vat: i64) {
        if self.last_group != group {
            self.orders += sign;
            self.last_group = group;
        }
        let (q, qo) = self.quantity.overflowing_add(quantity);
        let (n, no) = self.net.overflowing_add(net);
        let (v, vo) = self.vat.overflowing_add(vat);
        (self.quantity, self.net, self.vat) = (q, n, v);
        self.overflow |= qo | no | vo;
    }

    /// Adds another stream's sums of the same member.
    fn merge(&mut self, other: &Entry) {
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

    /// Adds a run's sums (in `i128`), refusing what leaves `i64`.
    fn add_wide(&mut self, group: u64, sign: i64, quantity: i128, net: i128, vat: i128) {
        let narrow = |sum: i128| i64::try_from(sum).ok();
        match (narrow(quantity), narrow(net), narrow(vat)) {
            (Some(q), Some(n), Some(v)) => self.add(group, sign, q, n, v),
            _ => {
                self.add(group, sign, 0, 0, 0);
                self.overflow = true;
            }
        }
    }
}

/// The members of one report (days, products, customers or channels), each per currency, in an
/// open-addressing table (power-of-two size, at most half full, linear probing) keyed by the text and the
/// currency: a key of any length is hashed once, in place, and compared once; texts longer than [`INLINE`]
/// bytes are stored once in one byte arena.
#[derive(Debug, Default)]
struct Members {
    entries: Vec<Entry>,
    used: usize,
    arena: Vec<u8>,
}

impl Members {
    /// The text of `entry`.
    fn text<'a>(&'a self, entry: &'a Entry) -> &'a [u8] {
        let len = entry.len as usize;
        if len <= INLINE {
            &entry.text[..len]
        } else {
            let start = u32::from_le_bytes([entry.text[0], entry.text[1], entry.text[2], entry.text[3]]) as usize;
            &self.arena[start..start + len]
        }
    }

    /// The index of the entry of `text` in `currency`, added if new. It stays valid until the next entry added.
    #[inline]
    fn index(&mut self, text: &[u8], currency: u16) -> usize {
        if (self.used + 1) * 2 > self.entries.len() {
            self.grow();
        }
        let mut inline = [0u8; INLINE];
        if let Some(prefix) = inline.get_mut(..text.len()) {
            prefix.copy_from_slice(text);
        }
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let mask = self.entries.len() - 1;
        let mut index = hash(text, u64::from(currency)) as usize & mask;
        loop {
            let entry = &self.entries[index];
            if !entry.used {
                break;
            }
            if entry.len == len
                && entry.currency == currency
                && if text.len() <= INLINE { entry.text == inline } else { self.text(entry) == text }
            {
                return index;
            }
            index = (index + 1) & mask;
        }
        if text.len() > INLINE {
            let start = u32::try_from(self.arena.len()).unwrap_or(u32::MAX);
            inline[..4].copy_from_slice(&start.to_le_bytes());
            self.arena.extend_from_slice(text);
        }
        self.entries[index] = Entry { text: inline, len, currency, used: true, ..Entry::default() };
        self.used += 1;
        index
    }

    /// Doubles the table and places every entry again.
    #[cold]
    fn grow(&mut self) {
        let size = (self.entries.len() * 2).max(16);
        let old = std::mem::replace(&mut self.entries, vec![Entry::default(); size]);
        for entry in old.into_iter().filter(|e| e.used) {
            let mut index = hash(self.text(&entry), u64::from(entry.currency)) as usize & (size - 1);
            while self.entries[index].used {
                index = (index + 1) & (size - 1);
            }
            self.entries[index] = entry;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.used)
    }

    /// `(member, currency, entry)` sorted by member text, then currency; a member whose sums overflowed or whose
    /// order count is negative is refused.
    fn rows<'a>(
        &'a self,
        column: &'static str,
        currencies: &[Vec<u8>],
    ) -> Result<Vec<(String, String, &'a Entry)>, LineError> {
        let mut rows = Vec::new();
        for entry in self.iter() {
            let member = String::from_utf8_lossy(self.text(entry)).into_owned();
            let detail = if entry.overflow {
                "has sums beyond ±922 337 203 685 477 (4 places)"
            } else if entry.orders < 0 {
                "has a negative number of orders (more taken back than added)"
            } else {
                let currency = currencies.get(usize::from(entry.currency)).map_or(&[][..], Vec::as_slice);
                rows.push((member, String::from_utf8_lossy(currency).into_owned(), entry));
                continue;
            };
            return Err(LineError::Value { line: 0, column, value: member, detail });
        }
        rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        Ok(rows)
    }
}

/// The header line of a facts file (without its line end) is [`FACT_COLUMNS`] joined by commas; any other
/// header is refused.
pub fn check_header(line: &[u8]) -> Result<(), LineError> {
    let mut expected = FACT_COLUMNS.iter().flat_map(|c| [b",".as_slice(), c.as_bytes()]).flatten().skip(1);
    if line.iter().eq(&mut expected) {
        Ok(())
    } else {
        Err(LineError::Value {
            line: 1,
            column: "header",
            value: String::from_utf8_lossy(line).into_owned(),
            detail: "is not the facts header (order_id,tenant,date,currency,customer_id,channel,sku,quantity,line_net,vat,cost,status)",
        })
    }
}

/// The fields of a row before the SKU (order, tenant, date, currency, customer, channel): an order's own, so
/// every row of a contribution repeats them byte for byte.
const PREFIX_FIELDS: usize = 6;
/// The fields from the SKU on (sku, quantity, line_net, vat, cost, status).
const TAIL_FIELDS: usize = FACT_COLUMNS.len() - PREFIX_FIELDS;

/// The high bit of each byte of `word` that is a comma (exact: no false positives from borrows).
#[inline]
fn comma_bits(word: u64) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ 0x2c2c_2c2c_2c2c_2c2c;
    !(((x & LOW).wrapping_add(LOW)) | x | LOW)
}

/// Finds the commas of `bytes` a word (8 bytes) at a time: their positions (the first `at.len()` of them) into
/// `at`; returns how many there are.
#[inline]
fn commas(bytes: &[u8], at: &mut [usize]) -> usize {
    let mut count = 0;
    let mut found = |bits: u64, base: usize| {
        let mut bits = bits;
        while bits != 0 {
            if let Some(slot) = at.get_mut(count) {
                *slot = base + (bits.trailing_zeros() / 8) as usize;
            }
            count += 1;
            bits &= bits - 1;
        }
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        found(comma_bits(word(chunk, 0)), base);
        base += 8;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        found(comma_bits(u64::from_le_bytes(last)), base);
    }
    count
}

/// The rows being summed for day, customer and channel: consecutive rows of one order group with the same
/// prefix, added to their members at once when the prefix or the group changes.
#[derive(Debug, Default)]
struct Run {
    rows: u64,
    currency: u16,
    /// The entries of its day, customer and channel.
    day: usize,
    customer: usize,
    channel: usize,
    quantity: i128,
    net: i128,
    vat: i128,
}

/// Sales by day, product, customer and channel of facts rows (see the [module docs](self) for what counts).
#[derive(Debug, Default)]
pub struct SalesStream {
    /// The tenant of every row so far (empty before the first).
    tenant: Vec<u8>,
    /// A second tenant met in [`SalesStream::merge`] (refused by [`SalesStream::tables`]).
    other_tenant: Option<String>,
    /// Currency codes, by id (a handful).
    currencies: Vec<Vec<u8>>,
    /// The current order group: its number (from 1), order id and sign.
    group: u64,
    order_id: Vec<u8>,
    sign: i64,
    /// The last row's prefix (its first [`PREFIX_FIELDS`] fields; empty before the first row) and the rows
    /// since it changed.
    prefix: Vec<u8>,
    run: Run,
    lines: u64,
    by_day: Members,
    by_product: Members,
    by_customer: Members,
    by_channel: Members,
}

impl SalesStream {
    /// An empty aggregation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows added so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Adds one facts file: its header ([`check_header`]), then every row, LF or CRLF, the last line end
    /// optional. On an error the rows before the bad line have been added.
    pub fn push_file(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        let header_end = memchr::memchr(b'\n', bytes).unwrap_or(bytes.len());
        let header = &bytes[..header_end];
        check_header(header.strip_suffix(b"\r").unwrap_or(header))?;
        match bytes.get(header_end + 1..) {
            Some(rest) => self.push_lines(rest, 2),
            None => Ok(()),
        }
    }

    /// Adds rows with no header (the part of a facts file after it, or between two line starts), LF or CRLF,
    /// the last line end optional; `first_line_no` is the first row's line number (for errors). On an error the
    /// rows before the bad line have been added.
    pub fn push_lines(&mut self, bytes: &[u8], first_line_no: u64) -> Result<(), LineError> {
        let result = self.rows(bytes, first_line_no);
        self.close_run();
        result
    }

    fn rows(&mut self, bytes: &[u8], first_line_no: u64) -> Result<(), LineError> {
        let mut line_no = first_line_no;
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', bytes) {
            let line = &bytes[start..newline];
            self.push_row(line.strip_suffix(b"\r").unwrap_or(line), line_no)?;
            line_no += 1;
            start = newline + 1;
        }
        if start < bytes.len() {
            let line = &bytes[start..];
            self.push_row(line.strip_suffix(b"\r").unwrap_or(line), line_no)?;
        }
        Ok(())
    }

    /// Adds one row of a facts file ([`FACT_COLUMNS`], comma-separated, no quoting; without its line end).
    /// `line_no` is for errors.
    pub fn push_csv_line(&mut self, line: &[u8], line_no: u64) -> Result<(), LineError> {
        let result = self.push_row(line, line_no);
        self.close_run();
        result
    }

    /// Adds one row; its amounts for day, customer and channel wait in the run until [`Self::close_run`].
    /// Nothing changes when the row is refused.
    #[inline]
    fn push_row(&mut self, line: &[u8], line_no: u64) -> Result<(), LineError> {
        // A row that repeats the last row's prefix (the order's other lines) starts the same, with a comma after
        // it: then only the tail needs reading.
        let p = self.prefix.len();
        let repeated = p > 0 && line.get(p) == Some(&b',') && line[..p] == self.prefix[..];
        let tail_start = if repeated {
            p + 1
        } else {
            let mut at = [0usize; PREFIX_FIELDS];
            let count = commas(line, &mut at);
            if count + 1 != FACT_COLUMNS.len() {
                return Err(LineError::Fields { line: line_no, count: count + 1, expected: FACT_COLUMNS.len() });
            }
            at[PREFIX_FIELDS - 1] + 1
        };
        let tail = &line[tail_start..];
        let mut at = [0usize; TAIL_FIELDS - 1];
        let count = commas(tail, &mut at);
        if count + 1 != TAIL_FIELDS {
            let count = count + 1 + PREFIX_FIELDS;
            return Err(LineError::Fields { line: line_no, count, expected: FACT_COLUMNS.len() });
        }
        let [sku, quantity, net, vat, cost] = [
            &tail[..at[0]],
            &tail[at[0] + 1..at[1]],
            &tail[at[1] + 1..at[2]],
            &tail[at[2] + 1..at[3]],
            &tail[at[3] + 1..at[4]],
        ];
        let number = |column: usize, text: &[u8]| {
            fixed(text).map_err(|detail| LineError::Value {
                line: line_no,
                column: FACT_COLUMNS[column],
                value: String::from_utf8_lossy(text).into_owned(),
                detail,
            })
        };
        let (quantity, net, vat) = (number(7, quantity)?, number(8, net)?, number(9, vat)?);
        if !cost.is_empty() {
            number(10, cost)?;
        }
        if !repeated {
            self.new_prefix(&line[..tail_start - 1], quantity, line_no)?;
        }
        let sign = quantity.signum();
        if sign != 0 && sign != self.sign {
            self.close_run();
            self.group += 1;
            self.sign = sign;
        }
        self.lines += 1;
        let run = &mut self.run;
        run.rows += 1;
        run.quantity += i128::from(quantity);
        run.net += i128::from(net);
        run.vat += i128::from(vat);
        if quantity != 0 {
            let index = self.by_product.index(sku, self.run.currency);
            self.by_product.entries[index].add(self.group, self.sign, quantity, net, vat);
        }
        Ok(())
    }

    /// A row whose prefix differs from the last row's: checks it, closes the run, starts a new group when the
    /// order changes, and a run for the row's members.
    #[cold]
    fn new_prefix(&mut self, prefix: &[u8], quantity: i64, line_no: u64) -> Result<(), LineError> {
        let mut at = [0usize; PREFIX_FIELDS - 1];
        commas(prefix, &mut at);
        let fields = [
            &prefix[..at[0]],
            &prefix[at[0] + 1..at[1]],
            &prefix[at[1] + 1..at[2]],
            &prefix[at[2] + 1..at[3]],
            &prefix[at[3] + 1..at[4]],
            &prefix[at[4] + 1..],
        ];
        let [order_id, tenant, date, currency, customer, channel] = fields;
        if date.len() != 10 {
            return Err(LineError::Value {
                line: line_no,
                column: "date",
                value: String::from_utf8_lossy(date).into_owned(),
                detail: "is not YYYY-MM-DD",
            });
        }
        let currency = match self.currencies.iter().position(|c| c.as_slice() == currency) {
            Some(id) => u16::try_from(id).ok(),
            None => u16::try_from(self.currencies.len()).ok(),
        };
        let Some(currency) = currency else {
            return Err(LineError::Value {
                line: line_no,
                column: "currency",
                value: String::from_utf8_lossy(fields[3]).into_owned(),
                detail: "is one currency too many (at most 65 536 in a stream)",
            });
        };
        if tenant.is_empty() || (tenant != self.tenant.as_slice() && !self.tenant.is_empty()) {
            return Err(LineError::Value {
                line: line_no,
                column: "tenant",
                value: String::from_utf8_lossy(tenant).into_owned(),
                detail: if tenant.is_empty() { "is empty" } else { "differs from the stream's tenant" },
            });
        }
        if self.tenant.is_empty() {
            self.tenant.extend_from_slice(tenant);
        }
        self.close_run();
        if order_id != self.order_id.as_slice() {
            self.group += 1;
            self.sign = quantity.signum();
            self.order_id.clear();
            self.order_id.extend_from_slice(order_id);
        }
        if usize::from(currency) == self.currencies.len() {
            self.currencies.push(fields[3].to_vec());
        }
        // Each index is into another table, and no entry is added to any of these until the next prefix.
        self.run.currency = currency;
        self.run.day = self.by_day.index(date, currency);
        self.run.customer = self.by_customer.index(customer, currency);
        self.run.channel = self.by_channel.index(channel, currency);
        self.prefix.clear();
        self.prefix.extend_from_slice(prefix);
        Ok(())
    }

    /// Adds the run's rows to their day, customer and channel.
    fn close_run(&mut self) {
        let run = &mut self.run;
        if run.rows == 0 {
            return;
        }
        let (group, sign) = (self.group, self.sign);
        for (members, index) in
            [(&mut self.by_day, run.day), (&mut self.by_customer, run.customer), (&mut self.by_channel, run.channel)]
        {
            members.entries[index].add_wide(group, sign, run.quantity, run.net, run.vat);
        }
        (run.rows, run.quantity, run.net, run.vat) = (0, 0, 0, 0);
    }

    /// Adds another aggregation's sums (of other rows: an order group must not be split between the two).
    pub fn merge(&mut self, other: &SalesStream) {
        self.lines += other.lines;
        if self.tenant.is_empty() {
            self.tenant.clone_from(&other.tenant);
        } else if !other.tenant.is_empty() && other.tenant != self.tenant {
            self.other_tenant = Some(String::from_utf8_lossy(&other.tenant).into_owned());
        }
        if self.other_tenant.is_none() {
            self.other_tenant.clone_from(&other.other_tenant);
        }
        // their currency ids -> mine
        let currencies: Vec<u16> = other
            .currencies
            .iter()
            .map(|code| match self.currencies.iter().position(|c| c == code) {
                Some(id) => id,
                None => {
                    self.currencies.push(code.clone());
                    self.currencies.len() - 1
                }
            })
            .map(|id| u16::try_from(id).unwrap_or(u16::MAX))
            .collect();
        for (mine, theirs) in [
            (&mut self.by_day, &other.by_day),
            (&mut self.by_product, &other.by_product),
            (&mut self.by_customer, &other.by_customer),
            (&mut self.by_channel, &other.by_channel),
        ] {
            for entry in theirs.iter() {
                let currency = currencies.get(usize::from(entry.currency)).copied().unwrap_or(u16::MAX);
                let index = mine.index(theirs.text(entry), currency);
                mine.entries[index].merge(entry);
            }
        }
    }

    /// The sales reports' rows: what [`Self::tables`] holds, as numbers, without the members nothing counts in
    /// any more (an order added and then taken back leaves its members at zero orders and zero sums). Amounts
    /// have at least 2 places (`45.00`). Channels are named by themselves and the free-text row of products
    /// (empty SKU) `Free-text lines`; customers and SKUs are left for the caller to name
    /// ([`Sales::name_members`]: facts carry ids only). Refused as [`Self::tables`] is.
    pub fn sales(&self) -> Result<Sales, LineError> {
        self.one_tenant()?;
        let counted = |s: &Entry| s.orders != 0 || s.quantity != 0 || s.net != 0 || s.vat != 0;
        let orders = |s: &Entry| u64::try_from(s.orders).unwrap_or(0);
        let mut sales = Sales::default();
        for (date, currency, s) in self.by_day.rows("date", &self.currencies)? {
            if !counted(s) {
                continue;
            }
            let date = member_date(&date)?;
            let (net, vat) = (i128::from(s.net), i128::from(s.vat));
            sales.days.push(SalesDay {
                date,
                currency,
                orders: orders(s),
                quantity: decimal(i128::from(s.quantity)),
                net: money(net),
                vat: money(vat),
                gross: money(net + vat),
            });
        }
        for (rows, key_column, members) in [
            (&mut sales.products, "sku", &self.by_product),
            (&mut sales.customers, "customer_id", &self.by_customer),
            (&mut sales.channels, "channel", &self.by_channel),
        ] {
            for (key, currency, s) in members.rows(key_column, &self.currencies)? {
                if !counted(s) {
                    continue;
                }
                let name = match key_column {
                    "channel" => key.clone(),
                    "sku" if key.is_empty() => "Free-text lines".to_owned(),
                    _ => String::new(),
                };
                let (net, vat) = (i128::from(s.net), i128::from(s.vat));
                rows.push(SalesBy {
                    key,
                    name,
                    currency,
                    orders: orders(s),
                    quantity: decimal(i128::from(s.quantity)),
                    net: money(net),
                    vat: Some(money(vat)),
                    gross: Some(money(net + vat)),
                });
            }
        }
        Ok(sales)
    }

    /// Refuses rows of two tenants.
    fn one_tenant(&self) -> Result<(), LineError> {
        match &self.other_tenant {
            Some(other) => Err(LineError::Value {
                line: 0,
                column: "tenant",
                value: other.clone(),
                detail: "differs from the stream's tenant",
            }),
            None => Ok(()),
        }
    }

    /// The four reports, rows by key and currency: `sales_by_day` (date, currency), `sales_by_product` (sku,
    /// currency), `sales_by_customer` (customer_id, currency), `sales_by_channel` (channel, currency), each
    /// followed by `orders, quantity, net, vat, gross`. Refused when a member's sums overflowed or its order
    /// count is negative, or the rows were of two tenants.
    pub fn tables(&self) -> Result<Vec<Table>, LineError> {
        self.one_tenant()?;
        let sums_cells = |s: &Entry| {
            let (net, vat) = (i128::from(s.net), i128::from(s.vat));
            let orders = u64::try_from(s.orders).unwrap_or(0);
            measure_cells(orders, decimal(i128::from(s.quantity)), decimal(net), decimal(vat), decimal(net + vat))
        };
        let mut by_day =
            Table::new("sales_by_day", &sales_columns(&[("date", ColumnKind::Date), ("currency", ColumnKind::Text)]));
        for (date, currency, sums) in self.by_day.rows("date", &self.currencies)? {
            let day = member_date(&date)?;
            let mut row = vec![day.into(), currency.into()];
            row.extend(sums_cells(sums));
            by_day.push(row);
        }
        let mut out = vec![by_day];
        for (report, key, members) in [
            ("sales_by_product", "sku", &self.by_product),
            ("sales_by_customer", "customer_id", &self.by_customer),
            ("sales_by_channel", "channel", &self.by_channel),
        ] {
            let mut table =
                Table::new(report, &sales_columns(&[(key, ColumnKind::Text), ("currency", ColumnKind::Text)]));
            for (name, currency, sums) in members.rows(key, &self.currencies)? {
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
    use crate::reports::facts::{changes, facts_header};
    use rust_decimal_macros::dec;

    const HEADER: &str = "order_id,tenant,date,currency,customer_id,channel,sku,quantity,line_net,vat,cost,status";

    /// One facts row.
    fn row(order: &str, date: &str, currency: &str, customer: &str, sku: &str, amounts: (&str, &str, &str)) -> String {
        let (quantity, net, vat) = amounts;
        format!("{order},t1,{date},{currency},{customer},web,{sku},{quantity},{net},{vat},,received")
    }

    fn csv(stream: &SalesStream) -> Vec<String> {
        stream.tables().expect("tables").iter().map(Table::to_csv).collect()
    }

    fn file(rows: &[String]) -> String {
        rows.iter().fold(format!("{HEADER}\n"), |file, row| format!("{file}{row}\n"))
    }

    /// A row of the property test: order, day, customer, SKU, quantity and net (units of 0.0001; VAT is net / 4).
    type Fact = (String, u8, u8, u8, i64, i64);

    /// What the reports should say, from the rows alone (the peers' formulation): per member, an order counts
    /// when the signs of its nonzero-quantity rows there sum above zero.
    fn reference(rows: &[Fact]) -> Vec<String> {
        use std::collections::BTreeMap;
        /// Σ signs per order, Σ quantity, Σ net, Σ VAT.
        type Member = (BTreeMap<String, i64>, i64, i64, i64);
        let mut tables: Vec<BTreeMap<(String, String), Member>> = vec![BTreeMap::new(); 4];
        for (order, day, customer, sku, quantity, net) in rows {
            let keys = [format!("2026-11-2{day}"), format!("S{sku}"), format!("cus_{customer}"), "web".to_owned()];
            for (t, key) in keys.into_iter().enumerate() {
                if t == 1 && *quantity == 0 {
                    continue;
                }
                let entry = tables[t].entry((key, "EUR".to_owned())).or_default();
                *entry.0.entry(order.clone()).or_default() += quantity.signum();
                entry.1 += quantity;
                entry.2 += net;
                entry.3 += net / 4;
            }
        }
        tables
            .iter()
            .map(|table| {
                table
                    .iter()
                    .map(|((key, currency), (orders, q, n, v))| {
                        let orders = orders.values().filter(|s| **s > 0).count();
                        let d = |u: i64| decimal(i128::from(u)).to_string();
                        format!("{key},{currency},{orders},{},{},{},{}\r\n", d(*q), d(*n), d(*v), d(n + v))
                    })
                    .collect()
            })
            .collect()
    }

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

        /// The fast path (up to 14 digits) and the checked one read what the text spells, and refuse exactly
        /// what does not fit 4 places in `i64`.
        #[test]
        fn fixed_point_agrees_with_decimal_parsing(text in "-?[0-9]{1,19}(\\.[0-9]{1,5})?") {
            let value: Decimal = text.parse().expect("decimal");
            let units = value.mantissa() * 10_i128.pow(DECIMAL_SCALE.saturating_sub(value.scale()));
            match fixed(text.as_bytes()) {
                Ok(read) => {
                    proptest::prop_assert!(value.scale() <= DECIMAL_SCALE);
                    proptest::prop_assert_eq!(i128::from(read), units);
                }
                Err(_) => proptest::prop_assert!(value.scale() > DECIMAL_SCALE || i64::try_from(units).is_err(), "{text}"),
            }
        }

        /// Whatever bytes a line holds, reading it answers (a sum or an error), and never panics.
        #[test]
        fn any_line_is_read_or_refused_without_panicking(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..160)) {
            let mut stream = SalesStream::new();
            let _ = stream.push_csv_line(&line, 2);
            let _ = stream.push_file(&line);
            let _ = fixed(&line);
            let _ = stream.tables();
        }

        /// Rows read one by one sum to exactly what their decimals add up to, per day.
        #[test]
        fn lines_sum_exactly_per_day(lines in proptest::collection::vec((0u8..3, 1i64..10_000_000, 0u32..=4), 1..40)) {
            let mut stream = SalesStream::new();
            let mut expected: std::collections::BTreeMap<u8, Decimal> = std::collections::BTreeMap::new();
            for (n, (day, units, places)) in lines.iter().enumerate() {
                let net = Decimal::new(*units, *places);
                let line = row(&format!("o{n}"), &format!("2026-11-2{day}"), "EUR", "C1", "A", ("1", &net.to_string(), "0"));
                stream.push_csv_line(line.as_bytes(), n as u64 + 2).expect("line");
                *expected.entry(*day).or_default() += net;
            }
            let by_day = &stream.tables().expect("tables")[0];
            for (row, (day, net)) in by_day.rows.iter().zip(&expected) {
                let date = Date::from_calendar_date(2026, time::Month::November, 20 + day).expect("date");
                proptest::prop_assert_eq!(&row[0], &crate::reports::Cell::Date(date));
                proptest::prop_assert_eq!(&row[4], &crate::reports::Cell::Decimal(net.normalize()));
            }
            proptest::prop_assert_eq!(by_day.rows.len(), expected.len());
        }

        /// Orders added, some taken back later and some of those added again with other lines (as changes
        /// are written): the stream counts exactly what the rows say (the peers' formulation), and any split
        /// between orders, merged, gives the same reports as one pass.
        #[test]
        fn signed_groups_count_like_the_sum_of_signs_and_merge_like_one_pass(
            orders in proptest::collection::vec(
                (0u8..3, 0u8..4, proptest::collection::vec((0u8..5, 1i64..20), 1..5), proptest::prelude::any::<bool>(), 0u8..3),
                1..30,
            ),
            cut in 0usize..200,
        ) {
            let mut rows: Vec<Fact> = Vec::new();
            let mut later: Vec<Vec<Fact>> = Vec::new();
            for (n, (day, customer, lines, adjust, fate)) in orders.iter().enumerate() {
                let order = format!("ord_{n}");
                let mut contribution: Vec<_> = lines
                    .iter()
                    .map(|(sku, halves)| (order.clone(), *day, *customer, *sku, halves * 5000, halves * 40_000))
                    .collect();
                if *adjust {
                    contribution.push((order.clone(), *day, *customer, 9, 0, 4_9000));
                }
                rows.extend(contribution.iter().cloned());
                // 0: stays; 1: cancelled later; 2: changed later (taken back, then new lines)
                if *fate > 0 {
                    let mut change: Vec<_> = contribution.iter().map(|r| (r.0.clone(), r.1, r.2, r.3, -r.4, -r.5)).collect();
                    if *fate == 2 {
                        change.push((order.clone(), *day, *customer, (lines[0].0 + 1) % 5, 10_000, 80_000));
                    }
                    later.push(change);
                }
                if n % 3 == 2 {
                    for change in later.drain(..) {
                        rows.extend(change);
                    }
                }
            }
            for change in later.drain(..) {
                rows.extend(change);
            }
            let lines: Vec<String> = rows
                .iter()
                .map(|(order, day, customer, sku, quantity, net)| {
                    let sku = if *quantity == 0 { String::new() } else { format!("S{sku}") };
                    let d = |u: i64| decimal(i128::from(u)).to_string();
                    row(order, &format!("2026-11-2{day}"), "EUR", &format!("cus_{customer}"), &sku, (&d(*quantity), &d(*net), &d(net / 4)))
                })
                .collect();
            let mut whole = SalesStream::new();
            whole.push_file(file(&lines).as_bytes()).expect("file");
            let expected = reference(&rows);
            let got: Vec<String> = csv(&whole).iter().map(|t| t.split_once("\r\n").map(|(_, rows)| rows.to_owned()).unwrap_or_default()).collect();
            proptest::prop_assert_eq!(&got, &expected);
            // split between two rows of different orders (or at an end)
            let mut cut = cut.min(lines.len());
            while cut > 0 && cut < lines.len() && rows[cut].0 == rows[cut - 1].0 {
                cut += 1;
            }
            let (mut first, mut second) = (SalesStream::new(), SalesStream::new());
            first.push_file(file(&lines[..cut]).as_bytes()).expect("first");
            second.push_lines(lines[cut..].join("\r\n").as_bytes(), 2).expect("second");
            second.merge(&first);
            proptest::prop_assert_eq!(csv(&second), csv(&whole));
            proptest::prop_assert_eq!(second.lines(), lines.len() as u64);
        }
    }

    proptest::proptest! {
        /// Rows pushed one by one, in one buffer (resuming after each refused line), or only the good ones, give
        /// the same reports: a refused line changes nothing, and the run of an order's rows (its repeated prefix)
        /// is the same whichever way the rows come.
        #[test]
        fn a_refused_line_changes_nothing_and_rows_sum_the_same_however_pushed(
            rows in proptest::collection::vec((0u8..4, 0u8..2, 0u8..3, 0u8..3, -3i64..4, 0u8..8), 1..60),
        ) {
            let lines: Vec<(String, bool)> = rows
                .iter()
                .map(|(order, day, customer, sku, quantity, damage)| {
                    let sku = if *quantity == 0 { String::new() } else { format!("S{sku}") };
                    let amounts = (quantity.to_string(), (quantity * 10).to_string(), format!("{}.25", quantity * 2));
                    let line = row(&format!("ord_{order}"), &format!("2026-11-2{day}"), if *customer == 2 { "SEK" } else { "EUR" },
                        &format!("cus_{customer:028}"), &sku, (&amounts.0, &amounts.1, &amounts.2));
                    match damage {
                        0 => (line.replacen(",t1,", ",,", 1), false),
                        1 => (format!("{line},"), false),
                        2 => (line.replacen(",received", "", 1), false),
                        3 => (line.replacen(",web,", ",web,x,", 1), false),
                        4 => (line.replacen(",2026-", ",26-", 1), false),
                        _ => (line, true),
                    }
                })
                .collect();
            let outcome = |stream: &SalesStream| stream.tables().map(|t| t.iter().map(Table::to_csv).collect::<Vec<_>>());
            let mut one_by_one = SalesStream::new();
            for (n, (line, good)) in lines.iter().enumerate() {
                let pushed = one_by_one.push_csv_line(line.as_bytes(), n as u64 + 2);
                proptest::prop_assert_eq!(pushed.is_ok(), *good, "{}", line);
            }
            let mut good_only = SalesStream::new();
            let good: Vec<String> = lines.iter().filter(|(_, good)| *good).map(|(line, _)| line.clone()).collect();
            good_only.push_file(file(&good).as_bytes()).expect("good rows");
            let mut buffered = SalesStream::new();
            let mut from = 0;
            while from < lines.len() {
                let rest: Vec<&str> = lines[from..].iter().map(|(line, _)| line.as_str()).collect();
                match buffered.push_lines(rest.join("\r\n").as_bytes(), from as u64 + 2) {
                    Ok(()) => break,
                    Err(LineError::Fields { line, .. } | LineError::Value { line, .. }) => from = line as usize - 1,
                }
            }
            proptest::prop_assert_eq!(outcome(&one_by_one), outcome(&good_only));
            proptest::prop_assert_eq!(outcome(&buffered), outcome(&good_only));
            proptest::prop_assert_eq!((one_by_one.lines(), buffered.lines()), (good.len() as u64, good.len() as u64));
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
        assert!(fixed(b"-").is_err());
        assert!(fixed(b"1.2.3").is_err());
        assert!(fixed(b"99999999999999999999").is_err());
        assert_eq!(fixed(b"922337203685477.5807"), Ok(i64::MAX));
        assert!(fixed(b"922337203685477.5808").is_err());
        assert_eq!(decimal(125_000), dec!(12.5));
    }

    #[test]
    fn facts_sum_per_day_product_customer_and_channel_and_count_orders_once() {
        let mut stream = SalesStream::new();
        let lines = [
            row("o1", "2026-11-30", "EUR", "C1", "A", ("2", "20.00", "5.00")),
            row("o1", "2026-11-30", "EUR", "C1", "A", ("1", "10.00", "2.50")),
            row("o1", "2026-11-30", "EUR", "C1", "B", ("1.5", "15.00", "3.75")),
            row("o2", "2026-11-30", "EUR", "C2", "A", ("1", "10.00", "2.50")),
            row("o3", "2026-11-29", "SEK", "C1", "B", ("1", "99.99", "24.9975")),
        ];
        stream.push_file(file(&lines).as_bytes()).expect("file");
        let csv = csv(&stream);
        assert_eq!(
            csv[0],
            "date,currency,orders,quantity,net,vat,gross\r\n2026-11-29,SEK,1,1,99.99,24.9975,124.9875\r\n2026-11-30,EUR,2,5.5,55,13.75,68.75\r\n"
        );
        assert!(
            csv[1].starts_with("sku,currency,orders,quantity,net,vat,gross\r\nA,EUR,2,4,40,10,50\r\n"),
            "{}",
            csv[1]
        );
        assert!(csv[2].contains("\r\nC1,EUR,1,4.5,45,11.25,56.25\r\n"), "{}", csv[2]);
        assert_eq!(stream.tables().expect("tables")[2].rows.len(), 3);
        assert_eq!(
            csv[3],
            "channel,currency,orders,quantity,net,vat,gross\r\nweb,EUR,2,5.5,55,13.75,68.75\r\nweb,SEK,1,1,99.99,24.9975,124.9875\r\n"
        );
        assert_eq!(stream.lines(), 5);
        assert!(matches!(stream.push_csv_line(b"o4,t1,2026-11-30,EUR", 9), Err(LineError::Fields { count: 4, .. })));
        let too_many = format!("{},x", lines[0]);
        assert!(matches!(stream.push_csv_line(too_many.as_bytes(), 9), Err(LineError::Fields { count: 13, .. })));
        let bad = row("o4", "2026-11-30", "EUR", "C1", "A", ("x", "1", "1"));
        assert!(matches!(stream.push_csv_line(bad.as_bytes(), 9), Err(LineError::Value { column: "quantity", .. })));
        let bad_cost = lines[0].replace(",,received", ",1.23456,received");
        assert!(matches!(stream.push_csv_line(bad_cost.as_bytes(), 9), Err(LineError::Value { column: "cost", .. })));
        let cost = lines[0].replace(",,received", ",12.5,received");
        stream.push_csv_line(cost.as_bytes(), 9).expect("a cost is read, not summed");

        // Two halves (split between orders) merged give the same reports as one stream.
        let (mut first, mut second) = (SalesStream::new(), SalesStream::new());
        first.push_file(file(&lines[..3]).as_bytes()).expect("first");
        second.push_file(file(&lines[3..]).as_bytes()).expect("second");
        second.merge(&first);
        let mut one = SalesStream::new();
        one.push_file(file(&lines).as_bytes()).expect("one");
        assert_eq!(self::csv(&second), self::csv(&one));
    }

    #[test]
    fn an_order_added_cancelled_and_changed_counts_what_it_is_now() {
        let added = [
            row("ord_1", "2026-11-30", "EUR", "C1", "A", ("2", "20", "5")),
            row("ord_1", "2026-11-30", "EUR", "C1", "B", ("1", "10", "2.5")),
        ];
        let cancelled = [
            row("ord_1", "2026-11-30", "EUR", "C1", "A", ("-2", "-20", "-5")),
            row("ord_1", "2026-11-30", "EUR", "C1", "B", ("-1", "-10", "-2.5")),
        ];
        let other = row("ord_2", "2026-11-30", "EUR", "C2", "A", ("1", "10", "2.5"));
        let changed = [row("ord_1", "2026-11-30", "EUR", "C1", "B", ("3", "30", "7.5"))];

        let mut stream = SalesStream::new();
        stream
            .push_file(file(&[added.to_vec(), vec![other.clone()], cancelled.to_vec()].concat()).as_bytes())
            .expect("file");
        let tables = csv(&stream);
        assert!(tables[0].ends_with("\r\n2026-11-30,EUR,1,1,10,2.5,12.5\r\n"), "{}", tables[0]);
        assert!(tables[1].contains("\r\nA,EUR,1,1,10,2.5,12.5\r\nB,EUR,0,0,0,0,0\r\n"), "{}", tables[1]);
        assert!(tables[2].contains("\r\nC1,EUR,0,0,0,0,0\r\n"), "{}", tables[2]);

        // The change lands in a later file: taken back and added again with other lines, right after.
        let mut later = SalesStream::new();
        later.push_file(file(&[cancelled.to_vec(), changed.to_vec()].concat()).as_bytes()).expect("later");
        let mut day = SalesStream::new();
        day.push_file(file(&[added.to_vec(), vec![other]].concat()).as_bytes()).expect("day");
        day.merge(&later);
        let tables = csv(&day);
        assert!(tables[0].ends_with("\r\n2026-11-30,EUR,2,4,40,10,50\r\n"), "{}", tables[0]);
        assert!(tables[1].contains("\r\nA,EUR,1,1,10,2.5,12.5\r\nB,EUR,1,3,30,7.5,37.5\r\n"), "{}", tables[1]);
        assert!(tables[2].contains("\r\nC1,EUR,1,3,30,7.5,37.5\r\n"), "{}", tables[2]);

        // Taken back without having been added: refused, never shown as a negative count.
        let mut orphan = SalesStream::new();
        orphan.push_file(file(&cancelled).as_bytes()).expect("file");
        assert!(matches!(orphan.tables(), Err(LineError::Value { column: "date", .. })));
    }

    #[test]
    fn the_reports_rows_leave_out_what_was_taken_back_and_show_money_with_two_places() {
        let rows = [
            row("ord_1", "2026-11-30", "EUR", "C1", "A", ("2", "20", "5")),
            row("ord_2", "2026-11-30", "EUR", "C2", "", ("1", "7.5", "0")),
            row("ord_2", "2026-11-30", "EUR", "C2", "B", ("1", "10", "2.5")),
            row("ord_2", "2026-11-30", "EUR", "C2", "B", ("-1", "-10", "-2.5")),
            row("ord_2", "2026-11-30", "EUR", "C2", "", ("-1", "-7.5", "0")),
        ];
        let mut stream = SalesStream::new();
        stream.push_file(file(&rows).as_bytes()).expect("file");
        let sales = stream.sales().expect("sales");
        let day = &sales.days[0];
        assert_eq!(
            (day.orders, day.net.to_string(), day.vat.to_string(), day.gross.to_string()),
            (1, "20.00".into(), "5.00".into(), "25.00".into())
        );
        let keys = |rows: &[SalesBy]| rows.iter().map(|r| (r.key.clone(), r.name.clone())).collect::<Vec<_>>();
        assert_eq!(
            keys(&sales.products),
            [("A".to_owned(), String::new())],
            "B and the free-text line were taken back"
        );
        assert_eq!(keys(&sales.customers), [("C1".to_owned(), String::new())]);
        assert_eq!(keys(&sales.channels), [("web".to_owned(), "web".to_owned())]);

        let mut free_text = SalesStream::new();
        free_text.push_file(file(&rows[1..3]).as_bytes()).expect("file");
        let products = free_text.sales().expect("sales").products;
        assert_eq!((products[0].key.as_str(), products[0].name.as_str()), ("", "Free-text lines"));
        assert_eq!(products[0].gross.map(|g| g.to_string()).as_deref(), Some("7.50"));
    }

    #[test]
    fn the_adjustment_row_counts_in_day_customer_and_channel_not_in_products() {
        let rows = [
            row("ord_1", "2026-11-30", "EUR", "C1", "A", ("2", "20", "5")),
            row("ord_1", "2026-11-30", "EUR", "C1", "", ("1", "5", "1.25")),
            row("ord_1", "2026-11-30", "EUR", "C1", "", ("0", "4.9", "1.225")),
        ];
        let mut stream = SalesStream::new();
        stream.push_file(file(&rows).as_bytes()).expect("file");
        let tables = csv(&stream);
        assert!(tables[0].ends_with("\r\n2026-11-30,EUR,1,3,29.9,7.475,37.375\r\n"), "{}", tables[0]);
        assert_eq!(
            tables[1],
            "sku,currency,orders,quantity,net,vat,gross\r\n,EUR,1,1,5,1.25,6.25\r\nA,EUR,1,2,20,5,25\r\n"
        );
        assert!(tables[2].ends_with("\r\nC1,EUR,1,3,29.9,7.475,37.375\r\n"), "{}", tables[2]);
        assert!(tables[3].ends_with("\r\nweb,EUR,1,3,29.9,7.475,37.375\r\n"), "{}", tables[3]);
    }

    #[test]
    fn facts_written_by_changes_read_back_as_the_order_is_now() {
        use crate::fixtures;
        use crate::order::{OrderStatus, OrderType};
        let mut order = fixtures::order(OrderType::Purchase, &[("A", dec!(2)), ("B", dec!(1.5))]);
        order.totals.charges = dec!(4.90);
        order.totals.vat += dec!(1.225);
        let mut cancelled = order.clone();
        cancelled.status = OrderStatus::Cancelled;
        let mut text = facts_header();
        for rows in [changes(None, &order), changes(Some(&order), &cancelled), changes(None, &order)] {
            for r in rows {
                text.push_str(&r.to_csv_line().expect("line"));
            }
        }
        let mut stream = SalesStream::new();
        stream.push_file(text.replace('\n', "\r\n").as_bytes()).expect("file");
        let tables = stream.tables().expect("tables");
        let day = &tables[0].rows[0];
        assert_eq!(day[2], crate::reports::Cell::Integer(1));
        assert_eq!(day[4], crate::reports::Cell::Decimal(order.totals.net + dec!(4.90)));
        assert_eq!(day[5], crate::reports::Cell::Decimal(order.totals.vat));
        assert_eq!(tables[1].rows.len(), 2, "A and B, not the adjustment row");
    }

    #[test]
    fn a_file_with_another_header_or_a_second_tenant_is_refused() {
        assert_eq!(check_header(HEADER.as_bytes()), Ok(()));
        assert_eq!(check_header(facts_header().trim_end().as_bytes()), Ok(()));
        for header in
            ["order_id,date,currency,customer_id,channel,sku,quantity,line_net,vat", "", &format!("{HEADER},")]
        {
            assert!(matches!(check_header(header.as_bytes()), Err(LineError::Value { line: 1, column: "header", .. })));
        }
        let mut stream = SalesStream::new();
        let old =
            "order_id,date,currency,customer_id,channel,sku,quantity,line_net,vat\no1,2026-11-30,EUR,C1,web,A,1,1,0\n";
        assert!(stream.push_file(old.as_bytes()).is_err());
        assert!(stream.push_file(b"").is_err());
        assert_eq!(stream.lines(), 0);
        stream.push_file(format!("{HEADER}\r\n").as_bytes()).expect("a header alone");
        stream.push_file(HEADER.as_bytes()).expect("a header without its line end");

        let one = row("o1", "2026-11-30", "EUR", "C1", "A", ("1", "1", "0"));
        let other = one.replace(",t1,", ",t2,");
        assert!(matches!(
            stream.push_file(file(&[one.clone(), other.clone()]).as_bytes()),
            Err(LineError::Value { line: 3, column: "tenant", .. })
        ));
        let mut second = SalesStream::new();
        second.push_file(file(&[other]).as_bytes()).expect("t2");
        second.merge(&stream);
        assert!(matches!(second.tables(), Err(LineError::Value { column: "tenant", .. })));
        // An empty line inside a file is refused; only the last line end may close an empty line.
        let gap = format!("{HEADER}\n{one}\n\n{one}\n");
        assert!(matches!(SalesStream::new().push_file(gap.as_bytes()), Err(LineError::Fields { line: 3, .. })));
    }

    #[test]
    fn sums_beyond_i64_are_refused_not_wrapped() {
        let big = "461168601842738.7904"; // (i64::MAX / 2 + 1) / 10^4
        let rows: Vec<String> =
            (0..2).map(|n| row(&format!("o{n}"), "2026-11-30", "EUR", "C", "A", ("1", big, "0"))).collect();
        let mut huge = SalesStream::new();
        huge.push_file(file(&rows).as_bytes()).expect("file");
        assert!(huge.tables().is_err(), "a sum that leaves i64 is refused, not wrapped");
    }

    #[test]
    fn members_keep_long_and_short_keys_and_currencies_apart() {
        let long = b"cus_0123456789abcdef01234567";
        let mut members = Members::default();
        let (a, b, c) = (members.index(long, 0), members.index(b"x", 0), members.index(long, 1));
        assert_eq!(members.index(long, 0), a);
        assert_eq!(members.index(b"x", 0), b);
        assert_eq!(members.index(long, 1), c);
        assert_ne!(a, c);
        members.entries[a].add(1, 1, 5, 0, 0);
        for n in 0..1000u32 {
            let index = members.index(format!("ord_{n:032x}").as_bytes(), 0);
            members.entries[index].add(1, 1, i64::from(n), 0, 0);
            let short = members.index(format!("{n}").as_bytes(), 0);
            members.entries[short].add(1, 1, 1, 0, 0);
        }
        for n in (0..1000u32).rev() {
            let index = members.index(format!("ord_{n:032x}").as_bytes(), 0);
            assert_eq!(members.entries[index].quantity, i64::from(n));
            assert_eq!(members.text(&members.entries[index]), format!("ord_{n:032x}").as_bytes());
        }
        let index = members.index(long, 0);
        assert_eq!((members.entries[index].quantity, members.text(&members.entries[index])), (5, &long[..]));
        assert_eq!(members.iter().count(), 2003, "three, and 2 000 more");
        let empty = members.index(b"", 0);
        assert_eq!(members.text(&members.entries[empty]), b"");
        assert_eq!(members.iter().count(), 2004);
        assert_eq!(std::mem::size_of::<Entry>(), 64, "one cache line");
    }
}
