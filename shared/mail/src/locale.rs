//! The six languages emails are written in, and how each writes numbers, money and dates.

use rust_decimal::Decimal;
use time::Date;

use orders_domain::order::Language;

/// An email language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
    /// German.
    De,
    /// Polish.
    Pl,
    /// Lithuanian.
    Lt,
    /// Chinese (Simplified).
    Zh,
}

impl Lang {
    /// The best language of an `Accept-Language` header (by its q-values; English when none fits).
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(u32, Lang)> = None;
        for (position, item) in accept_language.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Self::parse) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            // thousandths, and earlier entries win ties
            let score = ((q * 1000.0).round() as u32) * 100 + 99u32.saturating_sub(position.min(99) as u32);
            if q > 0.0 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// Every supported language.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::Sv, Lang::De, Lang::Pl, Lang::Lt, Lang::Zh];

    fn from_tag(tag: &Language) -> Option<Self> {
        Self::parse(tag.as_str())
    }

    /// The language of a BCP 47 tag (`sv`, `sv-SE`, `zh-Hans-CN`; any case), if supported.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The language's own name (for a language picker).
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Sv => "Svenska",
            Self::De => "Deutsch",
            Self::Pl => "Polski",
            Self::Lt => "Lietuvių",
            Self::Zh => "中文",
        }
    }

    /// The buyer's language if supported, else the tenant's, else English.
    pub fn pick(buyer: Option<&Language>, tenant: &Language) -> Self {
        buyer.and_then(Self::from_tag).or_else(|| Self::from_tag(tenant)).unwrap_or(Self::En)
    }

    /// BCP 47 tag (`Content-Language`, `<html lang>`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Sv => "sv",
            Self::De => "de",
            Self::Pl => "pl",
            Self::Lt => "lt",
            Self::Zh => "zh",
        }
    }

    fn separators(self) -> (&'static str, &'static str) {
        // (thousands, decimal); narrow no-break space where the locale groups with a space
        match self {
            Self::En | Self::Zh => (",", "."),
            Self::De => (".", ","),
            Self::Sv | Self::Pl | Self::Lt => ("\u{202f}", ","),
        }
    }

    /// A decimal with the locale's separators, keeping its scale (`1234.5` → `1 234,5` in Swedish).
    pub fn number(self, value: Decimal) -> String {
        let (thousands, decimal) = self.separators();
        let text = value.abs().to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut grouped = String::new();
        for (i, digit) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push_str(thousands);
            }
            grouped.push(digit);
        }
        let sign = if value.is_sign_negative() && !value.is_zero() { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{decimal}{frac}")
        }
    }

    /// An amount with its currency code in the locale's position (`€`-free: codes are unambiguous).
    pub fn money(self, value: Decimal, currency: &str) -> String {
        let number = self.number(value);
        match self {
            Self::En | Self::Zh => format!("{currency} {number}"),
            _ => format!("{number}\u{a0}{currency}"),
        }
    }

    /// A calendar date in the locale's long form.
    pub fn date(self, date: Date) -> String {
        let month = u8::from(date.month());
        let index = usize::from(month.saturating_sub(1));
        let (year, day) = (date.year(), date.day());
        match self {
            Self::En => format!("{day} {} {year}", EN_MONTHS[index]),
            Self::Sv => format!("{day} {} {year}", SV_MONTHS[index]),
            Self::De => format!("{day}. {} {year}", DE_MONTHS[index]),
            Self::Pl => format!("{day} {} {year}", PL_MONTHS_GENITIVE[index]),
            Self::Lt => format!("{year} m. {} {day} d.", LT_MONTHS_GENITIVE[index]),
            Self::Zh => format!("{year}年{month}月{day}日"),
        }
    }
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SV_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];
const DE_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const PL_MONTHS_GENITIVE: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];
const LT_MONTHS_GENITIVE: [&str; 12] = [
    "sausio",
    "vasario",
    "kovo",
    "balandžio",
    "gegužės",
    "birželio",
    "liepos",
    "rugpjūčio",
    "rugsėjo",
    "spalio",
    "lapkričio",
    "gruodžio",
];

/// A table of UI texts: key, then the text in each of [`Lang::ALL`] (a missing translation does not compile).
pub type MessageTable = [(&'static str, [&'static str; 6])];

/// The text of `key` in `lang` (the key itself when the table has no such message).
pub fn message<'a>(table: &'a MessageTable, lang: Lang, key: &'a str) -> &'a str {
    let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    table.iter().find(|(k, _)| *k == key).map_or(key, |(_, texts)| texts[index])
}

/// Every text of `table` in `lang`, as a JSON object for a page's script.
pub fn messages_json(table: &MessageTable, lang: Lang) -> serde_json::Value {
    let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    serde_json::Value::Object(
        table.iter().map(|(key, texts)| ((*key).to_owned(), serde_json::Value::from(texts[index]))).collect(),
    )
}

/// What is wrong with `table`: a key given twice, an empty translation, or a translation whose `{placeholders}`
/// are not those of the English text. Empty when nothing is (each UI's tests assert that).
pub fn table_problems(table: &MessageTable) -> Vec<String> {
    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> =
            text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
        found.sort_unstable();
        found
    }
    let mut problems = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for (key, texts) in table {
        if !keys.insert(*key) {
            problems.push(format!("{key} twice"));
        }
        for text in texts {
            if text.trim().is_empty() {
                problems.push(format!("{key} has an empty translation"));
            } else if placeholders(text) != placeholders(texts[0]) {
                problems.push(format!("{key}: the placeholders of {text:?} are not those of {:?}", texts[0]));
            }
        }
    }
    problems
}

/// The order statuses that have no `status.{name}` message in `table` (every web page labels every status).
pub fn statuses_without_label(table: &MessageTable) -> Vec<&'static str> {
    orders_domain::lifecycle::OrderStatus::ALL
        .into_iter()
        .map(|status| status.as_str())
        .filter(|name| table.iter().all(|(key, _)| *key != format!("status.{name}")))
        .collect()
}

/// The keys a page's `script` asks for with `t('…')` that `table` lacks; for `t('status.' + …)`, a family with no
/// message at all.
pub fn missing_script_keys(table: &MessageTable, script: &str) -> Vec<String> {
    let keys: std::collections::HashSet<&str> = table.iter().map(|(k, _)| *k).collect();
    let mut missing = Vec::new();
    for (at, _) in script.match_indices("t('") {
        // a call of `t`, not the end of another name (`split('`)
        if script[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let Some((key, rest)) = script[at + 3..].split_once('\'') else { continue };
        // `t('status.' + status)` builds the key: its family must exist.
        let known = if rest.trim_start().starts_with('+') {
            keys.iter().any(|k| k.starts_with(key))
        } else {
            keys.contains(key)
        };
        if !known {
            missing.push(key.to_owned());
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_table_with_a_twin_key_an_empty_text_or_other_placeholders_is_found_out() {
        let table: &MessageTable = &[
            ("a", ["{n} x", "{n} y", "{n} z", "{n}", "{n}", "{n}"]),
            ("a", ["x", "y", "", "w", "v", "u"]),
            ("b.x", ["{n} x", "{m} y", "{n}", "{n}", "{n}", "{n}"]),
        ];
        let problems = table_problems(table);
        assert_eq!(problems.len(), 3, "{problems:?}");
        let script = "t('a'); t('c'); split('x'); t('b.' + kind); t('d.' + kind)";
        assert_eq!(missing_script_keys(table, script), ["c", "d."]);
    }

    #[test]
    fn languages_fall_back_from_buyer_to_tenant_to_english() {
        let fr = Language::parse("fr").expect("fr");
        let sv = Language::parse("sv-FI").expect("sv");
        assert_eq!(Lang::pick(Some(&sv), &Language::english()), Lang::Sv);
        assert_eq!(Lang::pick(Some(&fr), &Language::parse("de").expect("de")), Lang::De);
        assert_eq!(Lang::pick(None, &fr), Lang::En);
    }

    #[test]
    fn amounts_use_the_locales_separators() {
        assert_eq!(Lang::En.money(dec!(1234567.50), "EUR"), "EUR 1,234,567.50");
        assert_eq!(Lang::De.money(dec!(1234.50), "EUR"), "1.234,50\u{a0}EUR");
        assert_eq!(Lang::Sv.number(dec!(-1234.5)), "-1\u{202f}234,5");
        assert_eq!(Lang::Pl.number(dec!(999)), "999");
    }

    #[test]
    fn dates_are_written_out() {
        let date = time::macros::date!(2026 - 12 - 01);
        assert_eq!(Lang::En.date(date), "1 December 2026");
        assert_eq!(Lang::De.date(date), "1. Dezember 2026");
        assert_eq!(Lang::Lt.date(date), "2026 m. gruodžio 1 d.");
        assert_eq!(Lang::Zh.date(date), "2026年12月1日");
    }
}
