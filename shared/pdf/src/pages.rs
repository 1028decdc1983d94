//! What every document of this crate does the same way: an A4 document with its title and id, one page per laid-out
//! page with a pen on it, the continuation header of pages after the first, and the footer with the page numbers.

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};

use crate::error::PdfError;
use crate::fonts::{BOLD, FALLBACK, REGULAR};
use crate::layout::{BODY, MARGIN, PAGE_H, PAGE_W};
use crate::pen::Pen;

/// Renders a document titled `title` (with `document_id`) of `pages` (first line, end line, table top): `draw`
/// draws page `index` of them with the pen it is given.
pub(crate) fn render_pages(
    title: String,
    document_id: String,
    pages: &[(usize, usize, f32)],
    mut draw: impl FnMut(&mut Pen<'_, '_>, usize, (usize, usize, f32)),
) -> Result<Vec<u8>, PdfError> {
    let (Some(regular), Some(bold)) = (REGULAR.as_ref(), BOLD.as_ref()) else { return Err(PdfError::Font) };
    let settings = SerializeSettings { compress_content_streams: true, xmp_metadata: false, ..Default::default() };
    let mut document = Document::new_with(settings);
    document.set_metadata(Metadata::new().title(title).document_id(document_id));
    for (index, &page_lines) in pages.iter().enumerate() {
        let Some(size) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            return Err(PdfError::Render("page size".into()));
        };
        let mut page = document.start_page_with(size);
        {
            let mut pen = Pen { surface: page.surface(), regular, bold, fallback: FALLBACK.get() };
            draw(&mut pen, index, page_lines);
            let Pen { surface, .. } = pen;
            surface.finish();
        }
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Render(format!("{e:?}")))
}

/// The top of a page after the first: the document's title and who it is between.
pub(crate) fn continuation_header(pen: &mut Pen<'_, '_>, title: &str, parties: &str) {
    pen.text(true, MARGIN, 60.0, 14.0, title);
    pen.text(false, MARGIN, 78.0, BODY, parties);
}

/// The footer: a rule, `left` (cut to fit) and "Page p of t" (`numbering` with `{p}` and `{t}`) on the right.
pub(crate) fn footer(pen: &mut Pen<'_, '_>, left: &str, numbering: &str, page: usize, pages: usize) {
    let y = PAGE_H - 30.0;
    pen.rect(MARGIN, y - 12.0, PAGE_W - 2.0 * MARGIN, 0.5, 190);
    pen.text(false, MARGIN, y, 7.0, &pen.fit(false, left, 7.0, 380.0));
    let numbering = numbering.replace("{p}", &page.to_string()).replace("{t}", &pages.to_string());
    pen.text_right(false, PAGE_W - MARGIN, y, 7.0, &numbering);
}
