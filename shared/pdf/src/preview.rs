//! Sample PDFs for a person to look at (`make pdf-previews`): not a check, so not run by `make test`.

/// Writes sample PDFs to $ORDERS_PDF_PREVIEW_DIR for a person to look at.
#[test]
#[ignore = "writes sample PDFs for a person to look at: make pdf-previews"]
fn write_previews() {
    let dir = std::env::var_os("ORDERS_PDF_PREVIEW_DIR").expect("ORDERS_PDF_PREVIEW_DIR names where to write");
    for lines in [3, 70] {
        let bytes = super::invoice_pdf(&super::tests::sample(lines)).expect("pdf");
        std::fs::write(std::path::Path::new(&dir).join(format!("invoice-{lines}.pdf")), bytes).expect("write");
    }
    for lines in [4, 60] {
        let note = super::tests::delivery_note_sample(lines);
        let bytes = super::delivery_note_pdf(&note, orders_mail::Lang::En).expect("pdf");
        std::fs::write(std::path::Path::new(&dir).join(format!("delivery-note-{lines}.pdf")), bytes).expect("write");
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
