//! The console's texts in the six languages of the emails (`orders_mail::Lang`): one row per message with its six
//! translations, so a missing translation does not compile (the approach of the email strings in `orders-mail`).
//! `{name}` marks a value the script fills in. The script formats amounts, quantities and dates with the browser's `Intl` for the language's locale.

use serde_json::Value;

pub use orders_mail::Lang;

/// The best language of an `Accept-Language` header (see [`Lang::negotiate`]).
pub fn negotiate(accept_language: &str) -> Lang {
    Lang::negotiate(accept_language)
}

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
    ("app.title", ["Orders console", "Orderkonsol", "Auftragskonsole", "Konsola zamówień", "Užsakymų konsolė", "订单控制台"]),
    ("app.noscript", ["The console needs JavaScript.", "Konsolen behöver JavaScript.", "Die Konsole benötigt JavaScript.", "Konsola wymaga JavaScriptu.", "Konsolei reikia JavaScript.", "控制台需要启用 JavaScript。"]),
    ("app.loading", ["Loading…", "Laddar…", "Wird geladen…", "Ładowanie…", "Įkeliama…", "加载中…"]),
    ("app.language", ["Language", "Språk", "Sprache", "Język", "Kalba", "语言"]),
    ("app.skip", ["Skip to content", "Till innehållet", "Zum Inhalt", "Przejdź do treści", "Pereiti prie turinio", "跳到内容"]),
    ("app.who", ["{tenant} · {role}", "{tenant} · {role}", "{tenant} · {role}", "{tenant} · {role}", "{tenant} · {role}", "{tenant} · {role}"]),
    ("role.operator", ["operator", "operatör", "Sachbearbeitung", "operator", "operatorius", "操作员"]),
    ("role.warehouse", ["warehouse", "lager", "Lager", "magazyn", "sandėlis", "仓库"]),
    ("role.webshop", ["webshop", "webbutik", "Webshop", "sklep internetowy", "internetinė parduotuvė", "网店"]),
    ("login.intro", ["Log in with your operator or warehouse API key.", "Logga in med din API-nyckel för operatör eller lager.", "Melden Sie sich mit Ihrem API-Schlüssel für Sachbearbeitung oder Lager an.", "Zaloguj się kluczem API operatora lub magazynu.", "Prisijunkite operatoriaus arba sandėlio API raktu.", "请使用操作员或仓库 API 密钥登录。"]),
    ("login.key", ["API key", "API-nyckel", "API-Schlüssel", "Klucz API", "API raktas", "API 密钥"]),
    ("login.submit", ["Log in", "Logga in", "Anmelden", "Zaloguj", "Prisijungti", "登录"]),
    ("nav.label", ["Main", "Huvudmeny", "Hauptmenü", "Menu główne", "Pagrindinis meniu", "主菜单"]),
    ("nav.orders", ["Orders", "Ordrar", "Aufträge", "Zamówienia", "Užsakymai", "订单"]),
    ("nav.stock", ["Stock", "Lager", "Bestand", "Stany magazynowe", "Atsargos", "库存"]),
    ("nav.products", ["Products and prices", "Produkter och priser", "Produkte und Preise", "Produkty i ceny", "Produktai ir kainos", "产品与价格"]),
    ("nav.reports", ["Reports", "Rapporter", "Berichte", "Raporty", "Ataskaitos", "报表"]),
    ("nav.quotes", ["Quotes", "Offerter", "Angebote", "Oferty", "Pasiūlymai", "报价"]),
    ("quote.quote", ["Quote", "Offert", "Angebot", "Oferta", "Pasiūlymas", "报价"]),
    ("quote.version", ["Version", "Version", "Version", "Wersja", "Versija", "版本"]),
    ("quote.version_line", ["Version {n}", "Version {n}", "Version {n}", "Wersja {n}", "Versija {n}", "第 {n} 版"]),
    ("quote.state", ["Status", "Status", "Status", "Status", "Būsena", "状态"]),
    ("quote.valid_until", ["Valid until", "Giltig till", "Gültig bis", "Ważna do", "Galioja iki", "有效期至"]),
    ("quote.status.draft", ["draft", "utkast", "Entwurf", "szkic", "juodraštis", "草稿"]),
    ("quote.status.sent", ["sent", "skickad", "gesendet", "wysłana", "išsiųstas", "已发送"]),
    ("quote.status.accepted", ["accepted", "accepterad", "angenommen", "przyjęta", "priimtas", "已接受"]),
    ("quote.status.declined", ["declined", "avböjd", "abgelehnt", "odrzucona", "atmestas", "已拒绝"]),
    ("quote.status.expired", ["expired", "utgången", "abgelaufen", "wygasła", "nebegalioja", "已过期"]),
    ("quote.new", ["New quote", "Ny offert", "Neues Angebot", "Nowa oferta", "Naujas pasiūlymas", "新建报价"]),
    ("quote.reopen_title", ["Reopen as version {n}", "Öppna igen som version {n}", "Als Version {n} neu öffnen", "Otwórz ponownie jako wersję {n}", "Atidaryti iš naujo kaip {n} versiją", "重新开启为第 {n} 版"]),
    ("quote.customer", ["Customer id", "Kundnummer", "Kundennummer", "Identyfikator klienta", "Kliento ID", "客户编号"]),
    ("quote.sku", ["Line {n}: SKU", "Rad {n}: artikelnr", "Position {n}: Artikelnr.", "Pozycja {n}: SKU", "{n} eilutė: SKU", "第 {n} 行：SKU"]),
    ("quote.price", ["Unit price", "À-pris", "Einzelpreis", "Cena jedn.", "Vieneto kaina", "单价"]),
    ("quote.price_hint", ["Empty: the customer's price", "Tomt: kundens pris", "Leer: Preis des Kunden", "Puste: cena klienta", "Tuščia: kliento kaina", "留空：客户价格"]),
    ("quote.add_line", ["Add a line", "Lägg till rad", "Position hinzufügen", "Dodaj pozycję", "Pridėti eilutę", "添加行"]),
    ("quote.create", ["Save draft", "Spara utkast", "Entwurf speichern", "Zapisz szkic", "Išsaugoti juodraštį", "保存草稿"]),
    ("quote.save_version", ["Save the new version", "Spara den nya versionen", "Neue Version speichern", "Zapisz nową wersję", "Išsaugoti naują versiją", "保存新版本"]),
    ("quote.send", ["Send to the buyer", "Skicka till köparen", "An den Käufer senden", "Wyślij do kupującego", "Siųsti pirkėjui", "发送给买家"]),
    ("quote.sent_notice", ["Sent: the buyer got an email with a link to the quote.", "Skickad: köparen fick ett e-postmeddelande med en länk till offerten.", "Gesendet: Der Käufer hat eine E-Mail mit einem Link zum Angebot erhalten.", "Wysłano: kupujący otrzymał e-mail z linkiem do oferty.", "Išsiųsta: pirkėjas gavo el. laišką su nuoroda į pasiūlymą.", "已发送：买家已收到含报价链接的邮件。"]),
    ("quote.versions", ["Versions", "Versioner", "Versionen", "Wersje", "Versijos", "版本"]),
    ("quote.order", ["its order", "dess order", "zugehöriger Auftrag", "jego zamówienie", "jo užsakymas", "对应订单"]),
    ("nav.requests", ["Buyer requests", "Köparönskemål", "Käuferanfragen", "Prośby kupujących", "Pirkėjų prašymai", "买家请求"]),
    ("request.kind", ["Request", "Önskemål", "Anfrage", "Prośba", "Prašymas", "请求"]),
    ("request.message", ["Message", "Meddelande", "Nachricht", "Wiadomość", "Žinutė", "留言"]),
    ("nav.logout", ["Log out", "Logga ut", "Abmelden", "Wyloguj", "Atsijungti", "退出"]),
    ("problem.title", ["Error {status}:", "Fel {status}:", "Fehler {status}:", "Błąd {status}:", "Klaida {status}:", "错误 {status}："]),
    ("orders.title", ["Orders", "Ordrar", "Aufträge", "Zamówienia", "Užsakymai", "订单"]),
    ("orders.number", ["Order number", "Ordernummer", "Auftragsnummer", "Numer zamówienia", "Užsakymo numeris", "订单号"]),
    ("orders.buyer", ["Buyer", "Köpare", "Käufer", "Kupujący", "Pirkėjas", "买方"]),
    ("orders.amount", ["Amount", "Belopp", "Betrag", "Kwota", "Suma", "金额"]),
    ("orders.requested", ["Requested delivery", "Önskad leverans", "Wunschliefertermin", "Żądana dostawa", "Pageidaujamas pristatymas", "要求交货日期"]),
    ("orders.received", ["Received", "Mottagen", "Eingegangen", "Otrzymano", "Gauta", "接收时间"]),
    ("orders.status", ["Status", "Status", "Status", "Status", "Būsena", "状态"]),
    ("orders.express", ["Express", "Express", "Express", "Ekspres", "Skubus", "加急"]),
    ("orders.none", ["No orders match.", "Inga ordrar matchar.", "Keine passenden Aufträge.", "Brak pasujących zamówień.", "Atitinkančių užsakymų nėra.", "没有匹配的订单。"]),
    ("list.next", ["Next page", "Nästa sida", "Nächste Seite", "Następna strona", "Kitas puslapis", "下一页"]),
    ("list.previous", ["Previous page", "Föregående sida", "Vorherige Seite", "Poprzednia strona", "Ankstesnis puslapis", "上一页"]),
    ("filter.status", ["Status", "Status", "Status", "Status", "Būsena", "状态"]),
    ("filter.search", ["Search", "Sök", "Suche", "Szukaj", "Paieška", "搜索"]),
    ("filter.search_hint", ["Order number, buyer name or SKU", "Ordernummer, köparens namn eller artikelnummer", "Auftragsnummer, Käufername oder Artikelnummer", "Numer zamówienia, nazwa kupującego lub SKU", "Užsakymo numeris, pirkėjo vardas arba SKU", "订单号、买方名称或 SKU"]),
    ("filter.type", ["Order type", "Ordertyp", "Auftragsart", "Typ zamówienia", "Užsakymo tipas", "订单类型"]),
    ("filter.any", ["Any", "Alla", "Alle", "Dowolny", "Bet kuris", "全部"]),
    ("filter.customer", ["Customer id", "Kund-id", "Kundennummer", "Identyfikator klienta", "Kliento ID", "客户编号"]),
    ("filter.from", ["From", "Från", "Von", "Od", "Nuo", "从"]),
    ("filter.to", ["To", "Till", "Bis", "Do", "Iki", "至"]),
    ("filter.apply", ["Show", "Visa", "Anzeigen", "Pokaż", "Rodyti", "显示"]),
    ("status.received", ["Received", "Mottagen", "Eingegangen", "Otrzymane", "Gautas", "已接收"]),
    ("status.pending_response", ["Awaiting response", "Inväntar svar", "Antwort ausstehend", "Oczekuje na odpowiedź", "Laukia atsakymo", "待答复"]),
    ("status.accepted", ["Accepted", "Accepterad", "Angenommen", "Przyjęte", "Priimtas", "已接受"]),
    ("status.accepted_with_changes", ["Accepted with changes", "Accepterad med ändringar", "Mit Änderungen angenommen", "Przyjęte ze zmianami", "Priimtas su pakeitimais", "已接受（有变更）"]),
    ("status.rejected", ["Rejected", "Avvisad", "Abgelehnt", "Odrzucone", "Atmestas", "已拒绝"]),
    ("status.partially_delivered", ["Partially delivered", "Delvis levererad", "Teilweise geliefert", "Częściowo dostarczone", "Iš dalies pristatytas", "部分发货"]),
    ("status.delivered", ["Delivered", "Levererad", "Geliefert", "Dostarczone", "Pristatytas", "已发货"]),
    ("status.partially_invoiced", ["Partially invoiced", "Delvis fakturerad", "Teilweise berechnet", "Częściowo zafakturowane", "Iš dalies pateikta sąskaita", "部分开票"]),
    ("status.invoiced", ["Invoiced", "Fakturerad", "Berechnet", "Zafakturowane", "Pateikta sąskaita", "已开票"]),
    ("status.cancelled", ["Cancelled", "Makulerad", "Storniert", "Anulowane", "Atšauktas", "已取消"]),
    ("status.closed", ["Closed", "Stängd", "Geschlossen", "Zamknięte", "Uždarytas", "已关闭"]),
    ("type.purchase", ["Purchase", "Inköp", "Bestellung", "Zakup", "Pirkimas", "采购"]),
    ("type.express", ["Express", "Express", "Express", "Ekspres", "Skubus", "加急"]),
    ("type.blanket", ["Blanket", "Ramorder", "Rahmenauftrag", "Ramowe", "Bendrasis", "框架订单"]),
    ("type.call_off", ["Call-off", "Avrop", "Abruf", "Odwołanie z umowy", "Iškvietimas", "调用订单"]),
    ("type.sales", ["Sales", "Försäljning", "Verkauf", "Sprzedaż", "Pardavimas", "销售"]),
    ("type.standing", ["Standing", "Stående", "Dauerauftrag", "Stałe", "Nuolatinis", "长期订单"]),
    ("type.cross_docking", ["Cross-docking", "Cross-docking", "Cross-Docking", "Cross-docking", "Kryžminis krovimas", "越库配送"]),
    ("order.title", ["Order {number}", "Order {number}", "Auftrag {number}", "Zamówienie {number}", "Užsakymas {number}", "订单 {number}"]),
    ("order.email", ["Email", "E-post", "E-Mail", "E-mail", "El. paštas", "电子邮件"]),
    ("order.email_feedback", ["Email delivery", "E-postleverans", "E-Mail-Zustellung", "Doręczanie e-maili", "El. laiškų pristatymas", "邮件投递"]),
    ("email_feedback.bounced", ["Bounced", "Studsade", "Unzustellbar", "Odrzucony", "Atmestas", "退信"]),
    ("email_feedback.complained", ["Marked as spam", "Markerad som skräppost", "Als Spam gemeldet", "Oznaczony jako spam", "Pažymėtas kaip šlamštas", "被标记为垃圾邮件"]),
    ("order.address", ["Delivery address", "Leveransadress", "Lieferadresse", "Adres dostawy", "Pristatymo adresas", "收货地址"]),
    ("order.buyer_notes", ["Buyer's notes", "Köparens anteckningar", "Anmerkungen des Käufers", "Uwagi kupującego", "Pirkėjo pastabos", "买方备注"]),
    ("order.reason", ["Reason", "Orsak", "Grund", "Powód", "Priežastis", "原因"]),
    ("order.lines", ["Lines", "Rader", "Positionen", "Pozycje", "Eilutės", "明细行"]),
    ("order.actions", ["Actions", "Åtgärder", "Aktionen", "Działania", "Veiksmai", "操作"]),
    ("order.no_actions", ["Nothing to do for your role in this status.", "Inget att göra för din roll i denna status.", "Für Ihre Rolle ist in diesem Status nichts zu tun.", "W tym statusie nie ma działań dla Twojej roli.", "Šioje būsenoje jūsų rolei veiksmų nėra.", "在此状态下，您的角色无可执行操作。"]),
    ("nav.keys", ["API keys", "API-nycklar", "API-Schlüssel", "Klucze API", "API raktai", "API 密钥"]),
    ("keys.hint", ["Keys for webshops and staff. A key's secret is shown once, when it is made; revoking a key ends its console sessions too.", "Nycklar för webbutiker och personal. En nyckels hemlighet visas en gång, när den skapas; att återkalla en nyckel avslutar även dess konsolsessioner.", "Schlüssel für Webshops und Mitarbeitende. Das Geheimnis eines Schlüssels wird einmal angezeigt, beim Erstellen; das Widerrufen beendet auch seine Konsolensitzungen.", "Klucze dla sklepów i personelu. Sekret klucza jest pokazywany raz, przy tworzeniu; unieważnienie klucza kończy też jego sesje w konsoli.", "Raktai internetinėms parduotuvėms ir darbuotojams. Rakto paslaptis rodoma vieną kartą, kai jis sukuriamas; atšaukus raktą baigiasi ir jo konsolės sesijos.", "网店和员工的密钥。密钥的机密只在创建时显示一次；吊销密钥也会结束其控制台会话。"]),
    ("keys.new", ["New key", "Ny nyckel", "Neuer Schlüssel", "Nowy klucz", "Naujas raktas", "新密钥"]),
    ("keys.name", ["Name", "Namn", "Name", "Nazwa", "Pavadinimas", "名称"]),
    ("keys.role", ["Role", "Roll", "Rolle", "Rola", "Vaidmuo", "角色"]),
    ("keys.channel", ["Channel (webshop)", "Kanal (webbutik)", "Kanal (Webshop)", "Kanał (sklep)", "Kanalas (parduotuvė)", "渠道（网店）"]),
    ("keys.status", ["Status", "Status", "Status", "Status", "Būsena", "状态"]),
    ("keys.status.active", ["active", "aktiv", "aktiv", "aktywny", "aktyvus", "有效"]),
    ("keys.status.expired", ["expired", "utgången", "abgelaufen", "wygasły", "nebegalioja", "已过期"]),
    ("keys.status.revoked", ["revoked", "återkallad", "widerrufen", "unieważniony", "atšauktas", "已吊销"]),
    ("keys.created", ["Created", "Skapad", "Erstellt", "Utworzony", "Sukurtas", "创建时间"]),
    ("keys.expires", ["Expires", "Upphör", "Läuft ab", "Wygasa", "Galioja iki", "到期"]),
    ("keys.last_used", ["Last used", "Senast använd", "Zuletzt benutzt", "Ostatnio użyty", "Paskutinį kartą naudotas", "最近使用"]),
    ("keys.create", ["Create key", "Skapa nyckel", "Schlüssel erstellen", "Utwórz klucz", "Sukurti raktą", "创建密钥"]),
    ("keys.issued", ["Copy the key now: it is not shown again.", "Kopiera nyckeln nu: den visas inte igen.", "Kopieren Sie den Schlüssel jetzt: Er wird nicht wieder angezeigt.", "Skopiuj klucz teraz: nie zostanie pokazany ponownie.", "Nukopijuokite raktą dabar: jis daugiau nebus rodomas.", "请立即复制密钥：它不会再次显示。"]),
    ("keys.secret", ["The new key", "Den nya nyckeln", "Der neue Schlüssel", "Nowy klucz", "Naujas raktas", "新密钥"]),
    ("keys.revoke", ["Revoke", "Återkalla", "Widerrufen", "Unieważnij", "Atšaukti", "吊销"]),
    ("keys.revoke_confirm", ["Revoke {name}? It and its console sessions stop working at once.", "Återkalla {name}? Den och dess konsolsessioner slutar fungera direkt.", "{name} widerrufen? Er und seine Konsolensitzungen funktionieren sofort nicht mehr.", "Unieważnić {name}? Klucz i jego sesje w konsoli przestaną działać od razu.", "Atšaukti {name}? Jis ir jo konsolės sesijos iš karto nustos veikti.", "吊销 {name}？它及其控制台会话将立即失效。"]),
    ("order.buyer_messages", ["Buyer's messages", "Köparens meddelanden", "Nachrichten des Käufers", "Wiadomości kupującego", "Pirkėjo žinutės", "买家留言"]),
    ("order.buyer_access", ["Opened in the buyer portal", "Öppnad i köparportalen", "Im Käuferportal geöffnet", "Otwarte w portalu kupującego", "Atidaryta pirkėjo portale", "在买家门户中打开"]),
    ("buyer.access_counts", ["{views} view(s), {downloads} download(s)", "{views} visning(ar), {downloads} nedladdning(ar)", "{views} Ansicht(en), {downloads} Download(s)", "{views} wyświetl., {downloads} pobr.", "{views} perž., {downloads} atsisiunt.", "查看 {views} 次，下载 {downloads} 次"]),
    ("order.buyer_requests", ["Buyer requests", "Köparens önskemål", "Anfragen des Käufers", "Prośby kupującego", "Pirkėjo prašymai", "买家请求"]),
    ("request.change", ["Change", "Ändring", "Änderung", "Zmiana", "Pakeitimas", "变更"]),
    ("request.cancellation", ["Cancellation", "Avbeställning", "Stornierung", "Anulowanie", "Atšaukimas", "取消"]),
    ("request.status.open", ["open", "öppen", "offen", "otwarta", "atvira", "待处理"]),
    ("request.status.done", ["done", "utförd", "erledigt", "zrealizowana", "įvykdyta", "已处理"]),
    ("request.status.declined", ["declined", "avböjd", "abgelehnt", "odrzucona", "atmesta", "已拒绝"]),
    ("request.hint", ["A request changes nothing by itself: change or cancel the order with its actions, then answer it.", "Ett önskemål ändrar ingenting av sig självt: ändra eller avbeställ ordern med dess åtgärder och svara sedan.", "Eine Anfrage ändert nichts von selbst: Ändern oder stornieren Sie die Bestellung mit ihren Aktionen und beantworten Sie sie dann.", "Prośba sama niczego nie zmienia: zmień lub anuluj zamówienie jego akcjami, a potem odpowiedz.", "Prašymas pats nieko nekeičia: pakeiskite ar atšaukite užsakymą jo veiksmais, tada atsakykite.", "请求本身不会改变任何内容：请用订单操作修改或取消订单，然后答复。"]),
    ("request.answer_note", ["Answer to the buyer (optional)", "Svar till köparen (valfritt)", "Antwort an den Käufer (optional)", "Odpowiedź dla kupującego (opcjonalnie)", "Atsakymas pirkėjui (neprivaloma)", "给买家的答复（可选）"]),
    ("request.done", ["Mark done", "Markera utförd", "Als erledigt markieren", "Oznacz jako zrealizowaną", "Pažymėti įvykdytą", "标记为已处理"]),
    ("request.decline", ["Decline", "Avböj", "Ablehnen", "Odrzuć", "Atmesti", "拒绝"]),
    ("order.notes", ["Notes", "Anteckningar", "Notizen", "Notatki", "Pastabos", "备注"]),
    ("order.despatches", ["Despatches", "Leveranser", "Lieferungen", "Wysyłki", "Siuntos", "发货"]),
    ("order.invoices", ["Invoices and credit notes", "Fakturor och kreditnotor", "Rechnungen und Gutschriften", "Faktury i korekty", "Sąskaitos ir kreditinės sąskaitos", "发票与贷项通知单"]),
    ("order.documents", ["Documents", "Dokument", "Dokumente", "Dokumenty", "Dokumentai", "文件"]),
    ("order.history", ["History", "Historik", "Verlauf", "Historia", "Istorija", "历史记录"]),
    ("order.none", ["None yet.", "Inga än.", "Noch keine.", "Jeszcze brak.", "Kol kas nėra.", "暂无。"]),
    ("totals.net", ["Net", "Netto", "Netto", "Netto", "Be PVM", "净额"]),
    ("totals.allowances", ["Discounts", "Rabatter", "Nachlässe", "Rabaty", "Nuolaidos", "折扣"]),
    ("totals.charges", ["Charges", "Avgifter", "Zuschläge", "Opłaty", "Mokesčiai", "附加费"]),
    ("totals.vat", ["VAT", "Moms", "USt.", "VAT", "PVM", "增值税"]),
    ("totals.gross", ["Total", "Totalt", "Gesamt", "Razem", "Iš viso", "总计"]),
    ("line.no", ["Line", "Rad", "Pos.", "Poz.", "Eil.", "行"]),
    ("line.sku", ["SKU", "Artikelnr", "Artikelnr.", "SKU", "SKU", "SKU"]),
    ("line.description", ["Description", "Beskrivning", "Beschreibung", "Opis", "Aprašymas", "描述"]),
    ("line.ordered", ["Ordered", "Beställt", "Bestellt", "Zamówiono", "Užsakyta", "订购"]),
    ("line.confirmed", ["Confirmed", "Bekräftat", "Bestätigt", "Potwierdzono", "Patvirtinta", "已确认"]),
    ("line.shipped", ["Shipped", "Skickat", "Versandt", "Wysłano", "Išsiųsta", "已发货"]),
    ("line.invoiced", ["Invoiced", "Fakturerat", "Berechnet", "Zafakturowano", "Pateikta sąskaita", "已开票"]),
    ("line.open", ["Open", "Kvar", "Offen", "Otwarte", "Likę", "未结"]),
    ("line.unit_price", ["Unit price", "À-pris", "Einzelpreis", "Cena jednostkowa", "Vieneto kaina", "单价"]),
    ("line.net", ["Line amount", "Radbelopp", "Positionsbetrag", "Wartość pozycji", "Eilutės suma", "行金额"]),
    ("action.done", ["Done. Status: {status}, total {gross}.", "Klart. Status: {status}, totalt {gross}.", "Erledigt. Status: {status}, gesamt {gross}.", "Gotowe. Status: {status}, razem {gross}.", "Atlikta. Būsena: {status}, iš viso {gross}.", "完成。状态：{status}，总计 {gross}。"]),
    ("respond.title", ["Respond to the order", "Svara på ordern", "Auftrag beantworten", "Odpowiedz na zamówienie", "Atsakyti į užsakymą", "答复订单"]),
    ("respond.decision", ["Decision", "Beslut", "Entscheidung", "Decyzja", "Sprendimas", "决定"]),
    ("respond.accept", ["Accept", "Acceptera", "Annehmen", "Przyjmij", "Priimti", "接受"]),
    ("respond.accept_with_changes", ["Accept with changes", "Acceptera med ändringar", "Mit Änderungen annehmen", "Przyjmij ze zmianami", "Priimti su pakeitimais", "接受（有变更）"]),
    ("respond.reject", ["Reject", "Avvisa", "Ablehnen", "Odrzuć", "Atmesti", "拒绝"]),
    ("respond.lines", ["Changes per line", "Ändringar per rad", "Änderungen je Position", "Zmiany w pozycjach", "Eilučių pakeitimai", "逐行变更"]),
    ("respond.freight", ["Freight charge", "Fraktavgift", "Frachtkosten", "Opłata za transport", "Pervežimo mokestis", "运费"]),
    ("respond.freight_reason", ["Freight", "Frakt", "Fracht", "Transport", "Pervežimas", "运费"]),
    ("respond.discount", ["Discount (%)", "Rabatt (%)", "Nachlass (%)", "Rabat (%)", "Nuolaida (%)", "折扣（%）"]),
    ("respond.discount_reason", ["Discount", "Rabatt", "Nachlass", "Rabat", "Nuolaida", "折扣"]),
    ("respond.vat_rate", ["VAT rate (%)", "Momssats (%)", "USt.-Satz (%)", "Stawka VAT (%)", "PVM tarifas (%)", "增值税率（%）"]),
    ("respond.reason", ["Reason (for the buyer)", "Orsak (till köparen)", "Grund (für den Käufer)", "Powód (dla kupującego)", "Priežastis (pirkėjui)", "原因（告知买方）"]),
    ("respond.submit", ["Send response", "Skicka svar", "Antwort senden", "Wyślij odpowiedź", "Siųsti atsakymą", "发送答复"]),
    ("despatch.title", ["Create a despatch", "Skapa en leverans", "Lieferung anlegen", "Utwórz wysyłkę", "Sukurti siuntą", "创建发货"]),
    ("despatch.number", ["Despatch number", "Leveransnummer", "Lieferscheinnummer", "Numer wysyłki", "Siuntos numeris", "发货单号"]),
    ("despatch.lines", ["Quantities to ship", "Antal att skicka", "Zu versendende Mengen", "Ilości do wysłania", "Siunčiami kiekiai", "发货数量"]),
    ("despatch.carrier", ["Carrier", "Transportör", "Spediteur", "Przewoźnik", "Vežėjas", "承运人"]),
    ("despatch.tracking", ["Tracking number", "Spårningsnummer", "Sendungsnummer", "Numer przesyłki", "Siuntos sekimo numeris", "运单号"]),
    ("despatch.submit", ["Record despatch", "Registrera leverans", "Lieferung buchen", "Zarejestruj wysyłkę", "Užregistruoti siuntą", "登记发货"]),
    ("ending.title", ["Cancel or close", "Makulera eller stäng", "Stornieren oder schließen", "Anuluj lub zamknij", "Atšaukti arba uždaryti", "取消或关闭"]),
    ("ending.cancel", ["Cancel order", "Makulera ordern", "Auftrag stornieren", "Anuluj zamówienie", "Atšaukti užsakymą", "取消订单"]),
    ("ending.close", ["Close order", "Stäng ordern", "Auftrag schließen", "Zamknij zamówienie", "Uždaryti užsakymą", "关闭订单"]),
    ("note.text", ["Note", "Anteckning", "Notiz", "Notatka", "Pastaba", "备注"]),
    ("note.visibility", ["Visible to", "Synlig för", "Sichtbar für", "Widoczna dla", "Matoma", "可见范围"]),
    ("note.internal", ["Internal", "Intern", "Intern", "Wewnętrzna", "Vidinė", "内部"]),
    ("note.buyer", ["Buyer", "Köpare", "Käufer", "Kupujący", "Pirkėjui", "买方"]),
    ("note.add", ["Add note", "Lägg till anteckning", "Notiz hinzufügen", "Dodaj notatkę", "Pridėti pastabą", "添加备注"]),
    ("change.title", ["Change the order", "Ändra ordern", "Auftrag ändern", "Zmień zamówienie", "Keisti užsakymą", "修改订单"]),
    ("change.remove", ["Remove line", "Ta bort raden", "Position entfernen", "Usuń pozycję", "Pašalinti eilutę", "删除此行"]),
    ("change.add_sku", ["Add a line: SKU", "Lägg till rad: artikelnr", "Position hinzufügen: Artikelnr.", "Dodaj pozycję: SKU", "Pridėti eilutę: SKU", "添加行：SKU"]),
    ("change.nothing", ["Nothing was changed.", "Inget ändrades.", "Nichts wurde geändert.", "Nic nie zmieniono.", "Niekas nepakeista.", "没有任何修改。"]),
    ("change.submit", ["Save changes", "Spara ändringar", "Änderungen speichern", "Zapisz zmiany", "Išsaugoti pakeitimus", "保存修改"]),
    ("split.title", ["Split off into a new order", "Dela upp i en ny order", "In neuen Auftrag aufteilen", "Wydziel do nowego zamówienia", "Atskirti į naują užsakymą", "拆分为新订单"]),
    ("split.hint", ["Quantities to move to the new order (empty: none).", "Antal att flytta till den nya ordern (tomt: inget).", "Mengen für den neuen Auftrag (leer: keine).", "Ilości do przeniesienia (puste: brak).", "Kiekiai, perkeliami į naują užsakymą (tuščia: jokių).", "移至新订单的数量（留空：不移动）。"]),
    ("split.submit", ["Split", "Dela upp", "Aufteilen", "Podziel", "Atskirti", "拆分"]),
    ("split.open", ["Open the new order {number}", "Öppna den nya ordern {number}", "Neuen Auftrag {number} öffnen", "Otwórz nowe zamówienie {number}", "Atidaryti naują užsakymą {number}", "打开新订单 {number}"]),
    ("merge.pick", ["Select order {number}", "Välj order {number}", "Auftrag {number} auswählen", "Wybierz zamówienie {number}", "Pasirinkti užsakymą {number}", "选择订单 {number}"]),
    ("merge.submit", ["Merge selected orders", "Slå ihop valda ordrar", "Ausgewählte Aufträge zusammenführen", "Scal wybrane zamówienia", "Sujungti pasirinktus užsakymus", "合并所选订单"]),
    ("invoice.issue_title", ["Invoice what has shipped", "Fakturera det som skickats", "Versandtes berechnen", "Zafakturuj wysłane", "Išrašyti sąskaitą už išsiųstą", "为已发货部分开票"]),
    ("invoice.issue_hint", ["Issues the invoice for every shipped quantity not invoiced yet.", "Utfärdar fakturan för allt skickat som inte fakturerats.", "Stellt die Rechnung für alle versandten, noch nicht berechneten Mengen aus.", "Wystawia fakturę za wszystkie wysłane, niezafakturowane ilości.", "Išrašo sąskaitą už visus išsiųstus, dar neapmokestintus kiekius.", "为所有已发货但尚未开票的数量开具发票。"]),
    ("invoice.issue", ["Issue invoice", "Utfärda faktura", "Rechnung ausstellen", "Wystaw fakturę", "Išrašyti sąskaitą", "开具发票"]),
    ("invoice.correct", ["Credit or debit…", "Kreditera eller debitera…", "Gutschrift oder Belastung…", "Korekta lub nota…", "Kredituoti arba debetuoti…", "冲销或补开…"]),
    ("invoice.correct_hint", ["Credit: no quantities credits the whole invoice. Debit: quantity and unit price to charge more.", "Kredit: utan antal krediteras hela fakturan. Debet: antal och à-pris att debitera.", "Gutschrift: ohne Mengen die ganze Rechnung. Belastung: Menge und Einzelpreis.", "Korekta: bez ilości koryguje całą fakturę. Nota: ilość i cena do doliczenia.", "Kreditas: be kiekių kredituojama visa sąskaita. Debetas: kiekis ir vieneto kaina.", "冲销：不填数量则全额冲销。补开：填写数量和单价。"]),
    ("invoice.quantity", ["Quantity", "Antal", "Menge", "Ilość", "Kiekis", "数量"]),
    ("invoice.debit", ["Issue debit note", "Utfärda debetnota", "Belastungsanzeige ausstellen", "Wystaw notę obciążeniową", "Išrašyti debetinę sąskaitą", "开具借项通知单"]),
    ("kind.invoice", ["Invoice", "Faktura", "Rechnung", "Faktura", "Sąskaita faktūra", "发票"]),
    ("kind.credit_note", ["Credit note", "Kreditnota", "Gutschrift", "Faktura korygująca", "Kreditinė sąskaita", "贷项通知单"]),
    ("kind.debit_note", ["Debit note", "Debetnota", "Belastungsanzeige", "Nota obciążeniowa", "Debetinė sąskaita", "借项通知单"]),
    ("invoice.credit", ["Issue credit note", "Utfärda kreditnota", "Gutschrift ausstellen", "Wystaw korektę", "Išrašyti kreditinę sąskaitą", "开具贷项通知单"]),
    ("doc.order_response", ["Order response (UBL)", "Ordersvar (UBL)", "Auftragsbestätigung (UBL)", "Odpowiedź na zamówienie (UBL)", "Atsakymas į užsakymą (UBL)", "订单答复（UBL）"]),
    ("doc.despatch_advice", ["Despatch advice (UBL)", "Leveransavisering (UBL)", "Lieferavis (UBL)", "Awizo wysyłki (UBL)", "Siuntos pranešimas (UBL)", "发货通知（UBL）"]),
    ("doc.proforma", ["Proforma invoice (PDF)", "Proformafaktura (PDF)", "Proformarechnung (PDF)", "Faktura proforma (PDF)", "Išankstinė sąskaita (PDF)", "形式发票（PDF）"]),
    ("stock.set", ["Set on-hand stock", "Ange lagersaldo", "Bestand setzen", "Ustaw stan magazynowy", "Nustatyti likutį", "设置在库数量"]),
    ("stock.warehouse", ["Warehouse", "Lager", "Lager", "Magazyn", "Sandėlis", "仓库"]),
    ("stock.on_hand", ["On hand", "I lager", "Vorrätig", "Na stanie", "Turima", "在库"]),
    ("stock.levels", ["Stock per warehouse and lot", "Lager per lagerställe och parti", "Bestand je Lager und Charge", "Stany wg magazynu i partii", "Atsargos pagal sandėlį ir partiją", "按仓库和批次的库存"]),
    ("stock.lot", ["Lot", "Parti", "Charge", "Partia", "Partija", "批次"]),
    ("stock.expires", ["Expires", "Bäst före", "Verfällt", "Ważne do", "Galioja iki", "到期日"]),
    ("stock.reserved", ["Reserved", "Reserverat", "Reserviert", "Zarezerwowane", "Rezervuota", "已预留"]),
    ("stock.triggered_by", ["Triggered by order", "Utlöst av order", "Ausgelöst durch Auftrag", "Wywołane przez zamówienie", "Sukėlė užsakymas", "触发订单"]),
    ("stock.suggested_at", ["Suggested", "Föreslaget", "Vorgeschlagen", "Zasugerowano", "Pasiūlyta", "建议时间"]),
    ("stock.available", ["Available", "Tillgängligt", "Verfügbar", "Dostępne", "Prieinama", "可用"]),
    ("stock.suggestions", ["Reorder suggestions", "Beställningsförslag", "Bestellvorschläge", "Sugestie zamówień", "Papildymo pasiūlymai", "补货建议"]),
    ("stock.no_suggestions", ["Nothing needs reordering.", "Inget behöver beställas.", "Nichts muss nachbestellt werden.", "Nic nie wymaga domówienia.", "Nieko nereikia papildyti.", "暂无需补货的商品。"]),
    ("stock.save", ["Save", "Spara", "Speichern", "Zapisz", "Išsaugoti", "保存"]),
    ("stock.saved", ["Saved.", "Sparat.", "Gespeichert.", "Zapisano.", "Išsaugota.", "已保存。"]),
    ("prices.for_customer", ["Prices for customer", "Priser för kund", "Preise für Kunde", "Ceny dla klienta", "Kainos klientui", "客户价格查询"]),
    ("prices.customer_price", ["customer price", "kundpris", "Kundenpreis", "cena klienta", "kliento kaina", "客户价"]),
    ("prices.unit", ["Unit", "Enhet", "Einheit", "Jednostka", "Vienetas", "单位"]),
    ("prices.title", ["Customer price", "Kundpris", "Kundenpreis", "Cena dla klienta", "Kliento kaina", "客户价格"]),
    ("prices.saved", ["Price saved.", "Priset sparat.", "Preis gespeichert.", "Cenę zapisano.", "Kaina išsaugota.", "价格已保存。"]),
    ("prices.operator_only", ["Only operators can do this.", "Endast operatörer kan göra detta.", "Nur die Sachbearbeitung kann das.", "Tylko operatorzy mogą to zrobić.", "Tai gali atlikti tik operatoriai.", "仅操作员可执行此操作。"]),
    ("report.name", ["Report", "Rapport", "Bericht", "Raport", "Ataskaita", "报表"]),
    ("report.run", ["Run report", "Kör rapporten", "Bericht erstellen", "Uruchom raport", "Vykdyti ataskaitą", "生成报表"]),
    ("report.rows", ["{rows} rows", "{rows} rader", "{rows} Zeilen", "wierszy: {rows}", "eilučių: {rows}", "{rows} 行"]),
    ("report.page", ["Chart page", "Diagramsida", "Diagrammseite", "Strona wykresów", "Diagramų puslapis", "图表页面"]),
    ("report.sales_by_day", ["Sales by day", "Försäljning per dag", "Umsatz pro Tag", "Sprzedaż dzienna", "Pardavimai pagal dieną", "每日销售"]),
    ("report.sales_by_customer", ["Sales by customer", "Försäljning per kund", "Umsatz pro Kunde", "Sprzedaż wg klienta", "Pardavimai pagal klientą", "按客户销售"]),
    ("report.sales_by_channel", ["Sales by channel", "Försäljning per kanal", "Umsatz pro Kanal", "Sprzedaż wg kanału", "Pardavimai pagal kanalą", "按渠道销售"]),
    ("report.sales_by_product", ["Sales by product", "Försäljning per produkt", "Umsatz pro Produkt", "Sprzedaż wg produktu", "Pardavimai pagal produktą", "按产品销售"]),
    ("report.top_products", ["Top products", "Toppprodukter", "Top-Produkte", "Najlepsze produkty", "Populiariausi produktai", "畅销产品"]),
    ("report.top_customers", ["Top customers", "Toppkunder", "Top-Kunden", "Najlepsi klienci", "Svarbiausi klientai", "主要客户"]),
    ("report.order_tracking", ["Order tracking", "Orderuppföljning", "Auftragsverfolgung", "Śledzenie zamówień", "Užsakymų sekimas", "订单跟踪"]),
    ("report.lead_times", ["Lead times", "Ledtider", "Durchlaufzeiten", "Czasy realizacji", "Vykdymo trukmės", "交付周期"]),
    ("report.lead_time_summary", ["Lead time summary", "Ledtider, sammanfattning", "Durchlaufzeiten, Übersicht", "Podsumowanie czasów realizacji", "Vykdymo trukmių suvestinė", "交付周期汇总"]),
    ("report.gross_margin", ["Gross margin", "Bruttomarginal", "Rohertrag", "Marża brutto", "Bendroji marža", "毛利"]),
    ("report.invoice_register", ["Invoice register", "Fakturajournal", "Rechnungsausgangsbuch", "Rejestr faktur", "Sąskaitų registras", "发票登记簿"]),
    ("report.customer_statement", ["Customer statements", "Kundreskontra", "Kontoauszüge der Kunden", "Wyciągi klientów", "Klientų išrašai", "客户对账单"]),
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
        let missing = orders_mail::locale::missing_script_keys(MESSAGES, crate::handler::SCRIPT);
        assert!(missing.is_empty(), "the script uses messages that do not exist: {missing:?}");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(negotiate("sv-SE,sv;q=0.9,en;q=0.8"), Lang::Sv);
        assert_eq!(negotiate("fr-FR,fr;q=0.9,de;q=0.5,en;q=0.4"), Lang::De);
        assert_eq!(negotiate("en;q=0.2, zh-CN"), Lang::Zh);
        assert_eq!(negotiate("pl;q=0,lt"), Lang::Lt);
        assert_eq!(negotiate("fr"), Lang::En);
        assert_eq!(negotiate(""), Lang::En);
        assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::Zh));
    }
}
