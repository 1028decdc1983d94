//! The buyer's email for a billing document (invoice, credit note, debit note): the key facts, the lines, the
//! totals and how to pay, in the buyer's language; the PDF and the UBL travel as attachments.

use askama::Template;

use orders_domain::invoice::{DocumentKind, Invoice};

use crate::invoice_strings::{invoice_strings, InvoiceStrings};
use crate::strings::{fill, strings};
use crate::{header_safe, Lang, MailError, RenderedEmail};

struct InvoiceLineRow {
    description: String,
    quantity: String,
    unit_price: String,
    amount: String,
}

struct InvoiceView {
    lang: &'static str,
    title: String,
    greeting: String,
    intro: String,
    t: &'static InvoiceStrings,
    facts: Vec<(String, String)>,
    lines: Vec<InvoiceLineRow>,
    totals: Vec<(String, String)>,
    payment: Vec<(String, String)>,
    regards: Vec<String>,
}

#[derive(Template)]
#[template(path = "invoice_email.html")]
struct InvoiceHtml<'a> {
    v: &'a InvoiceView,
}

#[derive(Template)]
#[template(path = "invoice_email.txt")]
struct InvoiceText<'a> {
    v: &'a InvoiceView,
}

/// The name of a document kind in `lang` ("Invoice", "Kreditnota").
pub fn kind_name(kind: DocumentKind, t: &InvoiceStrings) -> &'static str {
    match kind {
        DocumentKind::Invoice => t.invoice,
        DocumentKind::CreditNote => t.credit_note,
        DocumentKind::DebitNote => t.debit_note,
    }
}

/// The language a billing document is written in: the buyer's, else the one stored on it, else English.
pub fn document_lang(invoice: &Invoice) -> Lang {
    Lang::pick(invoice.buyer.language.as_ref(), &invoice.language)
}

/// Renders the buyer's email for `invoice`.
pub fn render_invoice(invoice: &Invoice) -> Result<RenderedEmail, MailError> {
    let lang = document_lang(invoice);
    let (t, s) = (invoice_strings(lang), strings(lang));
    let currency = invoice.currency.code();
    let money = |value| lang.money(value, currency);
    let reference = invoice.billing_reference.as_ref().map(|r| r.number.as_str()).unwrap_or_default();
    let fill_doc = |text: &str| {
        text.replace("{k}", kind_name(invoice.kind, t))
            .replace("{i}", &invoice.number)
            .replace("{n}", &invoice.order_number)
            .replace("{r}", reference)
    };
    let intro = match invoice.kind {
        DocumentKind::Invoice => t.intro_invoice,
        DocumentKind::CreditNote => t.intro_credit_note,
        DocumentKind::DebitNote => t.intro_debit_note,
    };
    let (buyer, seller) = (invoice.buyer.name.as_str(), invoice.seller.name.as_str());
    let mut facts = vec![
        (t.number.to_owned(), invoice.number.clone()),
        (t.issue_date.to_owned(), lang.date(invoice.issue_date)),
        (t.order_number.to_owned(), invoice.order_number.clone()),
    ];
    if let Some(reference) = &invoice.billing_reference {
        facts.push((t.corrects.to_owned(), reference.number.clone()));
    }
    if let Some(reason) = &invoice.reason {
        facts.push((t.reason.to_owned(), reason.clone()));
    }
    if let Some(due) = invoice.due_date {
        facts.push((t.due_date.to_owned(), lang.date(due)));
    }
    let totals = &invoice.totals;
    let mut total_rows =
        vec![(t.net_total.to_owned(), money(totals.tax_exclusive)), (t.vat.to_owned(), money(totals.vat))];
    let due_label = if invoice.kind == DocumentKind::CreditNote { t.credited } else { t.payable };
    total_rows.push((due_label.to_owned(), money(totals.payable)));
    let payment = if invoice.kind == DocumentKind::CreditNote {
        Vec::new()
    } else {
        let mut rows = vec![(t.iban.to_owned(), invoice.payment.iban.clone())];
        if let Some(bic) = &invoice.payment.bic {
            rows.push((t.bic.to_owned(), bic.clone()));
        }
        rows.push((t.reference.to_owned(), invoice.payment.reference.clone()));
        rows
    };
    let view = InvoiceView {
        lang: lang.tag(),
        title: header_safe(&fill_doc(t.subject)),
        greeting: fill(s.greeting, &invoice.order_number, buyer, seller),
        intro: fill_doc(intro),
        t,
        facts,
        lines: invoice
            .lines
            .iter()
            .map(|l| InvoiceLineRow {
                description: l.description.clone(),
                quantity: format!("{} {}", lang.number(l.quantity.normalize()), l.unit),
                unit_price: money(l.unit_price),
                amount: money(l.line_net),
            })
            .collect(),
        totals: total_rows,
        payment,
        regards: fill(s.regards, &invoice.order_number, buyer, seller).lines().map(str::to_owned).collect(),
    };
    let html = InvoiceHtml { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    let text = InvoiceText { v: &view }.render().map_err(|e| MailError::Render(e.to_string()))?;
    Ok(RenderedEmail { subject: view.title.clone(), text, html, lang })
}
