//! The PDF of a billing document, for people: seller, buyer and delivery address, the key dates and references,
//! the lines, the VAT breakdown, the totals with the amount due, and how to pay (with an EPC/SEPA QR code for
//! EUR). A4, one page when it fits; longer documents continue on further pages with the table header repeated
//! and "Page p of t" on every page. Text is set in DejaVu Sans, embedded as a subset (Latin, Latin Extended,
//! Greek, Cyrillic), with a ToUnicode map so the text can be searched and extracted. The output is deterministic:
//! the same document renders to the same bytes.

use std::sync::{LazyLock, OnceLock};

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use rust_decimal::Decimal;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use orders_domain::catalogue::VatCategory;
use orders_domain::invoice::{DocumentKind, Invoice};
use orders_domain::order::Address;
use orders_domain::pricing::AdjustmentKind;
use orders_mail::invoice::{document_lang, kind_name};
use orders_mail::invoice_strings::{invoice_strings, InvoiceStrings};
use orders_mail::Lang;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

static REGULAR: LazyLock<Option<Face>> = LazyLock::new(|| Face::new(REGULAR_TTF));
static BOLD: LazyLock<Option<Face>> = LazyLock::new(|| Face::new(BOLD_TTF));
/// A font for what DejaVu Sans lacks (CJK), installed once per process by [`install_fallback_font`].
static FALLBACK: OnceLock<Face> = OnceLock::new();

/// Installs the font used for characters DejaVu Sans does not cover (Chinese, Japanese, Korean): a TrueType
/// font such as Droid Sans Fallback, embedded as a subset like the others. Installed once per process; `false`
/// when the bytes are not a usable font or one is installed already.
pub fn install_fallback_font(bytes: Vec<u8>) -> bool {
    if FALLBACK.get().is_some() {
        return false;
    }
    // The font lives as long as the process (one per container), as the embedded ones do.
    let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    match Face::new(data) {
        Some(face) => FALLBACK.set(face).is_ok(),
        None => false,
    }
}

/// Whether a fallback font is installed.
pub fn has_fallback_font() -> bool {
    FALLBACK.get().is_some()
}

/// Whether `invoice` has text DejaVu Sans cannot show (so a fallback font is worth loading).
pub fn needs_fallback_font(invoice: &Invoice) -> bool {
    let Some(regular) = REGULAR.as_ref() else { return false };
    let texts = [
        invoice.buyer.name.as_str(),
        invoice.delivery_address.name.as_str(),
        invoice.delivery_address.street.as_str(),
        invoice.delivery_address.city.as_str(),
        invoice.seller.name.as_str(),
        invoice.order_number.as_str(),
        invoice.reason.as_deref().unwrap_or_default(),
    ];
    let address = invoice.buyer.address.iter().flat_map(|a| [a.name.as_str(), a.street.as_str(), a.city.as_str()]);
    let lines = invoice.lines.iter().map(|l| l.description.as_str());
    texts.into_iter().chain(address).chain(lines).any(|t| t.chars().any(|c| !c.is_control() && !regular.covers(c)))
        || orders_mail::invoice_strings::invoice_strings(document_lang(invoice))
            .invoice
            .chars()
            .any(|c| !regular.covers(c))
}

/// Rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded fonts could not be read (a build problem).
    #[error("the embedded font is unreadable")]
    Font,
    /// krilla refused the document.
    #[error("PDF: {0}")]
    Render(String),
}

const PAGE_W: f32 = 595.28; // A4 in points; the origin is top left, y grows downwards
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const ROW: f32 = 15.0;
const BODY: f32 = 8.5;
const TABLE_BOTTOM: f32 = PAGE_H - 60.0;

/// A font krilla embeds (as a subset) and skrifa measures.
struct Face {
    font: Font,
    data: &'static [u8],
    units_per_em: f32,
}

impl Face {
    fn new(data: &'static [u8]) -> Option<Self> {
        FontRef::new(data).ok()?;
        let font = Font::new(data.into(), 0)?;
        Some(Self { units_per_em: font.units_per_em(), font, data })
    }

    /// One glyph per character (no kerning or ligatures, which invoices do not need); each glyph keeps its place
    /// in `text`, from which krilla builds the ToUnicode map. A character the font lacks keeps its text (so it
    /// can still be searched) and shows as the font's missing-glyph box.
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let Ok(font) = FontRef::new(self.data) else { return Vec::new() };
        let (charmap, metrics) = (font.charmap(), font.glyph_metrics(Size::unscaled(), LocationRef::default()));
        text.char_indices()
            .map(|(at, c)| {
                let glyph = charmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
                KrillaGlyph::new(GlyphId::new(glyph.to_u32()), advance, 0.0, 0.0, 0.0, at..at + c.len_utf8(), None)
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.x_advance * size).sum()
    }

    /// Whether the font has a glyph for `c`.
    fn covers(&self, c: char) -> bool {
        FontRef::new(self.data).ok().and_then(|font| font.charmap().map(c)).is_some_and(|g| g.to_u32() != 0)
    }
}

struct Pen<'a, 'b> {
    surface: Surface<'a>,
    regular: &'b Face,
    bold: &'b Face,
    fallback: Option<&'b Face>,
}

impl<'b> Pen<'_, 'b> {
    /// `text` in runs of one font each: the regular or bold face, or the fallback for what they lack.
    fn runs<'t>(&self, bold: bool, text: &'t str) -> Vec<(&'b Face, &'t str)> {
        let primary = if bold { self.bold } else { self.regular };
        let pick = |c: char| match self.fallback {
            Some(fallback) if !primary.covers(c) && fallback.covers(c) => fallback,
            _ => primary,
        };
        let mut runs: Vec<(&'b Face, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<&'b Face> = None;
        for (at, c) in text.char_indices() {
            let face = pick(c);
            if let Some(previous) = current.filter(|p| !std::ptr::eq(*p, face)) {
                runs.push((previous, &text[start..at]));
                start = at;
            }
            current = Some(face);
        }
        if let Some(face) = current {
            runs.push((face, &text[start..]));
        }
        runs
    }

    fn width(&self, bold: bool, text: &str, size: f32) -> f32 {
        self.runs(bold, text).iter().map(|(face, run)| face.width(run, size)).sum()
    }

    /// `text` cut to fit `width`, with an ellipsis when cut.
    fn fit(&self, bold: bool, text: &str, size: f32, width: f32) -> String {
        if self.width(bold, text, size) <= width {
            return text.to_owned();
        }
        let mut cut: String = text.to_owned();
        while !cut.is_empty() && self.width(bold, &format!("{cut}…"), size) > width {
            cut.pop();
        }
        format!("{}…", cut.trim_end())
    }

    /// `text` in lines no wider than `width`, broken at spaces (a word wider than a line is cut), at most
    /// `max_lines` (the last cut with an ellipsis when more would be needed).
    fn wrap(&self, bold: bool, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
            if self.width(bold, &candidate, size) <= width || current.is_empty() {
                current = candidate;
            } else {
                lines.push(std::mem::replace(&mut current, word.to_owned()));
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        if lines.len() > max_lines {
            let rest = lines.split_off(max_lines - 1).join(" ");
            lines.push(rest);
        }
        lines.into_iter().map(|line| self.fit(bold, &line, size, width)).collect()
    }

    fn text(&mut self, bold: bool, x: f32, y: f32, size: f32, text: &str) {
        let mut x = x;
        for (face, run) in self.runs(bold, text) {
            let glyphs = face.glyphs(run);
            self.surface.draw_glyphs(Point::from_xy(x, y), &glyphs, face.font.clone(), run, size, false);
            x += face.width(run, size);
        }
    }

    fn text_right(&mut self, bold: bool, right: f32, y: f32, size: f32, text: &str) {
        let width = self.width(bold, text, size);
        self.text(bold, right - width, y, size, text);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            path.push_rect(rect);
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(Some(fill(grey)));
            self.surface.draw_path(&path);
            self.surface.set_fill(None);
        }
    }

    /// A QR code of `payload` as vector squares, `size` points wide, at (x, y).
    fn qr(&mut self, payload: &str, x: f32, y: f32, size: f32) {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M) else { return };
        let modules = code.width();
        let colors = code.to_colors();
        let module = size / modules as f32;
        let mut path = PathBuilder::new();
        for row in 0..modules {
            let mut col = 0;
            while col < modules {
                if colors[row * modules + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < modules && colors[row * modules + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    let rect = Rect::from_xywh(
                        x + start as f32 * module,
                        y + row as f32 * module,
                        (col - start) as f32 * module,
                        module,
                    );
                    if let Some(rect) = rect {
                        path.push_rect(rect);
                    }
                } else {
                    col += 1;
                }
            }
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(Some(fill(0)));
            self.surface.draw_path(&path);
            self.surface.set_fill(None);
        }
    }
}

fn fill(grey: u8) -> Fill {
    Fill { paint: rgb::Color::new(grey, grey, grey).into(), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}

/// The EPC069-12 ("SEPA credit transfer") QR payload for paying `invoice`, when it is a EUR amount due.
pub fn epc_payload(invoice: &Invoice) -> Option<String> {
    if invoice.currency.code() != "EUR"
        || invoice.kind == DocumentKind::CreditNote
        || invoice.totals.payable <= Decimal::ZERO
    {
        return None;
    }
    let mut amount = invoice.totals.payable.round_dp(2);
    amount.rescale(2);
    let name: String = invoice.seller.name.chars().take(70).collect();
    let iban: String = invoice.payment.iban.chars().filter(|c| !c.is_whitespace()).collect();
    Some(format!(
        "BCD\n002\n1\nSCT\n{}\n{name}\n{iban}\nEUR{amount}\n\n\n{}",
        invoice.payment.bic.as_deref().unwrap_or_default(),
        invoice.payment.reference
    ))
}

struct Columns {
    line: f32,
    item: f32,
    description: f32,
    quantity_right: f32,
    price_right: f32,
    discount_right: f32,
    vat_right: f32,
    amount_right: f32,
}

const COLUMNS: Columns = Columns {
    line: MARGIN,
    item: MARGIN + 18.0,
    description: MARGIN + 88.0,
    quantity_right: MARGIN + 272.0,
    price_right: MARGIN + 332.0,
    discount_right: MARGIN + 382.0,
    vat_right: MARGIN + 420.0,
    amount_right: PAGE_W - MARGIN,
};

/// The PDF of `invoice` (an invoice, credit note or debit note), in the buyer's language.
pub fn invoice_pdf(invoice: &Invoice) -> Result<Vec<u8>, PdfError> {
    render(invoice, false)
}

/// A proforma invoice (type 325): the PDF of a document that is not issued: no number series, no tax invoice.
pub fn proforma_pdf(invoice: &Invoice) -> Result<Vec<u8>, PdfError> {
    render(invoice, true)
}

struct Layout {
    /// (first line, end line, table top) per page.
    pages: Vec<(usize, usize, f32)>,
}

const FIRST_TABLE_TOP: f32 = 300.0;
const NEXT_TABLE_TOP: f32 = 110.0;

fn layout(lines: usize, closing_height: f32) -> Layout {
    let per_page = |top: f32| (((TABLE_BOTTOM - top - ROW) / ROW) as usize).max(1);
    let mut pages = Vec::new();
    let (mut start, mut top) = (0, FIRST_TABLE_TOP);
    loop {
        let end = (start + per_page(top)).min(lines);
        pages.push((start, end, top));
        if end >= lines {
            break;
        }
        start = end;
        top = NEXT_TABLE_TOP;
    }
    // the totals and payment block follow the last line; when they do not fit, they get a page of their own
    if let Some(&(start, end, top)) = pages.last() {
        let used = top + ROW * (end - start + 1) as f32;
        if used + closing_height > TABLE_BOTTOM {
            pages.push((end, end, NEXT_TABLE_TOP));
        }
    }
    Layout { pages }
}

fn address_lines(address: &Address) -> Vec<String> {
    let mut lines = vec![address.street.clone()];
    if let Some(more) = address.additional_street.as_ref().filter(|s| !s.trim().is_empty()) {
        lines.push(more.clone());
    }
    lines.push(format!("{} {}", address.postal_code, address.city));
    lines.push(address.country.clone());
    lines
}

fn render(invoice: &Invoice, proforma: bool) -> Result<Vec<u8>, PdfError> {
    let (Some(regular), Some(bold)) = (REGULAR.as_ref(), BOLD.as_ref()) else { return Err(PdfError::Font) };
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

    let settings = SerializeSettings { compress_content_streams: true, xmp_metadata: false, ..Default::default() };
    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(format!("{title} {}", invoice.number))
            .document_id(format!("{}-{}", invoice.tenant, invoice.number)),
    );

    for (index, &(start, end, top)) in pages.iter().enumerate() {
        let Some(size) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            return Err(PdfError::Render("page size".into()));
        };
        let mut page = document.start_page_with(size);
        {
            let mut pen = Pen { surface: page.surface(), regular, bold, fallback: FALLBACK.get() };
            if index == 0 {
                first_page_header(&mut pen, invoice, t, lang, title, proforma);
            } else {
                pen.text(true, MARGIN, 60.0, 14.0, &format!("{title} {}", invoice.number));
                pen.text(false, MARGIN, 78.0, BODY, &format!("{} · {}", invoice.seller.name, invoice.buyer.name));
            }
            // the table header, repeated on every page
            pen.rect(MARGIN, top, PAGE_W - 2.0 * MARGIN, ROW, 225);
            let header_y = top + 10.5;
            pen.text(true, COLUMNS.line + 2.0, header_y, BODY, "#");
            pen.text(true, COLUMNS.item, header_y, BODY, t.item);
            pen.text(true, COLUMNS.description, header_y, BODY, t.description);
            pen.text_right(true, COLUMNS.quantity_right, header_y, BODY, t.quantity);
            pen.text_right(true, COLUMNS.price_right, header_y, BODY, t.unit_price);
            pen.text_right(true, COLUMNS.discount_right, header_y, BODY, t.discount);
            pen.text_right(true, COLUMNS.vat_right, header_y, BODY, t.vat_rate);
            pen.text_right(true, COLUMNS.amount_right, header_y, BODY, t.amount);
            let mut y = top + ROW;
            for line in &invoice.lines[start..end] {
                let baseline = y + 10.5;
                pen.text(false, COLUMNS.line + 2.0, baseline, BODY, &line.line_id.to_string());
                pen.text(false, COLUMNS.item, baseline, BODY, &pen.fit(false, line.sku.as_str(), BODY, 66.0));
                let description_width = COLUMNS.quantity_right - 50.0 - COLUMNS.description;
                pen.text(
                    false,
                    COLUMNS.description,
                    baseline,
                    BODY,
                    &pen.fit(false, &line.description, BODY, description_width),
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
                closing(&mut pen, invoice, t, lang, &totals_rows, y + 12.0, payment, proforma);
            }
            footer(&mut pen, invoice, t, index + 1, total_pages);
            let Pen { surface, .. } = pen;
            surface.finish();
        }
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Render(format!("{e:?}")))
}

/// A unit price with at least the currency's decimals (`10` → `10.00`), more when it has them (`0.125`).
fn price_text(price: Decimal, invoice: &Invoice) -> Decimal {
    let mut price = price.normalize();
    let minor = invoice.currency.minor_units();
    if price.scale() < minor {
        price.rescale(minor);
    }
    price
}

fn vat_label(category: VatCategory, rate: Decimal, lang: Lang) -> String {
    match category {
        VatCategory::S => lang.number(rate.normalize()),
        other => format!("{other:?} {}", lang.number(rate.normalize())),
    }
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
    facts.push((t.order_number, invoice.order_number.clone()));
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

fn footer(pen: &mut Pen<'_, '_>, invoice: &Invoice, t: &InvoiceStrings, page: usize, pages: usize) {
    let y = PAGE_H - 30.0;
    pen.rect(MARGIN, y - 12.0, PAGE_W - 2.0 * MARGIN, 0.5, 190);
    let seller = format!("{} · {} {} · {}", invoice.seller.name, t.vat_id, invoice.seller.vat_id, invoice.seller.email);
    pen.text(false, MARGIN, y, 7.0, &pen.fit(false, &seller, 7.0, 380.0));
    let numbering = t.page.replace("{p}", &page.to_string()).replace("{t}", &pages.to_string());
    pen.text_right(false, PAGE_W - MARGIN, y, 7.0, &numbering);
}

#[cfg(test)]
mod tests {
    use super::*;
    use orders_domain::fixtures;
    use orders_domain::invoice::{draft_invoice, plan_order_invoice};
    use orders_domain::order::{OrderStatus, OrderType};
    use rust_decimal_macros::dec;

    pub(super) fn sample(lines: usize) -> Invoice {
        invoice(lines)
    }

    fn invoice(lines: usize) -> Invoice {
        let skus: Vec<String> = (1..=lines).map(|i| format!("SKU-{i}")).collect();
        let quantities: Vec<(&str, Decimal)> = skus.iter().map(|s| (s.as_str(), dec!(2))).collect();
        let mut order = fixtures::order(OrderType::Purchase, &quantities);
        for line in &mut order.lines {
            line.confirmed_quantity = line.quantity;
            line.shipped_quantity = line.quantity;
        }
        order.status = OrderStatus::Delivered;
        order.buyer.name = "Łukasz Żółć Spółka & Söhne".into();
        let plan = plan_order_invoice(&order, None).expect("plan");
        draft_invoice(&order, &plan, &fixtures::tenant(), "order", time::macros::datetime!(2026-11-30 12:00 UTC))
            .expect("draft")
            .numbered(42)
    }

    #[test]
    fn a_short_invoice_fits_one_page_and_a_long_one_repeats_its_header() {
        let short = invoice_pdf(&invoice(3)).expect("pdf");
        assert!(short.starts_with(b"%PDF-"));
        assert_eq!(layout(3, 200.0).pages.len(), 1);
        let long = layout(80, 200.0);
        assert!(long.pages.len() >= 3, "{:?}", long.pages);
        assert_eq!(long.pages.last().map(|p| p.1), Some(80));
        assert!(invoice_pdf(&invoice(80)).is_ok());
    }

    #[test]
    fn long_names_wrap_at_spaces_instead_of_being_cut() {
        let mut document = krilla::Document::new();
        let Some(size) = PageSettings::from_wh(PAGE_W, PAGE_H) else { panic!("page") };
        let mut page = document.start_page_with(size);
        let (Some(regular), Some(bold)) = (REGULAR.as_ref(), BOLD.as_ref()) else { panic!("fonts") };
        let pen = Pen { surface: page.surface(), regular, bold, fallback: None };
        let name = "Łukasz Żółć Spółka z ograniczoną odpowiedzialnością Oddział w Wilnie (ąęśńź, ėįšųūž)";
        let lines = pen.wrap(true, name, 10.0, 230.0, 3);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), name, "nothing is lost");
        assert!(lines.iter().all(|l| pen.width(true, l, 10.0) <= 230.0));
        let squeezed = pen.wrap(true, name, 10.0, 60.0, 2);
        assert_eq!(squeezed.len(), 2);
        assert!(squeezed[1].ends_with('…'), "beyond the last line it is cut, visibly: {squeezed:?}");
    }

    #[test]
    fn rendering_is_deterministic() {
        let document = invoice(5);
        assert_eq!(invoice_pdf(&document).expect("pdf"), invoice_pdf(&document).expect("pdf"));
    }

    #[test]
    fn the_epc_payload_pays_the_amount_due_to_the_iban() {
        let document = invoice(1);
        let payload = epc_payload(&document).expect("EUR");
        assert_eq!(
            payload,
            "BCD\n002\n1\nSCT\nESSESESS\nSeller AB\nSE4550000000058398257466\nEUR25.00\n\n\nINV-2026-000042"
        );
        assert!(REGULAR.as_ref().is_some_and(|f| f.width("Ł", 10.0) > 0.0), "Latin Extended is covered");
    }
}

#[cfg(test)]
mod preview {
    /// Writes sample PDFs to $ORDERS_PDF_PREVIEW_DIR for a person to look at (skipped when unset).
    #[test]
    fn write_previews() {
        let Some(dir) = std::env::var_os("ORDERS_PDF_PREVIEW_DIR") else { return };
        for lines in [3, 70] {
            let bytes = super::invoice_pdf(&super::tests::sample(lines)).expect("pdf");
            std::fs::write(std::path::Path::new(&dir).join(format!("invoice-{lines}.pdf")), bytes).expect("write");
        }
        let font = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../.local/pdf-fonts-layer/fonts/DroidSansFallbackFull.ttf");
        if let Ok(bytes) = std::fs::read(font) {
            super::install_fallback_font(bytes);
            let mut chinese = super::tests::sample(2);
            chinese.buyer.name = "上海明华贸易有限公司".into();
            chinese.buyer.language = Some(orders_domain::order::Language::parse("zh").expect("zh"));
            let bytes = super::invoice_pdf(&chinese).expect("pdf");
            std::fs::write(std::path::Path::new(&dir).join("invoice-zh.pdf"), bytes).expect("write");
        }
    }
}
