//! Validation errors that point at the offending field with a JSON Pointer (RFC 6901).

use std::fmt;

/// One broken rule, located by a JSON Pointer into the request body (`/lines/2/quantity`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) to the field, `""` for the whole document.
    pub pointer: String,
    /// What is wrong, in words a webshop developer can act on.
    pub detail: String,
}

impl FieldError {
    /// A problem at `pointer`.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), detail: detail.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.detail)
    }
}

/// Collects every problem of a request so the client can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem at `pointer`.
    pub fn push(&mut self, pointer: impl Into<String>, detail: impl Into<String>) {
        self.0.push(FieldError::new(pointer, detail));
    }

    /// Records the error of `result` (if any) and returns its value.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded problems.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// The recorded problems, by reference.
    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(value)` when nothing was recorded, else every problem.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }
}

/// Whether `c` may not be in text a person typed (names, numbers, notes, messages): control characters (but line
/// breaks and tabs in `multiline` text), the bidirectional overrides, embeddings and isolates (U+202A–U+202E,
/// U+2066–U+2069) and marks (U+200E, U+200F, U+061C) that make text read otherwise than it is stored, the byte
/// order mark, and the noncharacters U+FFFE and U+FFFF (never valid in XML).
pub fn is_forbidden_text_char(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\t' => !multiline,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => true,
        '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => true,
        c => c.is_control(),
    }
}

/// Why `text` may not be stored (see [`is_forbidden_text_char`]), if it may not.
pub fn text_problem(text: &str, multiline: bool) -> Option<&'static str> {
    text.chars().find(|c| is_forbidden_text_char(*c, multiline)).map(|c| {
        if c.is_control() {
            if multiline {
                "must not contain control characters other than line breaks and tabs"
            } else {
                "must not contain line breaks or control characters"
            }
        } else {
            "must not contain bidirectional or other invisible formatting characters (U+202A–U+202E, U+2066–U+2069, \
             U+200E, U+200F, U+061C, U+FEFF) or noncharacters"
        }
    })
}

/// Escapes one reference token of a JSON Pointer (`~` → `~0`, `/` → `~1`).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_refuses_what_reads_otherwise_than_it_is_stored() {
        assert_eq!(text_problem("Kontorsmöbler Syd AB 办公", false), None);
        assert_eq!(text_problem("two\nlines\tand a tab", true), None);
        assert!(text_problem("two\nlines", false).is_some());
        assert!(text_problem("bell\u{7}", true).is_some());
        for bidi in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            let text = format!("invoice{bidi}fdp.exe");
            assert!(text_problem(&text, true).is_some_and(|p| p.contains("bidirectional")), "{:?}", bidi);
        }
        for other in ['\u{200E}', '\u{200F}', '\u{061C}', '\u{FEFF}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(text_problem(&format!("a{other}b"), false).is_some(), "{other:?}");
        }
    }
}
