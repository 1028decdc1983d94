//! A small element tree for the UBL documents buyers send: namespaces resolved, entities of the XML specification
//! decoded, and nothing else. A document type declaration is refused outright (no entity of the sender's is ever
//! expanded), and depth and element count are bounded, so a hostile document costs no more than its bytes.

use xmlparser::{ElementEnd, Token, Tokenizer};

/// Deepest nesting accepted (UBL Orders nest about ten deep).
const MAX_DEPTH: usize = 64;
/// Most elements in one document.
const MAX_ELEMENTS: usize = 50_000;

/// The namespaces of UBL 2.1 and the prefixes the Peppol rules name them by.
const PREFIXES: &[(&str, &str)] = &[
    ("urn:oasis:names:specification:ubl:schema:xsd:Order-2", "ubl"),
    ("urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2", "cac"),
    ("urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2", "cbc"),
    ("urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2", "ext"),
];

/// One element: its name as the rules write it (`cbc:ID`; `{uri}local` outside UBL's namespaces), its attributes
/// (`(namespace uri, local name, value)`), its child elements and its own text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Prefixed name, e.g. `cac:OrderLine`.
    pub name: String,
    /// Attributes other than namespace declarations.
    pub attributes: Vec<(String, String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The element's own text (its text nodes joined), decoded.
    pub text: String,
}

impl Element {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The descendant at `path` (child names separated by `/`).
    pub fn at(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |element, name| element.child(name))
    }

    /// The trimmed text of the descendant at `path`, when it has any.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        self.at(path).map(Element::trimmed).filter(|t| !t.is_empty())
    }

    /// The element's text without surrounding white space.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }

    /// The value of the attribute `local` in no namespace.
    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes.iter().find(|(ns, name, _)| ns.is_empty() && name == local).map(|(_, _, v)| v.as_str())
    }
}

/// Why a document is no XML this reader takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotXml(pub String);

/// An attribute as written: prefix, local name, decoded value.
type RawAttribute = (String, String, String);

/// Parses `text` into its root element.
pub fn parse(text: &str) -> Result<Element, NotXml> {
    let mut scopes: Vec<Vec<(String, String)>> = Vec::new();
    let mut open: Vec<(Element, String, String)> = Vec::new(); // element, raw prefix, raw local
    let mut pending: Option<(String, String, Vec<RawAttribute>)> = None;
    let mut root = None;
    let mut count = 0usize;
    for token in Tokenizer::from(text) {
        let token = token.map_err(|e| NotXml(e.to_string()))?;
        match token {
            Token::Declaration { .. } | Token::Comment { .. } | Token::ProcessingInstruction { .. } => {}
            Token::DtdStart { .. }
            | Token::EmptyDtd { .. }
            | Token::EntityDeclaration { .. }
            | Token::DtdEnd { .. } => {
                return Err(NotXml("a document type declaration is not accepted".into()));
            }
            Token::ElementStart { prefix, local, .. } => {
                if root.is_some() {
                    return Err(NotXml("content after the root element".into()));
                }
                count += 1;
                if count > MAX_ELEMENTS || open.len() >= MAX_DEPTH {
                    return Err(NotXml(format!("more than {MAX_ELEMENTS} elements or {MAX_DEPTH} levels")));
                }
                pending = Some((prefix.as_str().to_owned(), local.as_str().to_owned(), Vec::new()));
            }
            Token::Attribute { prefix, local, value, .. } => {
                let Some((_, _, attributes)) = pending.as_mut() else {
                    return Err(NotXml("an attribute outside a start tag".into()));
                };
                attributes.push((prefix.as_str().to_owned(), local.as_str().to_owned(), decode(value.as_str())?));
            }
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open | ElementEnd::Empty => {
                    let (prefix, local, raw) =
                        pending.take().ok_or_else(|| NotXml("a tag end without a start".into()))?;
                    let mut scope = Vec::new();
                    let mut attributes = Vec::new();
                    for (p, l, v) in raw {
                        match (p.as_str(), l.as_str()) {
                            ("", "xmlns") => scope.push((String::new(), v)),
                            ("xmlns", _) => scope.push((l, v)),
                            _ => attributes.push((p, l, v)),
                        }
                    }
                    scopes.push(scope);
                    let mut resolved = Vec::new();
                    for (p, l, v) in attributes {
                        let ns = if p.is_empty() { String::new() } else { resolve(&scopes, &p)? };
                        resolved.push((ns, l, v));
                    }
                    let name = qualified(&resolve(&scopes, &prefix)?, &local);
                    let element = Element { name, attributes: resolved, children: Vec::new(), text: String::new() };
                    if end == ElementEnd::Empty {
                        scopes.pop();
                        close(&mut open, &mut root, element);
                    } else {
                        open.push((element, prefix, local));
                    }
                }
                ElementEnd::Close(prefix, local) => {
                    let (element, p, l) =
                        open.pop().ok_or_else(|| NotXml("a closing tag without an open one".into()))?;
                    if p != prefix.as_str() || l != local.as_str() {
                        return Err(NotXml(format!("</{}> closes <{}>", local.as_str(), l)));
                    }
                    scopes.pop();
                    close(&mut open, &mut root, element);
                }
            },
            Token::Text { text } => {
                let raw = text.as_str();
                match open.last_mut() {
                    Some((element, _, _)) => element.text.push_str(&decode(raw)?),
                    None if raw.trim().is_empty() => {}
                    None => return Err(NotXml("text outside the root element".into())),
                }
            }
            Token::Cdata { text, .. } => match open.last_mut() {
                Some((element, _, _)) => element.text.push_str(text.as_str()),
                None => return Err(NotXml("character data outside the root element".into())),
            },
        }
    }
    if !open.is_empty() {
        return Err(NotXml("the document ends inside an element".into()));
    }
    root.ok_or_else(|| NotXml("no root element".into()))
}

fn close(open: &mut [(Element, String, String)], root: &mut Option<Element>, element: Element) {
    match open.last_mut() {
        Some((parent, _, _)) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn resolve(scopes: &[Vec<(String, String)>], prefix: &str) -> Result<String, NotXml> {
    if prefix == "xml" {
        return Ok("http://www.w3.org/XML/1998/namespace".into());
    }
    scopes
        .iter()
        .rev()
        .flat_map(|scope| scope.iter())
        .find(|(p, _)| p == prefix)
        .map(|(_, uri)| uri.clone())
        .or_else(|| prefix.is_empty().then(String::new))
        .ok_or_else(|| NotXml(format!("the prefix {prefix:?} is not declared")))
}

fn qualified(uri: &str, local: &str) -> String {
    match PREFIXES.iter().find(|(u, _)| *u == uri) {
        Some((_, prefix)) => format!("{prefix}:{local}"),
        None => format!("{{{uri}}}{local}"),
    }
}

/// Decodes the five predefined entities and character references.
fn decode(raw: &str) -> Result<String, NotXml> {
    if !raw.contains('&') {
        return Ok(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').ok_or_else(|| NotXml("an unterminated entity reference".into()))? + at;
        let entity = &rest[at + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or_else(|| NotXml(format!("the entity &{entity}; is not accepted")))?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_through_their_namespaces() {
        let doc = parse(
            r#"<?xml version="1.0"?><Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><b:ID a="1 &amp; 2">A&#x26;B &lt;x&gt;</b:ID><other xmlns="urn:x"/></Order>"#,
        )
        .expect("parses");
        assert_eq!(doc.name, "ubl:Order");
        let id = doc.child("cbc:ID").expect("id");
        assert_eq!(id.text, "A&B <x>");
        assert_eq!(id.attribute("a"), Some("1 & 2"));
        assert_eq!(doc.children[1].name, "{urn:x}other");
    }

    #[test]
    fn declarations_and_broken_documents_are_refused() {
        assert!(parse(r#"<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>"#).is_err());
        assert!(parse("<x><y></x>").is_err());
        assert!(parse("<x>&unknown;</x>").is_err());
        assert!(parse("<p:x/>").is_err());
        assert!(parse("<x/><y/>").is_err());
        assert!(parse(&"<a>".repeat(100)).is_err());
    }
}
