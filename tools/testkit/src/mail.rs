//! Emails SES accepted, their MIME parts and portal links, and the text of PDF attachments.

use devstack::mail::SentEmail;

use crate::TestStack;

impl TestStack {
    /// Emails SES accepted for `order_id` (our Message-IDs start with the order id).
    pub async fn emails_for(&self, order_id: &str) -> Vec<SentEmail> {
        devstack::mail::sent_emails(&self.stack.aws.endpoint, 0)
            .await
            .expect("sent emails")
            .into_iter()
            .filter(|e| e.header("Message-ID").is_some_and(|id| id.trim_start_matches('<').starts_with(order_id)))
            .collect()
    }

    /// The portal link tokens of the buyer emails about `reference` (an order or quote id), oldest first.
    pub async fn portal_link_tokens(&self, reference: &str) -> Vec<String> {
        self.emails_for(reference)
            .await
            .into_iter()
            .map(|e| mime_parts(&e.raw_data).0)
            .filter(|text| text.contains("#link="))
            .map(|text| portal_link_token(&text))
            .collect()
    }
}

/// The portal link token in an email's text (what follows `#link=`); panics without one.
pub fn portal_link_token(text: &str) -> String {
    text.split("#link=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no portal link in {text}"))
        .to_owned()
}

/// The decoded text and HTML parts of a MIME message (quoted-printable or base64, inside any multipart), for
/// assertions.
pub fn mime_parts(raw: &str) -> (String, String) {
    let leaves = mime_leaves(raw.as_bytes());
    let part = |kind: &str| {
        leaves
            .iter()
            .find(|l| l.content_type == kind && l.filename.is_none())
            .map(|l| String::from_utf8_lossy(&l.bytes).into_owned())
            .unwrap_or_default()
    };
    (part("text/plain"), part("text/html"))
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One leaf part of a MIME message, decoded.
#[derive(Debug, Clone)]
pub struct MimeLeaf {
    /// `text/plain`, `application/pdf`, … (lower case, without parameters).
    pub content_type: String,
    /// The attachment's file name, if it has one.
    pub filename: Option<String>,
    /// The decoded body.
    pub bytes: Vec<u8>,
}

fn header_param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.trim().split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Every leaf part of a MIME message (multiparts opened recursively), decoded from base64 or quoted-printable.
pub fn mime_leaves(raw: &[u8]) -> Vec<MimeLeaf> {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let mut leaves = Vec::new();
    collect_leaves(&text, &mut leaves);
    leaves
}

fn collect_leaves(part: &str, leaves: &mut Vec<MimeLeaf>) {
    let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
    // unfold continuation lines, then index the headers by lower-case name
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    let content_type = header("Content-Type").unwrap_or_else(|| "text/plain".into());
    let kind = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if kind.starts_with("multipart/") {
        let Some(boundary) = header_param(&content_type, "boundary") else { return };
        let delimiter = format!("--{boundary}");
        for child in body.split(&delimiter).skip(1) {
            if child.starts_with("--") {
                break;
            }
            collect_leaves(child.trim_start_matches('\n'), leaves);
        }
        return;
    }
    let encoding = header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            use base64::Engine as _;
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(compact).expect("valid base64 part")
        }
        "quoted-printable" => decode_quoted_printable(&body.replace('\n', "\r\n")).into_bytes(),
        _ => body.as_bytes().to_vec(),
    };
    let filename = header("Content-Disposition")
        .and_then(|d| header_param(&d, "filename"))
        .or_else(|| header_param(&content_type, "name"));
    leaves.push(MimeLeaf { content_type: kind, filename, bytes });
}

/// The text of a PDF as pypdf extracts it (from the emulator's venv, `.local/venv`), or `None` (said on stderr)
/// when pypdf is not installed there (a failure under `CI=true`).
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let python = devstack::stack::project_root().join(".local/venv/bin/python");
    if !python.is_file() {
        crate::conformance::cannot_run(&format!("PDF text extraction: no {}", python.display()));
        return None;
    }
    let script = "import sys, pypdf; print('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))";
    let text = crate::stack::python_on_file(python, pdf, "pdf", script, "pypdf");
    Some(String::from_utf8_lossy(&text).into_owned())
}

/// The barcodes on the pages of a PDF as a scanner reads them (`Code128 D-1`): PDFium renders each page, ZXing
/// decodes it. `None` (and, under `CI=true`, a failure) when the emulator's venv is missing.
pub fn pdf_barcodes(pdf: &[u8]) -> Option<Vec<String>> {
    let python = devstack::stack::project_root().join(".local/venv/bin/python");
    if !python.is_file() {
        crate::conformance::cannot_run(&format!("PDF barcode reading: no {}", python.display()));
        return None;
    }
    let script = "import sys, pypdfium2, zxingcpp\n\
        for page in pypdfium2.PdfDocument(sys.argv[1]):\n    \
        for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil()):\n        \
        print(code.format.name + ' ' + code.text)";
    let out = crate::stack::python_on_file(python, pdf, "pdf", script, "pypdfium2 and zxing-cpp");
    Some(String::from_utf8_lossy(&out).lines().map(str::to_owned).collect())
}
