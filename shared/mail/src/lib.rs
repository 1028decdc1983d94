//! Order emails: which email an event calls for, its text and HTML in the reader's language (every value escaped
//! in HTML, no CR/LF in any header), and the MIME message SES sends raw. Pure: no AWS, no I/O.

pub mod delivery_note_strings;
pub mod invitation;
pub mod invoice;
pub mod invoice_strings;
pub mod locale;
pub mod quote;
pub mod strings;

use askama::Template;
use rust_decimal::Decimal;

use orders_domain::confirmation::LineOutcome;
use orders_domain::despatch::Despatch;
use orders_domain::order::{Order, OrderStatus, OrderType};
use orders_domain::tenant::TenantSettings;

pub use locale::Lang;
use strings::{despatch_strings, fill, strings, DespatchStrings, Strings};

/// The emails of the pipeline so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// To the seller's order desk: a new order arrived.
    SellerNewOrder,
    /// To the buyer: accepted as ordered.
    BuyerOrderAccepted,
    /// To the buyer: accepted with changes.
    BuyerOrderAcceptedWithChanges,
    /// To the buyer: rejected.
    BuyerOrderRejected,
    /// To the buyer: a despatch left the warehouse (one per despatch advice).
    BuyerDespatched,
    /// To the buyer: a billing document (invoice, credit or debit note) with its PDF and UBL attached. Sent by
    /// the invoicing stage only (its reference is the document number).
    BuyerBillingDocument,
}

impl EmailKind {
    /// Stable name (part of the email record's key).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SellerNewOrder => "seller_new_order",
            Self::BuyerOrderAccepted => "buyer_order_accepted",
            Self::BuyerOrderAcceptedWithChanges => "buyer_order_accepted_with_changes",
            Self::BuyerOrderRejected => "buyer_order_rejected",
            Self::BuyerDespatched => "buyer_despatched",
            Self::BuyerBillingDocument => "buyer_billing_document",
        }
    }

    /// Parses [`EmailKind::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::SellerNewOrder,
            Self::BuyerOrderAccepted,
            Self::BuyerOrderAcceptedWithChanges,
            Self::BuyerOrderRejected,
            Self::BuyerDespatched,
            Self::BuyerBillingDocument,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }

    /// The buyer email for an order response status.
    pub fn for_response(status: OrderStatus) -> Option<Self> {
        match status {
            OrderStatus::Accepted => Some(Self::BuyerOrderAccepted),
            OrderStatus::AcceptedWithChanges => Some(Self::BuyerOrderAcceptedWithChanges),
            OrderStatus::Rejected => Some(Self::BuyerOrderRejected),
            OrderStatus::Received
            | OrderStatus::PendingResponse
            | OrderStatus::PartiallyDelivered
            | OrderStatus::Delivered
            | OrderStatus::PartiallyInvoiced
            | OrderStatus::Invoiced
            | OrderStatus::Cancelled
            | OrderStatus::Closed => None,
        }
    }

    /// Whether the seller receives it.
    pub fn to_seller(self) -> bool {
        self == Self::SellerNewOrder
    }

    /// Whether it carries a billing document, which only the invoicing stage can render and send.
    pub fn is_billing(self) -> bool {
        self == Self::BuyerBillingDocument
    }
}

/// An email ready to wrap in MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// Subject, safe for a header.
    pub subject: String,
    /// Plain text part.
    pub text: String,
    /// HTML part (every value escaped).
    pub html: String,
    /// Language written in.
    pub lang: Lang,
}

impl RenderedEmail {
    /// The email with one more paragraph at its end (escaped in HTML).
    pub fn with_paragraph(mut self, paragraph: &str) -> Self {
        self.text = format!("{}\n\n{paragraph}\n", self.text.trim_end());
        let html = format!("<p>{}</p>\n", escape_html(paragraph));
        match self.html.rfind("</body>") {
            Some(at) => self.html.insert_str(at, &html),
            None => self.html.push_str(&html),
        }
        self
    }

    /// The email with a link into the buyer portal at its end (its text in the email's language; the URL
    /// escaped in HTML).
    pub fn with_portal_link(mut self, url: &str) -> Self {
        let label = match self.lang {
            Lang::En => "Follow this order, download its documents or write to the seller in your buyer portal",
            Lang::Sv => "Följ ordern, hämta dess dokument eller skriv till säljaren i din köparportal",
            Lang::De => {
                "Verfolgen Sie diese Bestellung, laden Sie ihre Dokumente herunter oder schreiben Sie dem Verkäufer \
                 in Ihrem Käuferportal"
            }
            Lang::Pl => "Śledź to zamówienie, pobierz jego dokumenty lub napisz do sprzedawcy w portalu kupującego",
            Lang::Lt => "Sekite šį užsakymą, atsisiųskite jo dokumentus arba parašykite pardavėjui pirkėjo portale",
            Lang::Zh => "在买家门户中跟踪此订单、下载其单据或给卖家留言",
        };
        self.text = format!("{}\n\n{label}:\n{url}\n", self.text.trim_end());
        let paragraph = format!("<p><a href=\"{}\">{}</a></p>\n", escape_html(url), escape_html(label));
        match self.html.rfind("</body>") {
            Some(at) => self.html.insert_str(at, &paragraph),
            None => self.html.push_str(&paragraph),
        }
        self
    }
}

/// Escapes text for HTML (the XML escaping of our UBL documents serves HTML too).
pub(crate) use orders_domain::ubl::escape as escape_html;

/// Rendering or MIME encoding failed.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A template failed.
    #[error("render email: {0}")]
    Render(String),
    /// MIME encoding failed.
    #[error("encode email: {0}")]
    Encode(String),
}

struct LineRow {
    sku: String,
    description: String,
    ordered: String,
    confirmed: String,
    unit_price: String,
    amount: String,
    changed: bool,
    note: Option<String>,
}

struct View {
    lang: &'static str,
    title: String,
    greeting: String,
    intro: String,
    express: Option<&'static str>,
    s: &'static Strings,
    order_number: String,
    requested_delivery: Option<String>,
    delivery_address: Vec<String>,
    /// A cross-docking order's final consignee (the delivery address is the hub).
    final_consignee: Option<Vec<String>>,
    reason: Option<String>,
    show_confirmed: bool,
    lines: Vec<LineRow>,
    net: String,
    vat: String,
    total: String,
    notes: Option<Vec<String>>,
    seller_notes: Vec<String>,
    regards: Vec<String>,
}

#[derive(Template)]
#[template(path = "order_email.html")]
struct HtmlEmail<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "order_email.txt")]
struct TextEmail<'a> {
    v: &'a View,
}

/// Replaces control characters (CR, LF, tabs, …) by spaces and trims, so a value can never start a new header.
pub fn header_safe(value: &str) -> String {
    let cleaned: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders `kind` for `order`. Buyer emails use the buyer's language (else the tenant's, else English); the
/// seller's email uses the tenant's.
pub fn render(
    kind: EmailKind,
    order: &Order,
    tenant: &TenantSettings,
    seller_notes: &[String],
) -> Result<RenderedEmail, MailError> {
    let lang = if kind.to_seller() {
        Lang::pick(None, &tenant.language)
    } else {
        Lang::pick(order.buyer.language.as_ref(), &tenant.language)
    };
    let s = strings(lang);
    let number = order.order_number.as_str();
    let buyer = order.buyer.name.as_str();
    let seller = tenant.name.as_str();
    let (subject, intro) = match kind {
        EmailKind::SellerNewOrder => (s.subject_new_order, s.intro_new_order),
        EmailKind::BuyerOrderAccepted => (s.subject_accepted, s.intro_accepted),
        EmailKind::BuyerOrderAcceptedWithChanges => (s.subject_changed, s.intro_changed),
        EmailKind::BuyerOrderRejected => (s.subject_rejected, s.intro_rejected),
        EmailKind::BuyerDespatched => {
            return Err(MailError::Render("a despatch email is rendered with its despatch (render_despatch)".into()))
        }
        EmailKind::BuyerBillingDocument => {
            return Err(MailError::Render(
                "a billing email is rendered with its document (invoice::render_invoice)".into(),
            ))
        }
    };
    let currency = order.currency.code();
    let money = |value: Decimal| lang.money(value, currency);
    let show_confirmed = !kind.to_seller();
    let lines = order
        .lines
        .iter()
        .map(|line| LineRow {
            sku: line.sku_text().to_owned(),
            description: line.description.clone(),
            ordered: lang.number(line.quantity),
            confirmed: lang.number(line.confirmed_quantity),
            unit_price: money(line.unit_price),
            amount: money(line.line_net),
            changed: show_confirmed && matches!(line.line_status, Some(LineOutcome::Changed | LineOutcome::Rejected)),
            note: match (show_confirmed, line.line_status) {
                (true, Some(LineOutcome::Changed)) => Some(
                    s.line_changed
                        .replace("{c}", &lang.number(line.confirmed_quantity))
                        .replace("{o}", &lang.number(line.quantity)),
                ),
                (true, Some(LineOutcome::Rejected)) => Some(match (&line.note, lang) {
                    (Some(note), Lang::En) => note.clone(),
                    _ => s.line_rejected.to_owned(),
                }),
                _ => None,
            },
        })
        .collect();
    let address = &order.delivery_address;
    let view = View {
        lang: lang.tag(),
        title: header_safe(&fill(subject, number, buyer, seller)),
        greeting: fill(s.greeting, number, if kind.to_seller() { seller } else { buyer }, seller),
        intro: fill(intro, number, buyer, seller),
        express: (order.order_type == OrderType::Express).then_some(s.express),
        s,
        order_number: number.to_owned(),
        requested_delivery: order.requested_delivery_date.map(|d| lang.date(d)),
        delivery_address: address_lines(address),
        final_consignee: order.final_consignee_address().map(address_lines),
        reason: match kind {
            EmailKind::BuyerOrderAcceptedWithChanges => Some(s.reason_changed.to_owned()),
            EmailKind::BuyerOrderRejected => Some(s.reason_rejected.to_owned()),
            _ => None,
        },
        show_confirmed,
        lines,
        net: money(order.totals.net),
        vat: money(order.totals.vat),
        total: money(order.totals.gross),
        notes: order.notes.as_ref().map(|n| n.lines().map(str::to_owned).collect()),
        seller_notes: if kind.to_seller() { Vec::new() } else { seller_notes.to_vec() },
        regards: fill(s.regards, number, buyer, seller).lines().map(str::to_owned).collect(),
    };
    let html = HtmlEmail { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    let text = TextEmail { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    Ok(RenderedEmail { subject: view.title.clone(), text, html, lang })
}

struct DespatchRow {
    quantity: String,
    unit: String,
    sku: String,
    description: String,
}

struct DespatchView {
    lang: &'static str,
    title: String,
    greeting: String,
    intro: String,
    s: &'static Strings,
    d: &'static DespatchStrings,
    order_number: String,
    despatch_number: String,
    despatch_date: String,
    expected_delivery: Option<String>,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    delivery_address: Vec<String>,
    /// A cross-docking order's final consignee (the delivery address is the hub).
    final_consignee: Option<Vec<String>>,
    shipped: Vec<DespatchRow>,
    open: Vec<DespatchRow>,
    seller_notes: Vec<String>,
    regards: Vec<String>,
}

#[derive(Template)]
#[template(path = "despatch_email.html")]
struct DespatchHtml<'a> {
    v: &'a DespatchView,
}

#[derive(Template)]
#[template(path = "despatch_email.txt")]
struct DespatchText<'a> {
    v: &'a DespatchView,
}

/// Renders the buyer's email for one despatch of `order` (as the order stands after it): what ships now, what
/// remains open, carrier, tracking and dates, in the buyer's language.
pub fn render_despatch(
    order: &Order,
    despatch: &Despatch,
    tenant: &TenantSettings,
    seller_notes: &[String],
) -> Result<RenderedEmail, MailError> {
    let lang = Lang::pick(order.buyer.language.as_ref(), &tenant.language);
    let (s, d) = (strings(lang), despatch_strings(lang));
    let (number, buyer, seller) = (order.order_number.as_str(), order.buyer.name.as_str(), tenant.name.as_str());
    let description = |line_no: u32| {
        order.lines.iter().find(|l| l.line_no == line_no).map(|l| l.description.clone()).unwrap_or_default()
    };
    let address = &order.delivery_address;
    let view = DespatchView {
        lang: lang.tag(),
        title: header_safe(&fill(d.subject, number, buyer, seller).replace("{d}", &despatch.despatch_number)),
        greeting: fill(s.greeting, number, buyer, seller),
        intro: d.intro.to_owned(),
        s,
        d,
        order_number: number.to_owned(),
        despatch_number: despatch.despatch_number.clone(),
        despatch_date: lang.date(despatch.despatch_date),
        expected_delivery: despatch.expected_delivery_date.map(|date| lang.date(date)),
        carrier: despatch.carrier.clone(),
        tracking_number: despatch.tracking_number.clone(),
        tracking_url: despatch.tracking_url.clone(),
        delivery_address: address_lines(address),
        final_consignee: order.final_consignee_address().map(address_lines),
        shipped: despatch
            .lines
            .iter()
            .map(|l| DespatchRow {
                quantity: lang.number(l.quantity),
                unit: l.unit.clone(),
                sku: l.sku.as_ref().map(ToString::to_string).unwrap_or_default(),
                description: description(l.line_no),
            })
            .collect(),
        open: order
            .lines
            .iter()
            .filter(|l| !l.open_quantity().is_zero())
            .map(|l| DespatchRow {
                quantity: lang.number(l.open_quantity()),
                unit: l.unit.clone(),
                sku: l.sku_text().to_owned(),
                description: l.description.clone(),
            })
            .collect(),
        seller_notes: seller_notes.to_vec(),
        regards: fill(s.regards, number, buyer, seller).lines().map(str::to_owned).collect(),
    };
    let html = DespatchHtml { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    let text = DespatchText { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    Ok(RenderedEmail { subject: view.title.clone(), text, html, lang })
}

/// An address as the lines an email shows.
fn address_lines(address: &orders_domain::order::Address) -> Vec<String> {
    [
        Some(&address.name),
        Some(&address.street),
        address.additional_street.as_ref(),
        Some(&address.postal_code),
        Some(&address.city),
        Some(&address.country),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect()
}

/// A file attached to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name (ASCII letters, digits, `.`, `-`, `_`).
    pub filename: String,
    /// MIME type.
    pub content_type: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Sender, recipient and id of a message.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// Display name of the sender (the seller).
    pub from_name: &'a str,
    /// Verified sender address.
    pub from_address: &'a str,
    /// Display name of the recipient.
    pub to_name: &'a str,
    /// Recipient address.
    pub to_address: &'a str,
    /// `Message-ID` without angle brackets (`ord_….buyer_order_accepted.evt_…@orders.example`).
    pub message_id: &'a str,
}

/// The multipart/alternative (text + HTML) MIME message.
pub fn mime(envelope: &Envelope<'_>, email: &RenderedEmail) -> Result<Vec<u8>, MailError> {
    mail_builder::MessageBuilder::new()
        .from((header_safe(envelope.from_name), header_safe(envelope.from_address)))
        .to((header_safe(envelope.to_name), header_safe(envelope.to_address)))
        .subject(header_safe(&email.subject))
        .message_id(header_safe(envelope.message_id))
        .header("Content-Language", mail_builder::headers::raw::Raw::new(email.lang.tag()))
        .text_body(email.text.clone())
        .html_body(email.html.clone())
        .write_to_vec()
        .map_err(|e| MailError::Encode(e.to_string()))
}

/// The MIME message of `email` with `attachments` (multipart/mixed around the text and HTML alternatives).
pub fn mime_with_attachments(
    envelope: &Envelope<'_>,
    email: &RenderedEmail,
    attachments: &[Attachment],
) -> Result<Vec<u8>, MailError> {
    let mut message = mail_builder::MessageBuilder::new()
        .from((header_safe(envelope.from_name), header_safe(envelope.from_address)))
        .to((header_safe(envelope.to_name), header_safe(envelope.to_address)))
        .subject(header_safe(&email.subject))
        .message_id(header_safe(envelope.message_id))
        .header("Content-Language", mail_builder::headers::raw::Raw::new(email.lang.tag()))
        .text_body(email.text.clone())
        .html_body(email.html.clone());
    for attachment in attachments {
        message =
            message.attachment(attachment.content_type, header_safe(&attachment.filename), attachment.bytes.clone());
    }
    message.write_to_vec().map_err(|e| MailError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use orders_domain::fixtures;
    use orders_domain::order::Language;
    use rust_decimal_macros::dec;

    fn changed_order() -> Order {
        let mut order = fixtures::order(OrderType::Express, &[("S1", dec!(1234)), ("S2", dec!(2))]);
        order.status = OrderStatus::AcceptedWithChanges;
        order.lines[0].confirmed_quantity = dec!(1000);
        order.lines[0].line_status = Some(LineOutcome::Changed);
        order.lines[0].note = Some("Only 1000 of 1234 C62 can be delivered; the rest is cancelled.".into());
        order.lines[1].confirmed_quantity = dec!(2);
        order.lines[1].line_status = Some(LineOutcome::Accepted);
        order.notes = Some("<script>alert('x')</script>\nRing twice".into());
        order.buyer.name = "Åsa <b>Bold</b> & Co".into();
        order.requested_delivery_date = Some(time::macros::date!(2026 - 12 - 01));
        order
    }

    #[test]
    fn a_portal_link_ends_the_email_escaped() {
        let order = changed_order();
        let email = render(EmailKind::BuyerOrderAccepted, &order, &fixtures::tenant(), &[])
            .expect("render")
            .with_portal_link("https://shop.example/portal/orders/ord_1#link=a.b&\"x");
        assert!(email.text.ends_with("https://shop.example/portal/orders/ord_1#link=a.b&\"x\n"));
        assert!(email.html.contains("href=\"https://shop.example/portal/orders/ord_1#link=a.b&amp;&quot;x\""));
        assert!(email.html.find("#link=").expect("link") < email.html.find("</body>").expect("end"));
    }

    #[test]
    fn every_value_is_escaped_in_html_and_kept_in_text() {
        let email = render(
            EmailKind::BuyerOrderAcceptedWithChanges,
            &changed_order(),
            &fixtures::tenant(),
            &["Back in stock <soon>".to_owned()],
        )
        .expect("render");
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains("&#60;script&#62;"), "{}", email.html);
        assert!(!email.html.contains("<b>Bold"));
        assert!(email.html.contains("&#60;b&#62;Bold&#60;/b&#62; &#38; Co"), "{}", email.html);
        assert!(email.text.contains("<script>alert('x')</script>"), "text is not HTML");
        assert!(email.html.contains("background: #fff3cd"), "changed line highlighted");
        assert!(email.html.contains("Only 1,000 of 1,234 can be delivered"), "{}", email.html);
        assert!(email.text.contains("Express order"));
        assert!(
            email.html.contains("Message from us") && email.html.contains("Back in stock &#60;soon&#62;"),
            "{}",
            email.html
        );
    }

    #[test]
    fn the_buyers_language_is_used_with_its_formats() {
        let mut order = changed_order();
        order.buyer.language = Some(Language::parse("de").expect("de"));
        let email = render(EmailKind::BuyerOrderAcceptedWithChanges, &order, &fixtures::tenant(), &[]).expect("render");
        assert_eq!(email.lang, Lang::De);
        assert_eq!(email.subject, "Bestellung WS-1 mit Änderungen bestätigt");
        assert!(email.text.contains("1. Dezember 2026"), "{}", email.text);
        assert!(email.text.contains("12.340,00\u{a0}EUR"), "{}", email.text);
        assert!(email.text.contains("Nur 1.000 von 1.234 können geliefert werden"), "{}", email.text);
        for lang in ["sv", "pl", "lt", "zh", "en"] {
            order.buyer.language = Some(Language::parse(lang).expect("lang"));
            let email = render(EmailKind::BuyerOrderRejected, &order, &fixtures::tenant(), &[]).expect("render");
            assert_eq!(email.lang.tag(), lang);
            assert!(!email.subject.is_empty());
        }
        order.buyer.language = Some(Language::parse("fr").expect("fr"));
        assert_eq!(
            render(EmailKind::BuyerOrderAccepted, &order, &fixtures::tenant(), &[]).expect("render").lang,
            Lang::En
        );
    }

    #[test]
    fn no_header_can_be_injected() {
        let mut order = changed_order();
        order.order_number = "WS-1\r\nBcc: evil@example.com".into();
        let email = render(EmailKind::SellerNewOrder, &order, &fixtures::tenant(), &["internal <x>".to_owned()])
            .expect("render");
        assert!(!email.subject.contains('\n') && !email.subject.contains('\r'));
        assert!(!email.text.contains("internal <x>"), "seller emails carry no buyer notes");
        let envelope = Envelope {
            from_name: "Seller\r\nBcc: x@y.z",
            from_address: "orders@example.com",
            to_name: "Desk",
            to_address: "desk@example.com",
            message_id: "m1@orders.example",
        };
        let raw = String::from_utf8(mime(&envelope, &email).expect("mime")).expect("utf-8");
        let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
        assert!(!headers.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{headers}");
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
    }

    #[test]
    fn a_despatch_email_says_what_ships_what_remains_and_how_to_track_it() {
        let mut order = changed_order();
        order.lines[0].shipped_quantity = dec!(400);
        let despatch: orders_domain::despatch::Despatch = serde_json::from_value(serde_json::json!({
            "despatch_number": "D-<1>", "order_id": order.id, "despatch_date": "2026-12-01",
            "expected_delivery_date": "2026-12-03", "carrier": "PostNord", "tracking_number": "0037",
            "tracking_url": "https://track.example/?id=0037&x=<y>", "created_at": "2026-12-01T08:00:00Z", "actor": "w",
            "lines": [{"line_no": 1, "sku": "S1", "unit": "C62", "quantity": "400", "picks": []}]
        }))
        .expect("despatch");
        let email = render_despatch(&order, &despatch, &fixtures::tenant(), &[]).expect("render");
        assert_eq!(email.subject, "Order WS-1 is on its way (D-<1>)");
        assert!(email.text.contains("400 C62  S1"), "{}", email.text);
        assert!(email.text.contains("600 C62  S1") && email.text.contains("2 C62  S2"), "still open: {}", email.text);
        assert!(email.text.contains("https://track.example/?id=0037&x=<y>"), "{}", email.text);
        assert!(email.html.contains("D-&#60;1&#62;") && !email.html.contains("<y>"), "{}", email.html);
        order.buyer.language = Some(Language::parse("sv").expect("sv"));
        let swedish = render_despatch(&order, &despatch, &fixtures::tenant(), &[]).expect("render");
        assert!(swedish.subject.starts_with("Order WS-1 är på väg"), "{}", swedish.subject);
        assert!(render(EmailKind::BuyerDespatched, &order, &fixtures::tenant(), &[]).is_err());
    }

    fn cross_docking_order() -> Order {
        let mut order = fixtures::order(OrderType::CrossDocking, &[("S1", dec!(4))]);
        order.status = OrderStatus::Accepted;
        order.lines[0].confirmed_quantity = dec!(4);
        order.lines[0].line_status = Some(LineOutcome::Accepted);
        order.delivery_address.name = "Hub Norrköping".into();
        order.final_consignee = Some(orders_domain::order::Consignee {
            address: orders_domain::order::Address {
                name: "Café <Ö> & Co".into(),
                street: "Storgatan 9".into(),
                additional_street: None,
                city: "Linköping".into(),
                postal_code: "582 23".into(),
                country: "SE".into(),
            },
        });
        order
    }

    fn despatch_of(order: &Order) -> orders_domain::despatch::Despatch {
        fixtures::despatch(order, "D-1", &[(1, dec!(4))])
    }

    #[test]
    fn a_cross_docking_order_shows_its_final_consignee_after_the_hub() {
        let mut order = cross_docking_order();
        let tenant = fixtures::tenant();
        let expected = "Final consignee: Café <Ö> & Co, Storgatan 9, 582 23, Linköping, SE";
        for kind in [EmailKind::SellerNewOrder, EmailKind::BuyerOrderAccepted, EmailKind::BuyerOrderRejected] {
            let email = render(kind, &order, &tenant, &[]).expect("render");
            assert!(
                email.text.contains(&format!("Hub Norrköping, Gatan 1, 211 22, Malmö, SE\n{expected}\n")),
                "{}",
                email.text
            );
            assert!(
                email.html.contains(
                    "<br>\n<strong>Final consignee:</strong> Café &#60;Ö&#62; &#38; Co, Storgatan 9, 582 23, Linköping, SE</p>"
                ),
                "{}",
                email.html
            );
        }
        let delivery_note = render_despatch(&order, &despatch_of(&order), &tenant, &[]).expect("render");
        assert!(delivery_note.text.contains(&format!("Malmö, SE\n{expected}\n\n")), "{}", delivery_note.text);
        assert!(
            delivery_note.html.contains("<strong>Final consignee:</strong> Café &#60;Ö&#62; &#38; Co"),
            "{}",
            delivery_note.html
        );

        order.buyer.language = Some(Language::parse("sv").expect("sv"));
        let swedish = render(EmailKind::BuyerOrderAccepted, &order, &tenant, &[]).expect("render");
        assert!(swedish.text.contains("Slutmottagare: Café <Ö> & Co"), "{}", swedish.text);
        let swedish = render_despatch(&order, &despatch_of(&order), &tenant, &[]).expect("render");
        assert!(swedish.text.contains("Slutmottagare: Café <Ö> & Co"), "{}", swedish.text);
    }

    #[test]
    fn other_orders_show_no_final_consignee() {
        let tenant = fixtures::tenant();
        let mut with_consignee = cross_docking_order();
        with_consignee.order_type = OrderType::Purchase;
        let mut cross_docking_without = cross_docking_order();
        cross_docking_without.final_consignee = None;
        for order in [with_consignee, cross_docking_without, changed_order()] {
            let emails = [
                render(EmailKind::BuyerOrderAccepted, &order, &tenant, &[]).expect("render"),
                render_despatch(&order, &despatch_of(&order), &tenant, &[]).expect("render"),
            ];
            for email in emails {
                assert!(!email.text.contains("Final consignee") && !email.text.contains("Café"), "{}", email.text);
                assert!(!email.html.contains("Final consignee"), "{}", email.html);
            }
        }
        // Without a consignee the delivery address line is followed by what always followed it.
        let plain = render_despatch(&changed_order(), &despatch_of(&changed_order()), &tenant, &[]).expect("render");
        assert!(plain.text.contains("Malmö, SE\n\nShipped now:"), "{}", plain.text);
    }

    #[test]
    fn every_language_has_every_text() {
        for lang in Lang::ALL {
            let s = strings(lang);
            for text in [s.subject_new_order, s.subject_accepted, s.subject_changed, s.subject_rejected] {
                assert!(text.contains("{n}"), "{lang:?}: {text}");
            }
            assert!(s.greeting.contains("{b}") && s.regards.contains("{s}"), "{lang:?}");
            assert!(!s.final_consignee.is_empty() && !s.final_consignee.contains(':'), "{lang:?}");
            let d = despatch_strings(lang);
            assert!(d.subject.contains("{n}") && d.subject.contains("{d}"), "{lang:?}: {}", d.subject);
        }
    }
}
