//! The schematron's common pattern for party identifiers (PEPPOL-COMMON-R040…R057): an endpoint id, party
//! identifier or company id of a scheme whose numbers have a shape or check digits is checked against them — GLN
//! (0088), Norwegian (0192), Danish (0184, 0198), Belgian (0208), Swedish (0007) organisation numbers, Australian
//! ABN (0151), Danish SE (0096), Italian IPA codes (0201), Dutch KvK (0106), OIN (0190), VAT ids (9944), Japanese
//! corporate numbers (0217). The Italian tax codes (R045–R047) are still pending. Functions follow the
//! schematron's `u:gln`, `u:mod11`, `u:mod97-0208`, `u:checkSEOrgnr` and `u:abn` step by step.

use super::super::xml::Element;
use super::normalized;

/// The identifier rules `e` (a child of `parent`) breaks.
pub(super) fn broken(e: &Element, parent: Option<&Element>) -> Vec<&'static str> {
    let parent_name = parent.map_or("", |p| p.name.as_str());
    let identifier = e.name == "cbc:EndpointID"
        || (e.name == "cbc:ID" && parent_name == "cac:PartyIdentification")
        || e.name == "cbc:CompanyID";
    let value = normalized(&e.text);
    let raw = e.text.as_str();
    let rule = match e.attribute("schemeID").filter(|_| identifier) {
        Some("0088") => Some(("PEPPOL-COMMON-R040", digits(&value, None) && gln(&value))),
        Some("0192") => Some(("PEPPOL-COMMON-R041", digits(&value, Some(9)) && mod11(&value))),
        Some("0184") => Some(("PEPPOL-COMMON-R042", danish_cvr(raw) || (length(raw) == 8 && all_digits(head(raw, 8))))),
        Some("0096") => Some(("PEPPOL-COMMON-R052", length(raw) == 10 && all_digits(head(raw, 10)))),
        Some("0198") => Some(("PEPPOL-COMMON-R053", danish_cvr(raw))),
        Some("0208") => Some(("PEPPOL-COMMON-R043", digits(&value, Some(10)) && mod97_0208(&value))),
        Some("0201") => {
            Some(("PEPPOL-COMMON-R044", length(&value) == 6 && value.chars().all(|c| c.is_ascii_alphanumeric())))
        }
        Some("0007") => Some(("PEPPOL-COMMON-R049", length(&value) == 10 && swedish_organisation_number(&value))),
        Some("0151") => Some(("PEPPOL-COMMON-R050", digits(&value, Some(11)) && abn(&value))),
        Some("0106") => Some(("PEPPOL-COMMON-R054", digits(&value, Some(8)))),
        Some("0190") => Some(("PEPPOL-COMMON-R055", digits(&value, Some(20)))),
        Some("9944") => Some(("PEPPOL-COMMON-R056-1", dutch_vat_id(&value))),
        Some("0217") => Some(("PEPPOL-COMMON-R057", digits(&value, Some(12)))),
        _ if e.name == "cbc:CompanyID" && parent_name == "cac:PartyTaxScheme" && value.starts_with("NL") => {
            let vat = parent.is_some_and(|p| {
                p.child("cac:TaxScheme").and_then(|s| s.child("cbc:ID")).is_some_and(|id| normalized(&id.text) == "VAT")
            });
            vat.then_some(("PEPPOL-COMMON-R056-2", dutch_vat_id(&value)))
        }
        _ => None,
    };
    match rule {
        Some((rule, false)) => vec![rule],
        _ => Vec::new(),
    }
}

/// XPath's `string-length`: characters.
fn length(text: &str) -> usize {
    text.chars().count()
}

/// XPath's `substring(text, 1, n)`.
fn head(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).map_or(text, |(at, _)| &text[..at])
}

fn all_digits(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_digit())
}

/// `matches(value, '^[0-9]+$')`, or `'^[0-9]{n}$'`.
fn digits(value: &str, n: Option<usize>) -> bool {
    !value.is_empty() && all_digits(value) && n.is_none_or(|n| value.len() == n)
}

/// The digits of `value` as numbers (callers checked they are digits).
fn values(value: &str) -> Vec<u32> {
    value.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// `u:gln`: GS1's check digit, as a GTIN's.
fn gln(value: &str) -> bool {
    crate::catalogue::gs1_check_digit_holds(&values(value))
}

/// `u:mod11` (Norwegian organisation numbers): weights 2…7 from the right, the number not zero.
fn mod11(value: &str) -> bool {
    let digits = values(value);
    let Some((last, body)) = digits.split_last() else { return false };
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| d * (u32::try_from(i % 6).unwrap_or(0) + 2)).sum();
    digits.iter().any(|d| *d > 0) && (11 - sum % 11) % 11 == *last
}

/// `DK` and eight digits, ten characters in all (R042's first form, R053).
fn danish_cvr(raw: &str) -> bool {
    length(raw) == 10 && raw.starts_with("DK") && all_digits(&raw[2..])
}

/// `u:mod97-0208` (Belgian enterprise numbers): the last two digits are 97 − (the first eight mod 97).
fn mod97_0208(value: &str) -> bool {
    let (Ok(body), Ok(check)) = (value[..8].parse::<u64>(), value[8..10].parse::<u64>()) else { return false };
    97 - body % 97 == check
}

/// `u:checkSEOrgnr`: Luhn over the first nine digits, the tenth the check digit.
fn swedish_organisation_number(value: &str) -> bool {
    if !digits(value, Some(10)) {
        return false;
    }
    let digits = values(value);
    let sum: u32 = digits[..9]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { (d * 2) % 10 + (d * 2) / 10 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == digits[9]
}

/// `u:abn`: the first digit less one, weights 10, 1, 3, 5, …, 19, the sum divisible by 89.
fn abn(value: &str) -> bool {
    const WEIGHTS: [i64; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    let digits = values(value);
    let sum: i64 =
        digits.iter().zip(WEIGHTS).enumerate().map(|(i, (d, w))| (i64::from(*d) - i64::from(i == 0)) * w).sum();
    sum.rem_euclid(89) == 0
}

/// `^NL[0-9]{9}B[0-9]{2}$`.
fn dutch_vat_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 14
        && value.starts_with("NL")
        && all_digits(&value[2..11])
        && bytes[11] == b'B'
        && all_digits(&value[12..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_the_schemes() {
        assert!(gln("7300010000001") && !gln("7300010000002"));
        assert!(mod11("987654325") && !mod11("987654321"));
        assert!(swedish_organisation_number("5560360793") && !swedish_organisation_number("5560360794"));
        assert!(mod97_0208("0404621642") && !mod97_0208("0404621643"));
        assert!(abn("51824753556") && !abn("51824753557"));
        assert!(dutch_vat_id("NL123456789B01") && !dutch_vat_id("NL123456789X01"));
        assert!(danish_cvr("DK12345678") && !danish_cvr("DK1234567A"));
    }
}
