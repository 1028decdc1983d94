//! The delivery note of a despatch: seller and the note's facts (despatch number with its Code 128 barcode, dates,
//! order, carrier, tracking) on top, buyer and delivery address, then the lines — ordered, shipped now, still to
//! come, lots — over as many pages as they need, and a box for the recipient's signature.

use orders_domain::code128::code128;
use orders_domain::delivery_note::DeliveryNote;
use orders_mail::delivery_note_strings::{delivery_note_strings, DeliveryNoteStrings};
use orders_mail::Lang;

use crate::error::PdfError;
use crate::fonts::any_needs_fallback;
use crate::format::address_lines;
use crate::layout::{layout_from, Layout, BODY, MARGIN, PAGE_W, ROW};
use crate::pages::{continuation_header, footer, render_pages};
use crate::pen::Edge::{Left, Right};
use crate::pen::Pen;

/// Left edges and right edges of the line table's columns.
struct Columns {
    line: f32,
    item: f32,
    description: f32,
    ordered_right: f32,
    shipped_right: f32,
    to_come_right: f32,
    lots: f32,
}

const COLUMNS: Columns = Columns {
    line: MARGIN,
    item: MARGIN + 18.0,
    description: MARGIN + 98.0,
    ordered_right: MARGIN + 262.0,
    shipped_right: MARGIN + 340.0,
    to_come_right: MARGIN + 415.0,
    lots: MARGIN + 425.0,
};

/// The first page's table starts below the barcode and the three address blocks.
const TABLE_TOP: f32 = 335.0;

/// Height of the signature block after the last line.
const CLOSING_HEIGHT: f32 = 70.0;

/// Whether `note` has text DejaVu Sans cannot show in `lang` (so a fallback font is worth loading).
pub fn delivery_note_needs_fallback_font(note: &DeliveryNote, lang: Lang) -> bool {
    let t = delivery_note_strings(lang);
    let addresses = [Some(&note.delivery_address), note.buyer_address.as_ref(), note.final_consignee.as_ref()];
    let address_texts =
        addresses.into_iter().flatten().flat_map(|a| [a.name.as_str(), a.street.as_str(), a.city.as_str()]);
    let texts = [
        note.seller_name.as_str(),
        note.buyer_name.as_str(),
        note.order_number.as_str(),
        note.despatch_number.as_str(),
        note.carrier.as_deref().unwrap_or_default(),
        t.title,
    ];
    let lines = note.lines.iter().map(|l| l.description.as_str());
    any_needs_fallback(texts.into_iter().chain(address_texts).chain(lines))
}

/// The PDF of `note` in `lang`.
pub fn delivery_note_pdf(note: &DeliveryNote, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let t = delivery_note_strings(lang);
    let Layout { pages } = layout_from(TABLE_TOP, note.lines.len(), CLOSING_HEIGHT);
    let title = format!("{} {}", t.title, note.despatch_number);
    let document_id = format!("delivery-note-{}-{}", note.order_number, note.despatch_number);
    render_pages(title.clone(), document_id, &pages, |pen, index, (start, end, top)| {
        if index == 0 {
            header(pen, note, t, lang);
        } else {
            continuation_header(pen, &title, &format!("{} · {}", note.seller_name, note.buyer_name));
        }
        pen.table_header(
            top,
            &[
                (Left(COLUMNS.line + 2.0), "#"),
                (Left(COLUMNS.item), t.item),
                (Left(COLUMNS.description), t.description),
                (Right(COLUMNS.ordered_right), t.ordered),
                (Right(COLUMNS.shipped_right), t.shipped_now),
                (Right(COLUMNS.to_come_right), t.still_to_come),
                (Left(COLUMNS.lots), t.lots),
            ],
        );
        let mut y = top + ROW;
        for line in &note.lines[start..end] {
            let baseline = y + 10.5;
            let quantity = |q| format!("{} {}", lang.number(q), line.unit);
            pen.text(false, COLUMNS.line + 2.0, baseline, BODY, &line.line_no.to_string());
            let sku = line.sku.as_ref().map_or("", |s| s.as_str());
            pen.text(false, COLUMNS.item, baseline, BODY, &pen.fit(false, sku, BODY, 76.0));
            let description_width = COLUMNS.ordered_right - 50.0 - COLUMNS.description;
            pen.text(
                false,
                COLUMNS.description,
                baseline,
                BODY,
                &pen.fit(false, &line.description, BODY, description_width),
            );
            pen.text_right(false, COLUMNS.ordered_right, baseline, BODY, &quantity(line.ordered));
            pen.text_right(true, COLUMNS.shipped_right, baseline, BODY, &quantity(line.shipped_now));
            pen.text_right(false, COLUMNS.to_come_right, baseline, BODY, &quantity(line.still_to_come));
            let lots_width = PAGE_W - MARGIN - COLUMNS.lots;
            pen.text(false, COLUMNS.lots, baseline, BODY, &pen.fit(false, &line.lots.join(", "), BODY, lots_width));
            y += ROW;
            pen.rect(MARGIN, y - 0.25, PAGE_W - 2.0 * MARGIN, 0.5, 190);
        }
        if index + 1 == pages.len() {
            let top = y + 24.0;
            pen.text(false, MARGIN, top, BODY, t.received_by);
            pen.rect(MARGIN, top + 30.0, 260.0, 0.5, 120);
        }
        footer(pen, &format!("{} · {}", note.seller_name, note.seller_email), t.page, index + 1, pages.len());
    })
}

fn header(pen: &mut Pen<'_, '_>, note: &DeliveryNote, t: &DeliveryNoteStrings, lang: Lang) {
    let right = PAGE_W - MARGIN;
    pen.text(true, MARGIN, 60.0, 14.0, &pen.fit(true, &note.seller_name, 14.0, 250.0));
    let mut y = 76.0;
    for line in note.seller_address.iter().flat_map(address_lines) {
        pen.text(false, MARGIN, y, BODY, &line);
        y += 11.0;
    }
    pen.text(false, MARGIN, y, BODY, &note.seller_email);
    pen.text_right(true, right, 60.0, 20.0, t.title);
    let mut facts: Vec<(&str, String)> =
        vec![(t.despatch_number, note.despatch_number.clone()), (t.despatch_date, lang.date(note.despatch_date))];
    if let Some(expected) = note.expected_delivery_date {
        facts.push((t.expected_delivery, lang.date(expected)));
    }
    facts.push((t.order_number, note.order_number.clone()));
    facts.push((t.order_date, lang.date(note.order_date)));
    if let Some(carrier) = &note.carrier {
        facts.push((t.carrier, carrier.clone()));
    }
    if let Some(tracking) = &note.tracking_number {
        facts.push((t.tracking, tracking.clone()));
    }
    let mut y = 82.0;
    for (label, value) in facts {
        pen.text(false, right - 220.0, y, BODY, label);
        pen.text_right(true, right, y, BODY, &pen.fit(true, &value, BODY, 130.0));
        y += 12.0;
    }
    // The despatch number as a Code 128 barcode, under the facts (a number Code 128 cannot carry has none).
    if let Ok(code) = code128(&note.despatch_number) {
        let width = 220.0_f32;
        let module = (width / code.modules() as f32).min(1.2);
        let mut x = right - module * code.modules() as f32;
        let (bar_top, bar_height) = (166.0, 30.0);
        for (index, element) in code.widths.iter().enumerate() {
            let w = module * f32::from(*element);
            if index % 2 == 0 {
                pen.rect(x, bar_top, w, bar_height, 0);
            }
            x += w;
        }
    }
    let top = 222.0;
    pen.text(true, MARGIN, top, BODY, t.buyer);
    let mut y = top + 14.0;
    for line in pen.wrap(true, &note.buyer_name, 10.0, 230.0, 3) {
        pen.text(true, MARGIN, y, 10.0, &line);
        y += 13.0;
    }
    for line in note.buyer_address.iter().flat_map(address_lines) {
        pen.text(false, MARGIN, y, BODY, &line);
        y += 11.0;
    }
    let column = MARGIN + 260.0;
    pen.text(true, column, top, BODY, t.deliver_to);
    let mut y = top + 14.0;
    for line in pen.wrap(false, &note.delivery_address.name, BODY, 230.0, 2) {
        pen.text(false, column, y, BODY, &line);
        y += 11.0;
    }
    for line in address_lines(&note.delivery_address) {
        pen.text(false, column, y, BODY, &line);
        y += 11.0;
    }
    if let Some(consignee) = &note.final_consignee {
        y += 4.0;
        let name = format!("{}: {}", t.final_consignee, consignee.name);
        pen.text(true, column, y, BODY, &pen.fit(true, &name, BODY, 230.0));
        y += 11.0;
        let lines = address_lines(consignee);
        pen.text(false, column, y, BODY, &pen.fit(false, &lines.join(", "), BODY, 230.0));
    }
}
