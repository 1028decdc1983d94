//! Code 128 (ISO/IEC 15417) barcodes: the despatch number on a delivery note, for the goods-in scanner. Text of
//! printable ASCII is encoded in code set B; an all-digit text of even length in code set C (two digits a
//! symbol, half as wide). The result is the bar and space widths in modules, bar first, ready to draw.

/// Bar and space widths of symbol values 0–105 (six elements, eleven modules each).
const PATTERNS: [&[u8; 6]; 106] = [
    b"212222", b"222122", b"222221", b"121223", b"121322", b"131222", b"122213", b"122312", b"132212", b"221213",
    b"221312", b"231212", b"112232", b"122132", b"122231", b"113222", b"123122", b"123221", b"223211", b"221132",
    b"221231", b"213212", b"223112", b"312131", b"311222", b"321122", b"321221", b"312212", b"322112", b"322211",
    b"212123", b"212321", b"232121", b"111323", b"131123", b"131321", b"112313", b"132113", b"132311", b"211313",
    b"231113", b"231311", b"112133", b"112331", b"132131", b"113123", b"113321", b"133121", b"313121", b"211331",
    b"231131", b"213113", b"213311", b"213131", b"311123", b"311321", b"331121", b"312113", b"312311", b"332111",
    b"314111", b"221411", b"431111", b"111224", b"111422", b"121124", b"121421", b"141122", b"141221", b"112214",
    b"112412", b"122114", b"122411", b"142112", b"142211", b"241211", b"221114", b"413111", b"241112", b"134111",
    b"111242", b"121142", b"121241", b"114212", b"124112", b"124211", b"411212", b"421112", b"421211", b"212141",
    b"214121", b"412121", b"111143", b"111341", b"131141", b"114113", b"114311", b"411113", b"411311", b"113141",
    b"114131", b"311141", b"411131", b"211412", b"211214", b"211232",
];
/// The stop symbol with its termination bar (seven elements, thirteen modules).
const STOP: &[u8; 7] = b"2331112";
const START_B: usize = 104;
const START_C: usize = 105;

/// Why a text has no Code 128 barcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// Nothing to encode.
    #[error("an empty text has no barcode")]
    Empty,
    /// A character outside printable ASCII (code set B has none other).
    #[error("{0:?} cannot be encoded in Code 128 (printable ASCII only)")]
    Unencodable(char),
}

/// A Code 128 barcode: the symbol values (start, data, check) and the element widths, bar first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128 {
    /// Symbol values: the start code, the data, the check symbol (the stop is implied).
    pub values: Vec<usize>,
    /// Bar, space, bar, … widths in modules, from the start symbol to the termination bar (no quiet zones).
    pub widths: Vec<u8>,
}

impl Code128 {
    /// Total width in modules, without quiet zones (each needs ten more on either side).
    pub fn modules(&self) -> u32 {
        self.widths.iter().map(|w| u32::from(*w)).sum()
    }
}

/// Encodes `text`: code set C when it is an even number of digits, code set B otherwise.
pub fn code128(text: &str) -> Result<Code128, BarcodeError> {
    if text.is_empty() {
        return Err(BarcodeError::Empty);
    }
    if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(BarcodeError::Unencodable(c));
    }
    let bytes = text.as_bytes();
    let mut values = if bytes.len() % 2 == 0 && bytes.iter().all(u8::is_ascii_digit) {
        let mut values = vec![START_C];
        values.extend(bytes.chunks(2).map(|pair| usize::from((pair[0] - b'0') * 10 + (pair[1] - b'0'))));
        values
    } else {
        let mut values = vec![START_B];
        values.extend(bytes.iter().map(|b| usize::from(b - b' ')));
        values
    };
    let weighted: usize = values.iter().enumerate().map(|(position, value)| position.max(1) * value).sum();
    values.push(weighted % 103);
    let mut widths: Vec<u8> = values.iter().flat_map(|v| PATTERNS[*v].iter().map(|w| w - b'0')).collect();
    widths.extend(STOP.iter().map(|w| w - b'0'));
    Ok(Code128 { values, widths })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads widths back to text with a table of its own (by the bar/space pattern), checking the start, the
    /// check symbol and the stop: what a scanner does.
    fn scan(widths: &[u8]) -> Option<String> {
        let pattern = |chunk: &[u8]| chunk.iter().map(|w| char::from(b'0' + w)).collect::<String>();
        let (body, stop) = widths.split_at(widths.len().checked_sub(7)?);
        if pattern(stop) != "2331112" || body.len() % 6 != 0 {
            return None;
        }
        let values: Vec<usize> = body
            .chunks(6)
            .map(|chunk| PATTERNS.iter().position(|p| pattern(chunk).as_bytes() == *p))
            .collect::<Option<_>>()?;
        let (check, data) = values[1..].split_last()?;
        let sum: usize = values[0] + data.iter().enumerate().map(|(i, v)| (i + 1) * v).sum::<usize>();
        if sum % 103 != *check {
            return None;
        }
        match values[0] {
            104 => data.iter().map(|v| char::from_u32(*v as u32 + 32)).collect(),
            105 => Some(data.iter().map(|v| format!("{v:02}")).collect()),
            _ => None,
        }
    }

    #[test]
    fn every_symbol_is_eleven_modules_of_alternating_bars_and_the_stop_thirteen() {
        for pattern in PATTERNS {
            assert_eq!(pattern.iter().map(|w| u32::from(w - b'0')).sum::<u32>(), 11);
            // the bars (odd elements) add up to an even count of modules, the parity rule of Code 128
            assert_eq!([0, 2, 4].iter().map(|i| u32::from(pattern[*i] - b'0')).sum::<u32>() % 2, 0);
        }
        assert_eq!(STOP.iter().map(|w| u32::from(w - b'0')).sum::<u32>(), 13);
    }

    #[test]
    fn code_set_b_has_the_published_check_symbol() {
        // "PJJ123C", the worked example of the Code 128 literature: 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5
        // + 19·6 + 35·7 = 879; 879 mod 103 = 55.
        let code = code128("PJJ123C").expect("ascii");
        assert_eq!(code.values, vec![104, 48, 42, 42, 17, 18, 19, 35, 55]);
        assert_eq!(code.modules(), 11 * 9 + 13);
        assert_eq!(scan(&code.widths).as_deref(), Some("PJJ123C"));
    }

    #[test]
    fn even_digit_runs_use_code_set_c_and_odd_ones_code_set_b() {
        let code = code128("123456").expect("digits");
        assert_eq!(code.values[..4], [105, 12, 34, 56]);
        assert_eq!(code.values[4], (105 + 12 + 2 * 34 + 3 * 56) % 103);
        assert_eq!(scan(&code.widths).as_deref(), Some("123456"));
        let odd = code128("12345").expect("digits");
        assert_eq!(odd.values[0], 104);
        assert_eq!(scan(&odd.widths).as_deref(), Some("12345"));
    }

    #[test]
    fn despatch_numbers_round_trip_through_a_scan() {
        for text in ["D-1", "DSP/2026/000017", "a b ~ { }", "0", "00", "X"] {
            let code = code128(text).expect("ascii");
            assert_eq!(scan(&code.widths).as_deref(), Some(text), "{text}");
            // start and check symbol plus one per character (B) or per two digits (C)
            assert_eq!(code.widths.len(), 6 * code.values.len() + 7);
        }
    }

    #[test]
    fn what_code_128_cannot_carry_is_refused() {
        assert_eq!(code128(""), Err(BarcodeError::Empty));
        assert_eq!(code128("Lieferschein Nr. ä"), Err(BarcodeError::Unencodable('ä')));
        assert_eq!(code128("tab\there"), Err(BarcodeError::Unencodable('\t')));
    }
}
