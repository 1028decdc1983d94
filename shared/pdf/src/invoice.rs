//! The invoice document (also a credit or debit note, and the proforma through `render`): the first page's
//! header with the parties and key facts, the line table over as many pages as it needs, the totals, the payment
//! block with the EPC QR code, and the footer.

use rust_decimal::Decimal;

use orders_domain::invoice::{DocumentKind, Invoice};
use orders_domain::pricing::AdjustmentKind;
use orders_mail::invoice::{document_lang, kind_name};
use orders_mail::invoice_strings::{invoice_strings, InvoiceStrings};
use orders_mail::Lang;

use crate::epc::epc_payload;
use crate::error::PdfError;
use crate::format::{address_lines, price_text, vat_label};
use crate::layout::{layout, Layout, BODY, COLUMNS, FIRST_TABLE_TOP, MARGIN, PAGE_W, ROW};
use crate::pages::{continuation_header, footer, render_pages};
use crate::pen::Edge::{Left, Right};
use crate::pen::Pen;

/// The PDF of `invoice` (an invoice, credit note or debit note), in the buyer's language.
pub fn invoice_pdf(invoice: &Invoice) -> Result<Vec<u8>, PdfError> {
    render(invoice, false)
}

pub(crate) fn render(invoice: &Invoice, proforma: bool) -> Result<Vec<u8>, PdfError> {
    let lang = document_lang(invoice);
    let t = invoice_strings(lang);
    let code = invoice.currency.code();
    let money = |value: Decimal| lang.money(value, code);
    let title = if proforma { t.proforma } else { kind_name(invoice.kind, t) };

    let totals_rows = totals_rows(invoice, lang, t);
    let payment = !proforma && invoice.kind != DocumentKind::CreditNote;
    let closing_height = 20.0 + totals_rows.len() as f32 * ROW + if payment { 150.0 } else { 40.0 };
    let Layout { pages } = layout(invoice.lines.len(), closing_height);
    let total_pages = pages.len();

    render_pages(
        format!("{title} {}", invoice.number),
        format!("{}-{}", invoice.tenant, invoice.number),
        &pages,
        |pen, index, (start, end, top)| {
            if index == 0 {
                first_page_header(pen, invoice, t, lang, title, proforma);
            } else {
                let parties = format!("{} · {}", invoice.seller.name, invoice.buyer.name);
                continuation_header(pen, &format!("{title} {}", invoice.number), &parties);
            }
            // the table header, repeated on every page
            pen.table_header(
                top,
                &[
                    (Left(COLUMNS.line + 2.0), "#"),
                    (Left(COLUMNS.item), t.item),
                    (Left(COLUMNS.description), t.description),
                    (Right(COLUMNS.quantity_right), t.quantity),
                    (Right(COLUMNS.price_right), t.unit_price),
                    (Right(COLUMNS.discount_right), t.discount),
                    (Right(COLUMNS.vat_right), t.vat_rate),
                    (Right(COLUMNS.amount_right), t.amount),
                ],
            );
            let mut y = top + ROW;
            for line in &invoice.lines[start..end] {
                let baseline = y + 10.5;
                pen.text(false, COLUMNS.line + 2.0, baseline, BODY, &line.line_id.to_string());
                pen.text(
                    false,
                    COLUMNS.item,
                    baseline,
                    BODY,
                    &pen.fit(false, line.sku.as_ref().map_or("", |s| s.as_str()), BODY, 66.0),
                );
                let description_width = COLUMNS.quantity_right - 50.0 - COLUMNS.description;
                pen.text(
                    false,
                    COLUMNS.description,
                    baseline,
                    BODY,
                    &pen.fit(false, &line_description(line), BODY, description_width),
                );
                pen.text_right(
                    false,
                    COLUMNS.quantity_right,
                    baseline,
                    BODY,
                    &format!("{} {}", lang.number(line.quantity.normalize()), line.unit),
                );
                pen.text_right(
                    false,
                    COLUMNS.price_right,
                    baseline,
                    BODY,
                    &lang.number(price_text(line.unit_price, invoice)),
                );
                if !line.allowance.is_zero() {
                    pen.text_right(false, COLUMNS.discount_right, baseline, BODY, &lang.number(line.allowance));
                }
                pen.text_right(
                    false,
                    COLUMNS.vat_right,
                    baseline,
                    BODY,
                    &vat_label(line.vat_category, line.vat_rate, lang),
                );
                pen.text_right(false, COLUMNS.amount_right, baseline, BODY, &money(line.line_net));
                y += ROW;
                pen.rect(MARGIN, y - 0.25, PAGE_W - 2.0 * MARGIN, 0.5, 190);
            }
            if index + 1 == total_pages {
                closing(pen, invoice, t, lang, &totals_rows, y + 12.0, payment, proforma);
            }
            let seller =
                format!("{} · {} {} · {}", invoice.seller.name, t.vat_id, invoice.seller.vat_id, invoice.seller.email);
            footer(pen, &seller, t.page, index + 1, total_pages);
        },
    )
}

fn first_page_header(
    pen: &mut Pen<'_, '_>,
    invoice: &Invoice,
    t: &InvoiceStrings,
    lang: Lang,
    title: &str,
    proforma: bool,
) {
    let right = PAGE_W - MARGIN;
    // seller, top left
    pen.text(true, MARGIN, 60.0, 14.0, &invoice.seller.name);
    let mut y = 76.0;
    for line in address_lines(&invoice.seller.address) {
        pen.text(false, MARGIN, y, BODY, &line);
        y += 11.0;
    }
    pen.text(false, MARGIN, y, BODY, &format!("{} {}", t.vat_id, invoice.seller.vat_id));
    y += 11.0;
    if let Some(org) = &invoice.seller.legal_registration_id {
        pen.text(false, MARGIN, y, BODY, &format!("{} {org}", t.org_id));
    }
    // title and facts, top right
    pen.text_right(true, right, 60.0, 20.0, title);
    let mut facts: Vec<(&str, String)> = Vec::new();
    if !proforma {
        facts.push((t.number, invoice.number.clone()));
    }
    facts.push((t.issue_date, lang.date(invoice.issue_date)));
    if let Some(due) = invoice.due_date.filter(|_| !proforma) {
        facts.push((t.due_date, lang.date(due)));
    }
    // A collective invoice's order numbers may be many: as many as fit (each line names its own).
    facts.push((t.order_number, pen.fit(true, &invoice.order_number, BODY, 150.0)));
    if let Some(despatch) = &invoice.despatch_number {
        facts.push((t.despatch, despatch.clone()));
    }
    if let Some(delivered) = invoice.delivery_date {
        facts.push((t.delivery_date, lang.date(delivered)));
    }
    if let Some(reference) = &invoice.billing_reference {
        facts.push((t.corrects, format!("{} ({})", reference.number, lang.date(reference.issue_date))));
    }
    let mut y = 80.0;
    for (label, value) in facts {
        pen.text(false, right - 220.0, y, BODY, label);
        pen.text_right(true, right, y, BODY, &value);
        y += 12.0;
    }
    // buyer and delivery address
    let top = 190.0;
    pen.text(true, MARGIN, top, BODY, t.buyer);
    let mut y = top + 14.0;
    // A party's name is never cut: it wraps (up to three lines, the last one cut only beyond that).
    for line in pen.wrap(true, &invoice.buyer.name, 10.0, 230.0, 3) {
        pen.text(true, MARGIN, y, 10.0, &line);
        y += 13.0;
    }
    let buyer_address = invoice.buyer.address.as_ref().unwrap_or(&invoice.delivery_address);
    for line in address_lines(buyer_address) {
        pen.text(false, MARGIN, y, BODY, &line);
        y += 11.0;
    }
    if let Some(vat_id) = &invoice.buyer.vat_id {
        pen.text(false, MARGIN, y, BODY, &format!("{} {vat_id}", t.vat_id));
    }
    let column = MARGIN + 260.0;
    pen.text(true, column, top, BODY, t.deliver_to);
    let mut y = top + 14.0;
    for line in pen.wrap(false, &invoice.delivery_address.name, BODY, 230.0, 3) {
        pen.text(false, column, y, BODY, &line);
        y += 11.0;
    }
    for line in address_lines(&invoice.delivery_address) {
        pen.text(false, column, y, BODY, &line);
        y += 11.0;
    }
    if let Some(reason) = &invoice.reason {
        pen.text(false, MARGIN, FIRST_TABLE_TOP - 10.0, BODY, &format!("{}: {reason}", t.reason));
    }
}

fn totals_rows(invoice: &Invoice, lang: Lang, t: &InvoiceStrings) -> Vec<(String, String, bool)> {
    let code = invoice.currency.code();
    let money = |value: Decimal| lang.money(value, code);
    let totals = &invoice.totals;
    let mut rows = vec![(t.lines_total.to_owned(), money(totals.line_extension), false)];
    for adjustment in &invoice.adjustments {
        let (label, sign) = match adjustment.kind {
            AdjustmentKind::Allowance => (t.allowances, -Decimal::ONE),
            AdjustmentKind::Charge => (t.charges, Decimal::ONE),
        };
        rows.push((format!("{label}: {}", adjustment.reason), money(sign * adjustment.amount), false));
    }
    rows.push((t.net_total.to_owned(), money(totals.tax_exclusive), false));
    for entry in &invoice.vat_breakdown {
        rows.push((
            format!("{} {} % ({} {})", t.vat, lang.number(entry.rate.normalize()), t.taxable, money(entry.taxable)),
            money(entry.vat),
            false,
        ));
    }
    rows.push((t.total.to_owned(), money(totals.tax_inclusive), false));
    let due = if invoice.kind == DocumentKind::CreditNote { t.credited } else { t.payable };
    rows.push((due.to_owned(), money(totals.payable), true));
    rows
}

#[allow(clippy::too_many_arguments)]
fn closing(
    pen: &mut Pen<'_, '_>,
    invoice: &Invoice,
    t: &InvoiceStrings,
    lang: Lang,
    rows: &[(String, String, bool)],
    top: f32,
    payment: bool,
    proforma: bool,
) {
    let right = PAGE_W - MARGIN;
    let label_x = right - 300.0;
    let mut y = top + 8.0;
    for (label, value, strong) in rows {
        if *strong {
            pen.rect(label_x, y - 10.5, right - label_x, ROW, 235);
        }
        let size = if *strong { 10.0 } else { BODY };
        pen.text(*strong, label_x + 4.0, y, size, label);
        pen.text_right(*strong, right - 2.0, y, size, value);
        y += ROW;
    }
    y += 10.0;
    if proforma {
        pen.text(false, MARGIN, y, BODY, t.not_a_tax_invoice);
        return;
    }
    if !payment {
        return;
    }
    pen.text(true, MARGIN, y, 10.0, t.payment);
    y += 14.0;
    let mut details = vec![t.terms.replace("{d}", &invoice.payment.terms_days.to_string())];
    if let Some(due) = invoice.due_date {
        details.push(format!("{}: {}", t.due_date, lang.date(due)));
    }
    details.push(format!("{}: {}", t.iban, invoice.payment.iban));
    if let Some(bic) = &invoice.payment.bic {
        details.push(format!("{}: {bic}", t.bic));
    }
    details.push(format!("{}: {}", t.reference, invoice.payment.reference));
    let code = invoice.currency.code();
    details.push(format!("{}: {}", t.payable, lang.money(invoice.totals.payable, code)));
    for line in &details {
        pen.text(false, MARGIN, y, BODY, line);
        y += 11.0;
    }
    if let Some(payload) = epc_payload(invoice) {
        let size = 96.0;
        let x = right - size;
        let qr_top = y - 11.0 * details.len() as f32 - 14.0;
        pen.qr(&payload, x, qr_top, size);
        pen.text_right(false, right, qr_top + size + 10.0, 7.0, t.scan_to_pay);
    }
}

/// A line's description, led by its order's number on an invoice of several orders.
fn line_description(line: &orders_domain::invoice::InvoiceLine) -> String {
    match &line.order {
        Some(order) => format!("{} · {}", order.order_number, line.description),
        None => line.description.clone(),
    }
}
