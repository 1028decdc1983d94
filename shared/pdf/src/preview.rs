//! Sample PDFs for a person to look at, written when $ORDERS_PDF_PREVIEW_DIR is set.

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
