//! The portal's texts in the six languages of the emails (`orders_mail::Lang`): one row per message with its six
//! translations, as in the console. `{name}` marks a value the script fills in.

use serde_json::Value;

pub use orders_mail::Lang;

/// A message in `lang` (the key itself when there is no such message).
pub fn text(lang: Lang, key: &str) -> &str {
    orders_mail::locale::message(MESSAGES, lang, key)
}

/// Every message in `lang`, for the script.
pub fn catalogue(lang: Lang) -> Value {
    orders_mail::locale::messages_json(MESSAGES, lang)
}

/// Key, then English, Swedish, German, Polish, Lithuanian, Chinese.
#[rustfmt::skip]
pub const MESSAGES: &orders_mail::locale::MessageTable = &[
    ("app.title", ["Your orders", "Dina beställningar", "Ihre Bestellungen", "Twoje zamówienia", "Jūsų užsakymai", "您的订单"]),
    ("app.noscript", ["The portal needs JavaScript.", "Portalen behöver JavaScript.", "Das Portal benötigt JavaScript.", "Portal wymaga JavaScriptu.", "Portalui reikia JavaScript.", "门户需要启用 JavaScript。"]),
    ("app.loading", ["Loading…", "Laddar…", "Wird geladen…", "Ładowanie…", "Įkeliama…", "加载中…"]),
    ("app.no_session", ["Open the link from your email to see your quote or order.", "Öppna länken i ditt e-postmeddelande för att se din offert eller beställning.", "Öffnen Sie den Link aus Ihrer E-Mail, um Ihr Angebot oder Ihre Bestellung zu sehen.", "Otwórz link z wiadomości e-mail, aby zobaczyć ofertę lub zamówienie.", "Atidarykite nuorodą iš el. laiško, kad pamatytumėte pasiūlymą ar užsakymą.", "请打开邮件中的链接查看您的报价或订单。"]),
    ("quote.title", ["Quote {id}", "Offert {id}", "Angebot {id}", "Oferta {id}", "Pasiūlymas {id}", "报价 {id}"]),
    ("quote.version", ["Version {n}", "Version {n}", "Version {n}", "Wersja {n}", "Versija {n}", "第 {n} 版"]),
    ("quote.valid_until", ["Valid until {date}", "Giltig till {date}", "Gültig bis {date}", "Ważna do {date}", "Galioja iki {date}", "有效期至 {date}"]),
    ("quote.accept", ["Accept and order", "Acceptera och beställ", "Annehmen und bestellen", "Przyjmij i zamów", "Priimti ir užsakyti", "接受并下单"]),
    ("quote.decline", ["Decline", "Avböj", "Ablehnen", "Odrzuć", "Atmesti", "拒绝"]),
    ("quote.reason", ["Why (optional)", "Varför (valfritt)", "Warum (optional)", "Dlaczego (opcjonalnie)", "Kodėl (neprivaloma)", "原因（可选）"]),
    ("quote.accepted", ["Thank you: your order {number} is placed.", "Tack: din beställning {number} är lagd.", "Danke: Ihre Bestellung {number} ist aufgegeben.", "Dziękujemy: zamówienie {number} zostało złożone.", "Ačiū: jūsų užsakymas {number} pateiktas.", "谢谢：您的订单 {number} 已下达。"]),
    ("quote.declined", ["You declined this quote.", "Du har avböjt offerten.", "Sie haben dieses Angebot abgelehnt.", "Odrzucono tę ofertę.", "Jūs atmetėte šį pasiūlymą.", "您已拒绝此报价。"]),
    ("quote.earlier", ["Earlier versions", "Tidigare versioner", "Frühere Versionen", "Wcześniejsze wersje", "Ankstesnės versijos", "早期版本"]),
    ("status.draft", ["draft", "utkast", "Entwurf", "szkic", "juodraštis", "草稿"]),
    ("status.sent", ["open", "öppen", "offen", "otwarta", "atviras", "待答复"]),
    ("status.accepted", ["accepted", "accepterad", "angenommen", "przyjęta", "priimtas", "已接受"]),
    ("status.declined", ["declined", "avböjd", "abgelehnt", "odrzucona", "atmestas", "已拒绝"]),
    ("status.expired", ["expired", "utgången", "abgelaufen", "wygasła", "nebegalioja", "已过期"]),
    ("col.item", ["Item", "Artikel", "Artikel", "Pozycja", "Prekė", "商品"]),
    ("col.quantity", ["Quantity", "Antal", "Menge", "Ilość", "Kiekis", "数量"]),
    ("col.unit_price", ["Unit price", "Á-pris", "Einzelpreis", "Cena jedn.", "Vieneto kaina", "单价"]),
    ("col.amount", ["Amount", "Belopp", "Betrag", "Kwota", "Suma", "金额"]),
    ("total.net", ["Net", "Netto", "Netto", "Netto", "Be PVM", "净额"]),
    ("total.vat", ["VAT", "Moms", "MwSt.", "VAT", "PVM", "增值税"]),
    ("total.gross", ["Total", "Totalt", "Gesamt", "Razem", "Iš viso", "合计"]),
    ("notes", ["Notes", "Anteckningar", "Hinweise", "Uwagi", "Pastabos", "备注"]),
    ("problem", ["Something went wrong: {detail}", "Något gick fel: {detail}", "Etwas ist schiefgegangen: {detail}", "Coś poszło nie tak: {detail}", "Įvyko klaida: {detail}", "出错了：{detail}"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_translated_and_keeps_its_placeholders() {
        for (key, texts) in MESSAGES {
            let placeholders = |text: &str| {
                let mut found: Vec<String> = text
                    .split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}').map(|(n, _)| n.to_owned()))
                    .collect();
                found.sort();
                found
            };
            for text in texts {
                assert!(!text.trim().is_empty(), "{key}");
                assert_eq!(placeholders(text), placeholders(texts[0]), "{key}: {text}");
            }
        }
    }
}
