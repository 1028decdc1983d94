//! The error rendering returns.

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
