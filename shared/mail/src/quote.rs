//! The buyer's email for a sent quote: the lines, the totals, the validity date and the signed link that opens
//! it in the buyer portal, in the buyer's language.

use askama::Template;

use orders_domain::order::Language;
use orders_domain::quote::Quote;

use crate::strings::{fill, strings, Strings};
use crate::{header_safe, Lang, MailError, RenderedEmail};

/// The texts of a quote email in one language. `{s}` is the seller, `{v}` the version.
#[derive(Debug)]
pub struct QuoteStrings {
    pub subject: &'static str,
    pub intro: &'static str,
    pub quote: &'static str,
    pub version: &'static str,
    pub valid_until: &'static str,
    pub open: &'static str,
    pub link_note: &'static str,
}

const EN: QuoteStrings = QuoteStrings {
    subject: "Quote from {s} (version {v})",
    intro: "{s} has sent you a quote. Open it to see it in full and to accept or decline it.",
    quote: "Quote",
    version: "Version",
    valid_until: "Valid until",
    open: "Open the quote",
    link_note: "The link is personal and works until the quote expires; do not forward it.",
};
const SV: QuoteStrings = QuoteStrings {
    subject: "Offert från {s} (version {v})",
    intro: "{s} har skickat en offert till dig. Öppna den för att se hela offerten och acceptera eller avböja den.",
    quote: "Offert",
    version: "Version",
    valid_until: "Giltig till",
    open: "Öppna offerten",
    link_note: "Länken är personlig och fungerar tills offerten löper ut; vidarebefordra den inte.",
};
const DE: QuoteStrings = QuoteStrings {
    subject: "Angebot von {s} (Version {v})",
    intro:
        "{s} hat Ihnen ein Angebot geschickt. Öffnen Sie es, um es vollständig zu sehen und anzunehmen oder abzulehnen.",
    quote: "Angebot",
    version: "Version",
    valid_until: "Gültig bis",
    open: "Angebot öffnen",
    link_note: "Der Link ist persönlich und gilt, bis das Angebot abläuft; bitte nicht weiterleiten.",
};
const PL: QuoteStrings = QuoteStrings {
    subject: "Oferta od {s} (wersja {v})",
    intro: "{s} przesłał(a) Ci ofertę. Otwórz ją, aby zobaczyć całość i ją przyjąć lub odrzucić.",
    quote: "Oferta",
    version: "Wersja",
    valid_until: "Ważna do",
    open: "Otwórz ofertę",
    link_note: "Link jest osobisty i działa do wygaśnięcia oferty; nie przekazuj go dalej.",
};
const LT: QuoteStrings = QuoteStrings {
    subject: "Pasiūlymas iš {s} (versija {v})",
    intro: "{s} atsiuntė jums pasiūlymą. Atidarykite jį, kad pamatytumėte visą pasiūlymą ir jį priimtumėte arba atmestumėte.",
    quote: "Pasiūlymas",
    version: "Versija",
    valid_until: "Galioja iki",
    open: "Atidaryti pasiūlymą",
    link_note: "Nuoroda asmeninė ir galioja, kol baigsis pasiūlymo galiojimas; neperduokite jos kitiems.",
};
const ZH: QuoteStrings = QuoteStrings {
    subject: "来自 {s} 的报价（第 {v} 版）",
    intro: "{s} 向您发送了一份报价。打开即可查看完整内容，并接受或拒绝。",
    quote: "报价",
    version: "版本",
    valid_until: "有效期至",
    open: "打开报价",
    link_note: "此链接为您个人专用，在报价到期前有效；请勿转发。",
};

/// The quote texts in `lang`.
pub fn quote_strings(lang: Lang) -> &'static QuoteStrings {
    match lang {
        Lang::En => &EN,
        Lang::Sv => &SV,
        Lang::De => &DE,
        Lang::Pl => &PL,
        Lang::Lt => &LT,
        Lang::Zh => &ZH,
    }
}

struct QuoteLineRow {
    description: String,
    quantity: String,
    unit_price: String,
    amount: String,
}

struct QuoteView {
    lang: &'static str,
    title: String,
    greeting: String,
    intro: String,
    t: &'static QuoteStrings,
    s: &'static Strings,
    facts: Vec<(String, String)>,
    lines: Vec<QuoteLineRow>,
    totals: Vec<(String, String)>,
    link: String,
    regards: Vec<String>,
}

#[derive(Template)]
#[template(path = "quote_email.html")]
struct QuoteHtml<'a> {
    v: &'a QuoteView,
}

#[derive(Template)]
#[template(path = "quote_email.txt")]
struct QuoteText<'a> {
    v: &'a QuoteView,
}

/// Renders the email that brings `quote` to its buyer with `link` (the signed portal address). `seller` is the
/// tenant's name; the language is the buyer's, else `tenant_language`, else English.
pub fn render_quote(
    quote: &Quote,
    seller: &str,
    tenant_language: &Language,
    link: &str,
) -> Result<RenderedEmail, MailError> {
    let lang = Lang::pick(quote.buyer.language.as_ref(), tenant_language);
    let (t, s) = (quote_strings(lang), strings(lang));
    let currency = quote.currency.code();
    let money = |value| lang.money(value, currency);
    let version = quote.version.to_string();
    let fill_quote = |text: &str| text.replace("{s}", seller).replace("{v}", &version);
    let buyer = quote.buyer.name.as_str();
    let subject = header_safe(&fill_quote(t.subject));
    let mut totals = vec![(s.net.to_owned(), money(quote.totals.net))];
    for adjustment in &quote.adjustments {
        let sign = match adjustment.kind {
            orders_domain::pricing::AdjustmentKind::Allowance => "−",
            orders_domain::pricing::AdjustmentKind::Charge => "+",
        };
        totals.push((adjustment.reason.clone(), format!("{sign}{}", money(adjustment.amount))));
    }
    totals.push((s.vat.to_owned(), money(quote.totals.vat)));
    totals.push((s.total.to_owned(), money(quote.totals.gross)));
    let view = QuoteView {
        lang: lang.tag(),
        title: subject.clone(),
        greeting: fill(s.greeting, "", buyer, seller),
        intro: fill_quote(t.intro),
        t,
        s,
        facts: vec![
            (t.quote.to_owned(), quote.id.to_string()),
            (t.version.to_owned(), version.clone()),
            (t.valid_until.to_owned(), lang.date(quote.valid_until_date)),
        ],
        lines: quote
            .lines
            .iter()
            .map(|line| QuoteLineRow {
                description: format!("{} {}", line.sku_text(), line.description).trim_start().to_owned(),
                quantity: format!("{} {}", lang.number(line.quantity), line.unit),
                unit_price: money(line.unit_price),
                amount: money(line.line_net),
            })
            .collect(),
        totals,
        link: link.to_owned(),
        regards: fill(s.regards, "", buyer, seller).lines().map(str::to_owned).collect(),
    };
    let html = QuoteHtml { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    let text = QuoteText { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    Ok(RenderedEmail { subject, text, html, lang })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_quote_text() {
        for lang in Lang::ALL {
            let t = quote_strings(lang);
            for text in [t.subject, t.intro, t.quote, t.version, t.valid_until, t.open, t.link_note] {
                assert!(!text.trim().is_empty(), "{lang:?}");
            }
            assert!(t.subject.contains("{s}") && t.subject.contains("{v}"), "{lang:?}");
        }
    }
}
