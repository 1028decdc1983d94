//! Translated texts of the emails. `{n}` is the order number, `{b}` the buyer, `{s}` the seller.

use crate::locale::Lang;

/// Every text an order email uses, in one language.
#[derive(Debug)]
pub struct Strings {
    pub subject_new_order: &'static str,
    pub subject_accepted: &'static str,
    pub subject_changed: &'static str,
    pub subject_rejected: &'static str,
    pub intro_new_order: &'static str,
    pub intro_accepted: &'static str,
    pub intro_changed: &'static str,
    pub intro_rejected: &'static str,
    pub greeting: &'static str,
    pub sku: &'static str,
    pub description: &'static str,
    pub ordered: &'static str,
    pub confirmed: &'static str,
    pub unit_price: &'static str,
    pub amount: &'static str,
    pub changed: &'static str,
    pub net: &'static str,
    pub vat: &'static str,
    pub total: &'static str,
    pub order_number: &'static str,
    pub requested_delivery: &'static str,
    pub delivery_address: &'static str,
    /// A cross-docking order's final consignee, shown after the delivery address (the hub).
    pub final_consignee: &'static str,
    pub notes: &'static str,
    pub reason: &'static str,
    pub express: &'static str,
    pub regards: &'static str,
    /// `{c}` confirmed of `{o}` ordered.
    pub line_changed: &'static str,
    pub line_rejected: &'static str,
    pub reason_changed: &'static str,
    pub reason_rejected: &'static str,
    pub seller_notes: &'static str,
}

const EN: Strings = Strings {
    subject_new_order: "New order {n} from {b}",
    subject_accepted: "Order {n} confirmed",
    subject_changed: "Order {n} confirmed with changes",
    subject_rejected: "Order {n} could not be accepted",
    intro_new_order: "A new order has arrived from {b}.",
    intro_accepted: "Thank you for your order. We confirm it as ordered.",
    intro_changed: "Thank you for your order. We confirm it with the changes marked below.",
    intro_rejected: "Thank you for your order. Unfortunately we cannot accept it.",
    greeting: "Hello {b},",
    sku: "Item",
    description: "Description",
    ordered: "Ordered",
    confirmed: "Confirmed",
    unit_price: "Unit price",
    amount: "Amount",
    changed: "Changed",
    net: "Net",
    vat: "VAT",
    total: "Total",
    order_number: "Order number",
    requested_delivery: "Requested delivery",
    delivery_address: "Delivery address",
    final_consignee: "Final consignee",
    notes: "Notes",
    reason: "Reason",
    express: "Express order",
    regards: "Kind regards,\n{s}",
    line_changed: "Only {c} of {o} can be delivered; the rest is cancelled.",
    line_rejected: "This line cannot be delivered.",
    reason_changed: "Some lines could not be confirmed as ordered.",
    reason_rejected: "None of the lines can be delivered.",
    seller_notes: "Message from us",
};

const SV: Strings = Strings {
    subject_new_order: "Ny order {n} från {b}",
    subject_accepted: "Order {n} bekräftad",
    subject_changed: "Order {n} bekräftad med ändringar",
    subject_rejected: "Order {n} kunde inte accepteras",
    intro_new_order: "En ny order har kommit in från {b}.",
    intro_accepted: "Tack för din beställning. Vi bekräftar den enligt beställningen.",
    intro_changed: "Tack för din beställning. Vi bekräftar den med ändringarna som markerats nedan.",
    intro_rejected: "Tack för din beställning. Tyvärr kan vi inte acceptera den.",
    greeting: "Hej {b},",
    sku: "Artikel",
    description: "Beskrivning",
    ordered: "Beställt",
    confirmed: "Bekräftat",
    unit_price: "À-pris",
    amount: "Belopp",
    changed: "Ändrad",
    net: "Netto",
    vat: "Moms",
    total: "Totalt",
    order_number: "Ordernummer",
    requested_delivery: "Önskad leverans",
    delivery_address: "Leveransadress",
    final_consignee: "Slutmottagare",
    notes: "Meddelande",
    reason: "Orsak",
    express: "Expressorder",
    regards: "Vänliga hälsningar,\n{s}",
    line_changed: "Endast {c} av {o} kan levereras; resten annulleras.",
    line_rejected: "Den här raden kan inte levereras.",
    reason_changed: "Vissa rader kunde inte bekräftas enligt beställningen.",
    reason_rejected: "Ingen av raderna kan levereras.",
    seller_notes: "Meddelande från oss",
};

const DE: Strings = Strings {
    subject_new_order: "Neue Bestellung {n} von {b}",
    subject_accepted: "Bestellung {n} bestätigt",
    subject_changed: "Bestellung {n} mit Änderungen bestätigt",
    subject_rejected: "Bestellung {n} konnte nicht angenommen werden",
    intro_new_order: "Eine neue Bestellung von {b} ist eingegangen.",
    intro_accepted: "Vielen Dank für Ihre Bestellung. Wir bestätigen sie wie bestellt.",
    intro_changed: "Vielen Dank für Ihre Bestellung. Wir bestätigen sie mit den unten markierten Änderungen.",
    intro_rejected: "Vielen Dank für Ihre Bestellung. Leider können wir sie nicht annehmen.",
    greeting: "Guten Tag {b},",
    sku: "Artikel",
    description: "Beschreibung",
    ordered: "Bestellt",
    confirmed: "Bestätigt",
    unit_price: "Einzelpreis",
    amount: "Betrag",
    changed: "Geändert",
    net: "Netto",
    vat: "MwSt.",
    total: "Gesamt",
    order_number: "Bestellnummer",
    requested_delivery: "Gewünschte Lieferung",
    delivery_address: "Lieferadresse",
    final_consignee: "Endempfänger",
    notes: "Anmerkungen",
    reason: "Grund",
    express: "Expressbestellung",
    regards: "Mit freundlichen Grüßen\n{s}",
    line_changed: "Nur {c} von {o} können geliefert werden; der Rest wird storniert.",
    line_rejected: "Diese Position kann nicht geliefert werden.",
    reason_changed: "Einige Positionen konnten nicht wie bestellt bestätigt werden.",
    reason_rejected: "Keine der Positionen kann geliefert werden.",
    seller_notes: "Nachricht von uns",
};

const PL: Strings = Strings {
    subject_new_order: "Nowe zamówienie {n} od {b}",
    subject_accepted: "Zamówienie {n} potwierdzone",
    subject_changed: "Zamówienie {n} potwierdzone ze zmianami",
    subject_rejected: "Zamówienie {n} nie mogło zostać przyjęte",
    intro_new_order: "Wpłynęło nowe zamówienie od {b}.",
    intro_accepted: "Dziękujemy za zamówienie. Potwierdzamy je zgodnie z zamówieniem.",
    intro_changed: "Dziękujemy za zamówienie. Potwierdzamy je ze zmianami zaznaczonymi poniżej.",
    intro_rejected: "Dziękujemy za zamówienie. Niestety nie możemy go przyjąć.",
    greeting: "Dzień dobry {b},",
    sku: "Towar",
    description: "Opis",
    ordered: "Zamówiono",
    confirmed: "Potwierdzono",
    unit_price: "Cena jedn.",
    amount: "Kwota",
    changed: "Zmieniono",
    net: "Netto",
    vat: "VAT",
    total: "Razem",
    order_number: "Numer zamówienia",
    requested_delivery: "Żądana dostawa",
    delivery_address: "Adres dostawy",
    final_consignee: "Odbiorca końcowy",
    notes: "Uwagi",
    reason: "Powód",
    express: "Zamówienie ekspresowe",
    regards: "Z poważaniem\n{s}",
    line_changed: "Możemy dostarczyć tylko {c} z {o}; reszta zostaje anulowana.",
    line_rejected: "Tej pozycji nie można dostarczyć.",
    reason_changed: "Niektórych pozycji nie można było potwierdzić zgodnie z zamówieniem.",
    reason_rejected: "Żadnej z pozycji nie można dostarczyć.",
    seller_notes: "Wiadomość od nas",
};

const LT: Strings = Strings {
    subject_new_order: "Naujas užsakymas {n} iš {b}",
    subject_accepted: "Užsakymas {n} patvirtintas",
    subject_changed: "Užsakymas {n} patvirtintas su pakeitimais",
    subject_rejected: "Užsakymo {n} priimti negalime",
    intro_new_order: "Gautas naujas užsakymas iš {b}.",
    intro_accepted: "Dėkojame už užsakymą. Patvirtiname jį taip, kaip užsakyta.",
    intro_changed: "Dėkojame už užsakymą. Patvirtiname jį su žemiau pažymėtais pakeitimais.",
    intro_rejected: "Dėkojame už užsakymą. Deja, negalime jo priimti.",
    greeting: "Laba diena, {b},",
    sku: "Prekė",
    description: "Aprašymas",
    ordered: "Užsakyta",
    confirmed: "Patvirtinta",
    unit_price: "Vieneto kaina",
    amount: "Suma",
    changed: "Pakeista",
    net: "Be PVM",
    vat: "PVM",
    total: "Iš viso",
    order_number: "Užsakymo numeris",
    requested_delivery: "Pageidaujamas pristatymas",
    delivery_address: "Pristatymo adresas",
    final_consignee: "Galutinis gavėjas",
    notes: "Pastabos",
    reason: "Priežastis",
    express: "Skubus užsakymas",
    regards: "Pagarbiai\n{s}",
    line_changed: "Galime pristatyti tik {c} iš {o}; likutis atšaukiamas.",
    line_rejected: "Šios eilutės pristatyti negalime.",
    reason_changed: "Kai kurių eilučių nepavyko patvirtinti taip, kaip užsakyta.",
    reason_rejected: "Nė vienos eilutės pristatyti negalime.",
    seller_notes: "Mūsų žinutė",
};

const ZH: Strings = Strings {
    subject_new_order: "来自 {b} 的新订单 {n}",
    subject_accepted: "订单 {n} 已确认",
    subject_changed: "订单 {n} 已确认（有变更）",
    subject_rejected: "订单 {n} 无法接受",
    intro_new_order: "收到来自 {b} 的新订单。",
    intro_accepted: "感谢您的订单。我们按订购内容确认。",
    intro_changed: "感谢您的订单。我们确认订单，变更之处已在下方标出。",
    intro_rejected: "感谢您的订单。很抱歉，我们无法接受该订单。",
    greeting: "{b}，您好：",
    sku: "商品",
    description: "描述",
    ordered: "订购数量",
    confirmed: "确认数量",
    unit_price: "单价",
    amount: "金额",
    changed: "已变更",
    net: "净额",
    vat: "增值税",
    total: "合计",
    order_number: "订单号",
    requested_delivery: "要求交货日期",
    delivery_address: "送货地址",
    final_consignee: "最终收货人",
    notes: "备注",
    reason: "原因",
    express: "加急订单",
    regards: "此致\n{s}",
    line_changed: "只能交付 {o} 中的 {c}；其余部分取消。",
    line_rejected: "此行无法交付。",
    reason_changed: "部分行无法按订购内容确认。",
    reason_rejected: "所有行均无法交付。",
    seller_notes: "卖家留言",
};

/// The texts of `lang`.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::Sv => &SV,
        Lang::De => &DE,
        Lang::Pl => &PL,
        Lang::Lt => &LT,
        Lang::Zh => &ZH,
    }
}

/// Fills `{n}`, `{b}` and `{s}` in one pass (a value containing `{s}` stays as it is).
pub fn fill(text: &str, order_number: &str, buyer: &str, seller: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let placeholder = rest.get(start..start + 3).unwrap_or_default();
        let value = match placeholder {
            "{n}" => Some(order_number),
            "{b}" => Some(buyer),
            "{s}" => Some(seller),
            _ => None,
        };
        match value {
            Some(value) => {
                out.push_str(value);
                rest = &rest[start + 3..];
            }
            None => {
                out.push('{');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The texts of the despatch email, in one language. `{n}` is the order number, `{d}` the despatch number.
#[derive(Debug)]
pub struct DespatchStrings {
    pub subject: &'static str,
    pub intro: &'static str,
    pub despatch_number: &'static str,
    pub shipped_now: &'static str,
    pub still_open: &'static str,
    pub all_shipped: &'static str,
    pub carrier: &'static str,
    pub tracking_number: &'static str,
    pub tracking_link: &'static str,
    pub despatch_date: &'static str,
    pub expected_delivery: &'static str,
}

const DESPATCH_EN: DespatchStrings = DespatchStrings {
    subject: "Order {n} is on its way ({d})",
    intro: "Part or all of your order has left our warehouse.",
    despatch_number: "Despatch number",
    shipped_now: "Shipped now",
    still_open: "Still to come",
    all_shipped: "Nothing else is outstanding: your order is complete.",
    carrier: "Carrier",
    tracking_number: "Tracking number",
    tracking_link: "Track your parcel",
    despatch_date: "Despatched",
    expected_delivery: "Expected delivery",
};

const DESPATCH_SV: DespatchStrings = DespatchStrings {
    subject: "Order {n} är på väg ({d})",
    intro: "Hela eller delar av din order har lämnat vårt lager.",
    despatch_number: "Följesedelsnummer",
    shipped_now: "Skickas nu",
    still_open: "Kommer senare",
    all_shipped: "Inget återstår: din order är komplett.",
    carrier: "Transportör",
    tracking_number: "Kollinummer",
    tracking_link: "Spåra ditt paket",
    despatch_date: "Skickad",
    expected_delivery: "Beräknad leverans",
};

const DESPATCH_DE: DespatchStrings = DespatchStrings {
    subject: "Bestellung {n} ist unterwegs ({d})",
    intro: "Ihre Bestellung hat ganz oder teilweise unser Lager verlassen.",
    despatch_number: "Lieferscheinnummer",
    shipped_now: "Jetzt versandt",
    still_open: "Folgt noch",
    all_shipped: "Nichts steht mehr aus: Ihre Bestellung ist vollständig.",
    carrier: "Versanddienstleister",
    tracking_number: "Sendungsnummer",
    tracking_link: "Sendung verfolgen",
    despatch_date: "Versandt am",
    expected_delivery: "Voraussichtliche Lieferung",
};

const DESPATCH_PL: DespatchStrings = DespatchStrings {
    subject: "Zamówienie {n} jest w drodze ({d})",
    intro: "Całość lub część Twojego zamówienia opuściła nasz magazyn.",
    despatch_number: "Numer wysyłki",
    shipped_now: "Wysłano teraz",
    still_open: "Pozostało do wysłania",
    all_shipped: "Nic nie pozostało: zamówienie jest kompletne.",
    carrier: "Przewoźnik",
    tracking_number: "Numer przesyłki",
    tracking_link: "Śledź przesyłkę",
    despatch_date: "Data wysyłki",
    expected_delivery: "Przewidywana dostawa",
};

const DESPATCH_LT: DespatchStrings = DespatchStrings {
    subject: "Užsakymas {n} jau pakeliui ({d})",
    intro: "Visas jūsų užsakymas arba jo dalis išsiųsta iš mūsų sandėlio.",
    despatch_number: "Siuntos numeris",
    shipped_now: "Išsiųsta dabar",
    still_open: "Dar bus išsiųsta",
    all_shipped: "Daugiau nieko nebeliko: užsakymas įvykdytas.",
    carrier: "Vežėjas",
    tracking_number: "Sekimo numeris",
    tracking_link: "Sekti siuntą",
    despatch_date: "Išsiųsta",
    expected_delivery: "Numatomas pristatymas",
};

const DESPATCH_ZH: DespatchStrings = DespatchStrings {
    subject: "订单 {n} 已发货（{d}）",
    intro: "您的订单已全部或部分从我们的仓库发出。",
    despatch_number: "发货单号",
    shipped_now: "本次发货",
    still_open: "待发货",
    all_shipped: "没有待发货的商品：您的订单已全部发出。",
    carrier: "承运商",
    tracking_number: "运单号",
    tracking_link: "查询物流",
    despatch_date: "发货日期",
    expected_delivery: "预计送达",
};

/// The despatch email's texts in `lang`.
pub fn despatch_strings(lang: Lang) -> &'static DespatchStrings {
    match lang {
        Lang::En => &DESPATCH_EN,
        Lang::Sv => &DESPATCH_SV,
        Lang::De => &DESPATCH_DE,
        Lang::Pl => &DESPATCH_PL,
        Lang::Lt => &DESPATCH_LT,
        Lang::Zh => &DESPATCH_ZH,
    }
}
