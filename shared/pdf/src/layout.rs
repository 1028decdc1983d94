//! The page geometry: A4 size, margins, row height, body text size, the line table's columns, and how the
//! lines are spread over pages.

pub(crate) const PAGE_W: f32 = 595.28; // A4 in points; the origin is top left, y grows downwards
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN: f32 = 50.0;
pub(crate) const ROW: f32 = 15.0;
pub(crate) const BODY: f32 = 8.5;
pub(crate) const TABLE_BOTTOM: f32 = PAGE_H - 60.0;

pub(crate) struct Columns {
    pub(crate) line: f32,
    pub(crate) item: f32,
    pub(crate) description: f32,
    pub(crate) quantity_right: f32,
    pub(crate) price_right: f32,
    pub(crate) discount_right: f32,
    pub(crate) vat_right: f32,
    pub(crate) amount_right: f32,
}

pub(crate) const COLUMNS: Columns = Columns {
    line: MARGIN,
    item: MARGIN + 18.0,
    description: MARGIN + 88.0,
    quantity_right: MARGIN + 272.0,
    price_right: MARGIN + 332.0,
    discount_right: MARGIN + 382.0,
    vat_right: MARGIN + 420.0,
    amount_right: PAGE_W - MARGIN,
};

pub(crate) struct Layout {
    /// (first line, end line, table top) per page.
    pub(crate) pages: Vec<(usize, usize, f32)>,
}

pub(crate) const FIRST_TABLE_TOP: f32 = 300.0;
pub(crate) const NEXT_TABLE_TOP: f32 = 110.0;

pub(crate) fn layout(lines: usize, closing_height: f32) -> Layout {
    layout_from(FIRST_TABLE_TOP, lines, closing_height)
}

/// [`layout`] with the first page's table at `first_top`.
pub(crate) fn layout_from(first_top: f32, lines: usize, closing_height: f32) -> Layout {
    let per_page = |top: f32| (((TABLE_BOTTOM - top - ROW) / ROW) as usize).max(1);
    let mut pages = Vec::new();
    let (mut start, mut top) = (0, first_top);
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
