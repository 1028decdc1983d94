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
    ("quote.status.draft", ["draft", "utkast", "Entwurf", "szkic", "juodraštis", "草稿"]),
    ("quote.status.sent", ["open", "öppen", "offen", "otwarta", "atviras", "待答复"]),
    ("quote.status.accepted", ["accepted", "accepterad", "angenommen", "przyjęta", "priimtas", "已接受"]),
    ("quote.status.declined", ["declined", "avböjd", "abgelehnt", "odrzucona", "atmestas", "已拒绝"]),
    ("quote.status.expired", ["expired", "utgången", "abgelaufen", "wygasła", "nebegalioja", "已过期"]),
    ("col.item", ["Item", "Artikel", "Artikel", "Pozycja", "Prekė", "商品"]),
    ("col.quantity", ["Quantity", "Antal", "Menge", "Ilość", "Kiekis", "数量"]),
    ("col.unit_price", ["Unit price", "Á-pris", "Einzelpreis", "Cena jedn.", "Vieneto kaina", "单价"]),
    ("col.amount", ["Amount", "Belopp", "Betrag", "Kwota", "Suma", "金额"]),
    ("total.net", ["Net", "Netto", "Netto", "Netto", "Be PVM", "净额"]),
    ("total.vat", ["VAT", "Moms", "MwSt.", "VAT", "PVM", "增值税"]),
    ("total.gross", ["Total", "Totalt", "Gesamt", "Razem", "Iš viso", "合计"]),
    ("notes", ["Notes", "Anteckningar", "Hinweise", "Uwagi", "Pastabos", "备注"]),
    ("nav.label", ["Portal", "Portal", "Portal", "Portal", "Portalas", "门户"]),
    ("nav.orders", ["Orders", "Beställningar", "Bestellungen", "Zamówienia", "Užsakymai", "订单"]),
    ("nav.shop", ["Shop", "Handla", "Einkaufen", "Sklep", "Parduotuvė", "商品"]),
    ("nav.cart", ["Cart", "Varukorg", "Warenkorb", "Koszyk", "Krepšelis", "购物车"]),
    ("orders.search", ["Search (number or product)", "Sök (nummer eller artikel)", "Suche (Nummer oder Artikel)", "Szukaj (numer lub produkt)", "Paieška (numeris ar prekė)", "搜索（编号或商品）"]),
    ("orders.status", ["Status", "Status", "Status", "Status", "Būsena", "状态"]),
    ("orders.all", ["All", "Alla", "Alle", "Wszystkie", "Visi", "全部"]),
    ("orders.filter", ["Search", "Sök", "Suchen", "Szukaj", "Ieškoti", "搜索"]),
    ("orders.more", ["More orders", "Fler beställningar", "Weitere Bestellungen", "Więcej zamówień", "Daugiau užsakymų", "更多订单"]),
    ("orders.none", ["No orders found.", "Inga beställningar hittades.", "Keine Bestellungen gefunden.", "Nie znaleziono zamówień.", "Užsakymų nerasta.", "未找到订单。"]),
    ("col.number", ["Order", "Order", "Bestellung", "Zamówienie", "Užsakymas", "订单"]),
    ("col.status", ["Status", "Status", "Status", "Status", "Būsena", "状态"]),
    ("col.delivery", ["Delivery wanted", "Önskad leverans", "Wunschtermin", "Żądana dostawa", "Pageidaujamas pristatymas", "期望交货"]),
    ("col.received", ["Placed", "Lagd", "Aufgegeben", "Złożone", "Pateiktas", "下单时间"]),
    ("col.ordered", ["Ordered", "Beställt", "Bestellt", "Zamówiono", "Užsakyta", "订购"]),
    ("col.confirmed", ["Confirmed", "Bekräftat", "Bestätigt", "Potwierdzono", "Patvirtinta", "已确认"]),
    ("col.shipped", ["Shipped", "Skickat", "Versandt", "Wysłano", "Išsiųsta", "已发货"]),
    ("col.invoiced", ["Invoiced", "Fakturerat", "Berechnet", "Zafakturowano", "Išrašyta sąskaita", "已开票"]),
    ("col.open", ["Open", "Öppet", "Offen", "Otwarte", "Liko", "未结"]),
    ("col.available", ["Available", "Tillgängligt", "Verfügbar", "Dostępne", "Turima", "可用"]),
    ("col.actions", ["Actions", "Åtgärder", "Aktionen", "Akcje", "Veiksmai", "操作"]),
    ("status.received", ["received", "mottagen", "eingegangen", "przyjęte", "gautas", "已接收"]),
    ("status.pending_response", ["awaiting the seller", "väntar på säljaren", "wartet auf den Verkäufer", "czeka na sprzedawcę", "laukia pardavėjo", "等待卖家"]),
    ("status.accepted", ["confirmed", "bekräftad", "bestätigt", "potwierdzone", "patvirtintas", "已确认"]),
    ("status.accepted_with_changes", ["confirmed with changes", "bekräftad med ändringar", "mit Änderungen bestätigt", "potwierdzone ze zmianami", "patvirtintas su pakeitimais", "已确认（有变更）"]),
    ("status.rejected", ["rejected", "avvisad", "abgelehnt", "odrzucone", "atmestas", "已拒绝"]),
    ("status.partially_delivered", ["partly shipped", "delvis skickad", "teilweise versandt", "częściowo wysłane", "iš dalies išsiųstas", "部分发货"]),
    ("status.delivered", ["shipped", "skickad", "versandt", "wysłane", "išsiųstas", "已发货"]),
    ("status.partially_invoiced", ["partly invoiced", "delvis fakturerad", "teilweise berechnet", "częściowo zafakturowane", "iš dalies apmokestintas", "部分开票"]),
    ("status.invoiced", ["invoiced", "fakturerad", "berechnet", "zafakturowane", "apmokestintas", "已开票"]),
    ("status.cancelled", ["cancelled", "avbeställd", "storniert", "anulowane", "atšauktas", "已取消"]),
    ("status.closed", ["closed", "avslutad", "abgeschlossen", "zamknięte", "uždarytas", "已关闭"]),
    ("order.title", ["Order {number}", "Beställning {number}", "Bestellung {number}", "Zamówienie {number}", "Užsakymas {number}", "订单 {number}"]),
    ("order.meta", ["Delivery wanted {date} · {total}", "Önskad leverans {date} · {total}", "Wunschtermin {date} · {total}", "Żądana dostawa {date} · {total}", "Pageidaujama {date} · {total}", "期望交货 {date} · {total}"]),
    ("order.reorder", ["Order again", "Beställ igen", "Erneut bestellen", "Zamów ponownie", "Užsakyti dar kartą", "再次订购"]),
    ("order.despatches", ["Shipments", "Leveranser", "Sendungen", "Wysyłki", "Siuntos", "发货"]),
    ("order.despatch", ["Shipment {number} of {date}", "Leverans {number} den {date}", "Sendung {number} vom {date}", "Wysyłka {number} z {date}", "Siunta {number}, {date}", "{date} 的发货 {number}"]),
    ("order.track", ["Track", "Spåra", "Verfolgen", "Śledź", "Sekti", "跟踪"]),
    ("order.documents", ["Documents", "Dokument", "Dokumente", "Dokumenty", "Dokumentai", "单据"]),
    ("order.requests", ["Your requests", "Dina önskemål", "Ihre Anfragen", "Twoje prośby", "Jūsų prašymai", "您的请求"]),
    ("order.history", ["History", "Historik", "Verlauf", "Historia", "Istorija", "历史"]),
    ("doc.order_response", ["Order confirmation", "Orderbekräftelse", "Auftragsbestätigung", "Potwierdzenie zamówienia", "Užsakymo patvirtinimas", "订单确认"]),
    ("doc.despatch_advice", ["Despatch advice {number}", "Leveransavisering {number}", "Lieferavis {number}", "Awizo wysyłki {number}", "Siuntos pranešimas {number}", "发货通知 {number}"]),
    ("doc.delivery_note", ["Delivery note {number}", "Följesedel {number}", "Lieferschein {number}", "Dowód dostawy {number}", "Važtaraštis {number}", "送货单 {number}"]),
    ("doc.invoice", ["Invoice {number}", "Faktura {number}", "Rechnung {number}", "Faktura {number}", "Sąskaita {number}", "发票 {number}"]),
    ("doc.credit_note", ["Credit note {number}", "Kreditfaktura {number}", "Gutschrift {number}", "Faktura korygująca {number}", "Kreditinė sąskaita {number}", "贷项通知单 {number}"]),
    ("doc.debit_note", ["Debit note {number}", "Debetfaktura {number}", "Belastungsanzeige {number}", "Nota obciążeniowa {number}", "Debetinė sąskaita {number}", "借项通知单 {number}"]),
    ("notes.you", ["You", "Du", "Sie", "Ty", "Jūs", "您"]),
    ("notes.seller", ["Seller", "Säljaren", "Verkäufer", "Sprzedawca", "Pardavėjas", "卖家"]),
    ("request.title", ["Ask for a change or cancellation", "Be om ändring eller avbeställning", "Änderung oder Stornierung anfragen", "Poproś o zmianę lub anulowanie", "Prašyti pakeitimo ar atšaukimo", "申请变更或取消"]),
    ("request.hint", ["The seller decides; your order stays as it is until they act.", "Säljaren avgör; beställningen är oförändrad tills säljaren agerar.", "Der Verkäufer entscheidet; Ihre Bestellung bleibt, bis er handelt.", "Decyduje sprzedawca; zamówienie pozostaje bez zmian, dopóki nie zareaguje.", "Sprendžia pardavėjas; užsakymas nesikeičia, kol jis nesiima veiksmų.", "由卖家决定；在卖家处理前您的订单保持不变。"]),
    ("request.kind", ["What", "Vad", "Was", "Co", "Ką", "类型"]),
    ("request.change", ["Change", "Ändring", "Änderung", "Zmiana", "Pakeitimas", "变更"]),
    ("request.cancellation", ["Cancellation", "Avbeställning", "Stornierung", "Anulowanie", "Atšaukimas", "取消"]),
    ("request.message", ["What you would like", "Vad du önskar", "Ihr Wunsch", "Czego oczekujesz", "Ko pageidaujate", "您的要求"]),
    ("request.send", ["Send request", "Skicka önskemål", "Anfrage senden", "Wyślij prośbę", "Siųsti prašymą", "发送请求"]),
    ("request.status.open", ["waiting for the seller", "väntar på säljaren", "wartet auf den Verkäufer", "czeka na sprzedawcę", "laukia pardavėjo", "等待卖家"]),
    ("request.status.done", ["done", "utfört", "erledigt", "zrealizowano", "įvykdyta", "已处理"]),
    ("request.status.declined", ["declined", "avböjt", "abgelehnt", "odrzucono", "atmesta", "已拒绝"]),
    ("request.answer", ["The seller: {note}", "Säljaren: {note}", "Der Verkäufer: {note}", "Sprzedawca: {note}", "Pardavėjas: {note}", "卖家：{note}"]),
    ("message.title", ["Write to the seller", "Skriv till säljaren", "Dem Verkäufer schreiben", "Napisz do sprzedawcy", "Parašyti pardavėjui", "给卖家留言"]),
    ("message.text", ["Message", "Meddelande", "Nachricht", "Wiadomość", "Žinutė", "留言"]),
    ("message.send", ["Send message", "Skicka meddelande", "Nachricht senden", "Wyślij wiadomość", "Siųsti žinutę", "发送留言"]),
    ("shop.title", ["Shop", "Handla", "Einkaufen", "Sklep", "Parduotuvė", "商品"]),
    ("shop.search", ["Search products", "Sök artiklar", "Artikel suchen", "Szukaj produktów", "Ieškoti prekių", "搜索商品"]),
    ("shop.add", ["Add to cart", "Lägg i varukorgen", "In den Warenkorb", "Do koszyka", "Į krepšelį", "加入购物车"]),
    ("shop.save", ["Save for later", "Spara till senare", "Für später merken", "Zapisz na później", "Išsaugoti vėlesniam", "稍后购买"]),
    ("shop.added", ["{item} is in your cart.", "{item} ligger i varukorgen.", "{item} liegt im Warenkorb.", "{item} jest w koszyku.", "{item} yra krepšelyje.", "{item} 已加入购物车。"]),
    ("shop.saved", ["{item} is saved for later.", "{item} är sparad till senare.", "{item} ist für später gemerkt.", "{item} zapisano na później.", "{item} išsaugota vėlesniam.", "{item} 已保存以便稍后购买。"]),
    ("shop.none", ["No products found.", "Inga artiklar hittades.", "Keine Artikel gefunden.", "Nie znaleziono produktów.", "Prekių nerasta.", "未找到商品。"]),
    ("cart.title", ["Your cart", "Din varukorg", "Ihr Warenkorb", "Twój koszyk", "Jūsų krepšelis", "您的购物车"]),
    ("cart.empty", ["Your cart is empty.", "Varukorgen är tom.", "Ihr Warenkorb ist leer.", "Koszyk jest pusty.", "Krepšelis tuščias.", "购物车为空。"]),
    ("cart.save", ["Save for later", "Spara till senare", "Für später merken", "Zapisz na później", "Išsaugoti vėlesniam", "稍后购买"]),
    ("cart.move", ["Move to cart", "Flytta till varukorgen", "In den Warenkorb", "Przenieś do koszyka", "Perkelti į krepšelį", "移入购物车"]),
    ("cart.remove", ["Remove", "Ta bort", "Entfernen", "Usuń", "Pašalinti", "移除"]),
    ("cart.saved", ["Saved for later", "Sparat till senare", "Für später gemerkt", "Zapisane na później", "Išsaugota vėlesniam", "稍后购买"]),
    ("cart.checkout", ["Order", "Beställ", "Bestellen", "Zamów", "Užsakyti", "下单"]),
    ("cart.deliver_choice", ["Deliver to", "Leverera till", "Liefern an", "Dostawa do", "Pristatyti į", "送货地址"]),
    ("cart.deliver_to", ["Delivered to {address}", "Levereras till {address}", "Lieferung an {address}", "Dostawa do {address}", "Pristatoma: {address}", "送货至 {address}"]),
    ("cart.date", ["Delivery wanted (optional)", "Önskad leverans (valfritt)", "Wunschtermin (optional)", "Żądana dostawa (opcjonalnie)", "Pageidaujama data (neprivaloma)", "期望交货（可选）"]),
    ("cart.place", ["Place order", "Lägg beställning", "Bestellung aufgeben", "Złóż zamówienie", "Pateikti užsakymą", "提交订单"]),
    ("cart.placed", ["Thank you: your order {number} is placed; a confirmation follows by email.", "Tack: beställning {number} är lagd; en bekräftelse kommer med e-post.", "Danke: Bestellung {number} ist aufgegeben; eine Bestätigung folgt per E-Mail.", "Dziękujemy: zamówienie {number} zostało złożone; potwierdzenie przyjdzie e-mailem.", "Ačiū: užsakymas {number} pateiktas; patvirtinimą gausite el. paštu.", "谢谢：订单 {number} 已下达；确认邮件随后发送。"]),
    ("cart.follow", ["Follow it", "Följ den", "Verfolgen", "Śledź je", "Sekti", "查看订单"]),
    ("key.title", ["Sign in with your buyer key", "Logga in med din köparnyckel", "Mit Ihrem Käuferschlüssel anmelden", "Zaloguj się kluczem kupującego", "Prisijungti pirkėjo raktu", "使用买家密钥登录"]),
    ("key.label", ["Buyer key (from the seller's invitation)", "Köparnyckel (från säljarens inbjudan)", "Käuferschlüssel (aus der Einladung des Verkäufers)", "Klucz kupującego (z zaproszenia sprzedawcy)", "Pirkėjo raktas (iš pardavėjo kvietimo)", "买家密钥（来自卖家的邀请）"]),
    ("key.submit", ["Sign in", "Logga in", "Anmelden", "Zaloguj", "Prisijungti", "登录"]),
    ("problem", ["Something went wrong: {detail}", "Något gick fel: {detail}", "Etwas ist schiefgegangen: {detail}", "Coś poszło nie tak: {detail}", "Įvyko klaida: {detail}", "出错了：{detail}"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_status_has_a_label() {
        let missing = orders_mail::locale::statuses_without_label(MESSAGES);
        assert!(missing.is_empty(), "statuses without a `status.*` message: {missing:?}");
    }

    #[test]
    fn every_message_has_a_unique_key_and_six_non_empty_texts_with_the_same_placeholders() {
        let problems = orders_mail::locale::table_problems(MESSAGES);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_key_the_script_asks_for_exists() {
        let missing = orders_mail::locale::missing_script_keys(MESSAGES, include_str!("../assets/portal.js"));
        assert!(missing.is_empty(), "the script uses messages that do not exist: {missing:?}");
    }
}
