//! A bundle of archived documents: a POSIX tar file (ustar, with a pax `path` record for a name ustar cannot
//! hold), written by hand so the archive needs no dependency and any `tar` reads it. Each entry is one document,
//! named by its archive key, so extracting every bundle of a tenant gives one file per document under the names
//! the documents carry (docs/decisions/0014-document-bundles.md).

/// The size of a tar block; headers are one block, contents are padded to whole blocks.
const BLOCK: usize = 512;

/// A tar file being built, entry by entry.
#[derive(Debug, Default)]
pub struct Bundle {
    bytes: Vec<u8>,
    entries: usize,
}

impl Bundle {
    /// Adds a regular file `name` (a relative path, `/`-separated) with `contents`, modified at `mtime` (Unix
    /// seconds).
    pub fn add(&mut self, name: &str, contents: &[u8], mtime: u64) {
        let (prefix, short_name) = match ustar_split(name) {
            Some(split) => split,
            None => {
                // A pax extended header carries the whole name; the ustar fields keep a readable stand-in.
                let record = pax_record("path", name);
                self.push_entry(&header("", "PaxHeader", record.len() as u64, mtime, b'x'), record.as_bytes());
                ("", truncated(name))
            }
        };
        self.push_entry(&header(prefix, short_name, contents.len() as u64, mtime, b'0'), contents);
        self.entries += 1;
    }

    /// How many files the bundle holds.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// The tar file: the entries and the two zero blocks that end an archive.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.resize(self.bytes.len() + 2 * BLOCK, 0);
        self.bytes
    }

    fn push_entry(&mut self, header: &[u8; BLOCK], contents: &[u8]) {
        self.bytes.extend_from_slice(header);
        self.bytes.extend_from_slice(contents);
        let padding = (BLOCK - contents.len() % BLOCK) % BLOCK;
        self.bytes.resize(self.bytes.len() + padding, 0);
    }
}

/// `name` as ustar's `prefix` (≤ 155 bytes) and `name` (≤ 100 bytes) fields, split at a `/`; `None` when it does not
/// fit.
fn ustar_split(name: &str) -> Option<(&str, &str)> {
    if name.len() <= 100 {
        return Some(("", name));
    }
    name.char_indices()
        .filter(|&(at, c)| c == '/' && at <= 155 && name.len() - at - 1 <= 100 && at + 1 < name.len())
        .map(|(at, _)| (&name[..at], &name[at + 1..]))
        .next()
}

/// The first 100 bytes of `name`, cut at a character boundary.
fn truncated(name: &str) -> &str {
    let mut end = name.len().min(100);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// One pax record, `"<length> <key>=<value>\n"`, where the length counts the whole record, itself included.
fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut length = body.len() + 1;
    while length.to_string().len() + body.len() != length {
        length = length.to_string().len() + body.len();
    }
    format!("{length}{body}")
}

/// A ustar header block.
fn header(prefix: &str, name: &str, size: u64, mtime: u64, kind: u8) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    put(&mut block[0..100], name.as_bytes());
    put(&mut block[100..108], b"0000644\0");
    put(&mut block[108..116], b"0000000\0");
    put(&mut block[116..124], b"0000000\0");
    put(&mut block[124..136], format!("{size:011o}\0").as_bytes());
    put(&mut block[136..148], format!("{:011o}\0", mtime.min(0o777_7777_7777)).as_bytes());
    block[148..156].fill(b' ');
    block[156] = kind;
    put(&mut block[257..265], b"ustar\x0000");
    put(&mut block[345..500], prefix.as_bytes());
    let checksum: u32 = block.iter().map(|&b| u32::from(b)).sum();
    put(&mut block[148..156], format!("{checksum:06o}\0 ").as_bytes());
    block
}

/// Copies `value` into the start of `field` (the callers keep it within the field).
fn put(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the entries back: (name, contents), following pax `path` records.
    fn entries(tar: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut found = Vec::new();
        let mut at = 0;
        let mut long_name = None;
        while at + BLOCK <= tar.len() && tar[at..at + BLOCK].iter().any(|&b| b != 0) {
            let block = &tar[at..at + BLOCK];
            let field = |r: std::ops::Range<usize>| {
                String::from_utf8(block[r].iter().copied().take_while(|&b| b != 0).collect()).expect("text")
            };
            let stored: u32 = u32::from_str_radix(field(148..154).trim(), 8).expect("octal checksum");
            let mut blank = block.to_vec();
            blank[148..156].fill(b' ');
            assert_eq!(stored, blank.iter().map(|&b| u32::from(b)).sum::<u32>(), "checksum");
            assert_eq!(&block[257..263], b"ustar\0");
            let size = usize::from_str_radix(field(124..135).trim(), 8).expect("octal size");
            let contents = tar[at + BLOCK..at + BLOCK + size].to_vec();
            let (prefix, name) = (field(345..500), field(0..100));
            match block[156] {
                b'x' => {
                    let text = String::from_utf8(contents).expect("pax text");
                    let (length, record) = text.split_once(' ').expect("pax record");
                    assert_eq!(length.parse::<usize>().expect("length"), text.len(), "the length counts itself");
                    long_name = Some(record.trim_end().strip_prefix("path=").expect("path").to_owned());
                }
                _ => {
                    let full = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
                    found.push((long_name.take().unwrap_or(full), contents));
                }
            }
            at += BLOCK + size.div_ceil(BLOCK) * BLOCK;
        }
        assert_eq!(tar.len() - at, 2 * BLOCK, "two zero blocks end the archive");
        found
    }

    #[test]
    fn entries_keep_their_names_and_bytes_whatever_the_name_length() {
        let short = "tenant=t1/orders/ord_1/order-response-v000002.xml";
        let split = format!("tenant=t1/orders/ord_{}/despatch-advice-{}.xml", "a".repeat(32), "D".repeat(60));
        let long = format!("tenant=t1/orders/ord_1/despatch-advice-{}.xml", "%2F".repeat(60));
        let mut bundle = Bundle::default();
        bundle.add(short, b"<OrderResponse/>", 1_764_000_000);
        bundle.add(&split, &[b'x'; 1024], 1_764_000_001);
        bundle.add(&long, b"", 1_764_000_002);
        assert_eq!(bundle.len(), 3);
        let tar = bundle.finish();
        assert_eq!(tar.len() % BLOCK, 0);
        let read = entries(&tar);
        let names: Vec<&str> = read.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [short, split.as_str(), long.as_str()]);
        assert_eq!(read[0].1, b"<OrderResponse/>");
        assert_eq!(read[1].1, vec![b'x'; 1024]);
        assert!(read[2].1.is_empty());
    }

    #[test]
    fn a_pax_record_counts_its_own_length() {
        for value in ["a", &"b".repeat(85), &"c".repeat(994), &"d".repeat(9_990)] {
            let record = pax_record("path", value);
            let (length, _) = record.split_once(' ').expect("record");
            assert_eq!(length.parse::<usize>().ok(), Some(record.len()), "{}", record.len());
        }
    }

    #[test]
    fn names_split_at_a_slash_into_ustar_fields() {
        assert_eq!(ustar_split("a/b.xml"), Some(("", "a/b.xml")));
        let name = format!("{}/{}", "p".repeat(120), "n".repeat(90));
        assert_eq!(ustar_split(&name), Some((&name[..120], &name[121..])));
        assert_eq!(ustar_split(&"n".repeat(101)), None, "no slash to split at");
        assert_eq!(ustar_split(&format!("{}/{}", "p".repeat(160), "n".repeat(90))), None);
    }
}
