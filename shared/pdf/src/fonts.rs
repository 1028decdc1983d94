//! The fonts: DejaVu Sans regular and bold, embedded in the binary, and the fallback font installed at run time
//! for what they lack (CJK); `Face` pairs the font krilla embeds with the skrifa view that measures it.

use std::sync::{LazyLock, OnceLock};

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use orders_domain::invoice::Invoice;
use orders_mail::invoice::document_lang;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

pub(crate) static REGULAR: LazyLock<Option<Face>> = LazyLock::new(|| Face::new(REGULAR_TTF));
pub(crate) static BOLD: LazyLock<Option<Face>> = LazyLock::new(|| Face::new(BOLD_TTF));
/// A font for what DejaVu Sans lacks (CJK), installed once per process by [`install_fallback_font`].
pub(crate) static FALLBACK: OnceLock<Face> = OnceLock::new();

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

/// Whether any of `texts` has a character DejaVu Sans cannot show.
pub(crate) fn any_needs_fallback<'a>(mut texts: impl Iterator<Item = &'a str>) -> bool {
    let Some(regular) = REGULAR.as_ref() else { return false };
    texts.any(|t| t.chars().any(|c| !c.is_control() && !regular.covers(c)))
}

/// A font krilla embeds (as a subset) and skrifa measures.
pub(crate) struct Face {
    pub(crate) font: Font,
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
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
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

    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.x_advance * size).sum()
    }

    /// Whether the font has a glyph for `c`.
    pub(crate) fn covers(&self, c: char) -> bool {
        FontRef::new(self.data).ok().and_then(|font| font.charmap().map(c)).is_some_and(|g| g.to_u32() != 0)
    }
}
