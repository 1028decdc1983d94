//! The heuristic behind `no_wildcard_arm_on_order_status`: finds `match` blocks on an `OrderStatus` that end in a
//! catch-all arm.
//!
//! 1. Comments, string and char literals are blanked out (newlines kept, so line numbers stay right).
//! 2. Each `match` keyword's block is the first `{` after it outside parentheses, up to its closing `}`.
//! 3. Its arms are split at nesting level 0 of the block: an arm's pattern is the text between the previous `,`
//!    (or a `}` that closes back to level 0, or the opening `{`) and its `=>`. Struct patterns are cut at their `}`.
//! 4. The block is "on `OrderStatus`" when a pattern names `OrderStatus::`; it is flagged when another pattern is
//!    a bare `_` or a lone lower-case binding (`other`, `status`) — guarded arms (`_ if …`) are not catch-alls.
//!
//! Not seen: a `_` in one position of a tuple scrutinee (`(_, true) =>`), arms naming variants without the
//! `OrderStatus::` prefix (`use OrderStatus::*`, `Self::` inside `impl OrderStatus`, a type alias), `matches!`,
//! `==` and `if let`, and macros that build `match` blocks.

use std::path::Path;

/// Appends `path:line: …` for each catch-all arm of a `match` on `OrderStatus` in the `*.rs` files under `dir`.
pub(super) fn scan_dir(root: &Path, dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() && name != "target" && !name.starts_with('.') {
            scan_dir(root, &path, found);
        } else if name.ends_with(".rs") {
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            found.extend(catch_all_arms(&source).into_iter().map(|(line, arm)| format!("{shown}:{line}: `{arm} =>`")));
        }
    }
}

/// The catch-all arms (line, pattern) of the `match` blocks on `OrderStatus` in `source`.
pub(super) fn catch_all_arms(source: &str) -> Vec<(usize, String)> {
    let code = blank(source);
    let line_of = |at: usize| code[..at].iter().filter(|&&c| c == '\n').count() + 1;
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for start in 0..code.len() {
        let word = code[start..].iter().take(6).collect::<String>();
        if !word.starts_with("match") || !word[5..].starts_with(|c: char| c.is_whitespace() || c == '(') {
            continue;
        }
        if start > 0 && (is_ident(code[start - 1]) || code[start - 1] == '.') {
            continue;
        }
        let (mut depth, mut at) = (0i32, start + 5);
        while at < code.len() && !(depth == 0 && code[at] == '{') {
            depth += i32::from(matches!(code[at], '(' | '[')) - i32::from(matches!(code[at], ')' | ']'));
            at += 1;
        }
        let (mut arms, mut pattern, mut depth) = (Vec::new(), String::new(), 0i32);
        for i in at + 1..code.len() {
            let c = code[i];
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 && (c == ',' || c == '}') {
                pattern.clear(); // the end of an arm, or of a block in an arm's body
            } else if depth == 0 && c == '=' && code.get(i + 1) == Some(&'>') {
                arms.push((line_of(i), pattern.trim().to_owned()));
                pattern.clear(); // the body follows; it ends in one of the clears above
            } else {
                pattern.push(c);
            }
        }
        if arms.iter().any(|(_, p)| p.contains("OrderStatus::")) {
            let catch_all =
                |p: &str| p == "_" || (p.starts_with(|c: char| c.is_lowercase()) && p.chars().all(is_ident));
            found.extend(arms.into_iter().filter(|(_, p)| catch_all(p)));
        }
    }
    found
}

/// `source` as chars with comments, string literals and char literals replaced by spaces (newlines kept).
fn blank(source: &str) -> Vec<char> {
    let mut code: Vec<char> = source.chars().collect();
    let mut i = 0;
    let wipe = |code: &mut [char], from: usize, to: usize| {
        let to = to.min(code.len());
        for c in &mut code[from..to] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    while i < code.len() {
        let rest = |k: usize| code.get(i + k).copied().unwrap_or(' ');
        let end = if code[i] == '/' && rest(1) == '/' {
            (i..code.len()).find(|&k| code[k] == '\n').unwrap_or(code.len())
        } else if code[i] == '/' && rest(1) == '*' {
            let mut depth = 0;
            let mut k = i;
            while k + 1 < code.len() {
                if code[k] == '/' && code[k + 1] == '*' {
                    depth += 1;
                    k += 1;
                } else if code[k] == '*' && code[k + 1] == '/' {
                    depth -= 1;
                    k += 1;
                    if depth == 0 {
                        break;
                    }
                }
                k += 1;
            }
            k + 1
        } else if code[i] == 'r'
            && (rest(1) == '"' || rest(1) == '#')
            && (i == 0 || !code[i - 1].is_alphanumeric() || code[i - 1] == 'b')
        {
            let hashes = (1..).take_while(|&k| rest(k) == '#').count();
            if rest(1 + hashes) != '"' {
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            (i + 2 + hashes..code.len())
                .find(|&k| code[k..].starts_with(&close))
                .map_or(code.len(), |k| k + close.len())
        } else if code[i] == '"' {
            let mut k = i + 1;
            while k < code.len() && code[k] != '"' {
                k += if code[k] == '\\' { 2 } else { 1 };
            }
            k + 1
        } else if code[i] == '\'' && rest(1) == '\\' {
            (i + 3..code.len()).find(|&k| code[k] == '\'').map_or(code.len(), |k| k + 1)
        } else if code[i] == '\'' && rest(2) == '\'' {
            i + 3
        } else {
            i += 1;
            continue;
        };
        wipe(&mut code, i, end);
        i = end;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::catch_all_arms;

    #[test]
    fn flags_catch_alls_on_order_status_only() {
        let source = r#"
fn a(s: OrderStatus) -> u8 {
    match s {
        OrderStatus::Received | OrderStatus::PendingResponse => {
            let t = match x { Some(_) => 1, _ => 2 }; // "_ =>" in a comment
            t
        }
        OrderStatus::Rejected if '{' == '}' => 3,
        _ if ready => 4,
        other => { let _ = other; 5 }
    }
}
fn b(d: Decision) -> OrderStatus {
    match d { Decision::Reject => OrderStatus::Rejected, _ => OrderStatus::Accepted }
}
fn c(s: OrderStatus) -> bool { match s { OrderStatus::Closed => "_ =>".is_empty(), _ => false } }
"#;
        assert_eq!(catch_all_arms(source), vec![(10, "other".to_owned()), (16, "_".to_owned())]);
    }
}
