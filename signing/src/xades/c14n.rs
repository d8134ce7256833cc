//! Canonicalisation of one element of a signature file (a `SignedInfo`, a `SignedProperties`)
//! with bergshamra-c14n, the only C14N implementation in Rust without crypto dependencies
//! (shared/DEPENDENCIES.md).
//!
//! bergshamra-c14n selects document subsets through types of crates we do not depend on, so
//! an element is canonicalised as a standalone document: its source text with every namespace
//! in scope declared on it. That is exactly the document subset "the element and its
//! descendants" that XML-DSig canonicalises: inclusive C14N renders every namespace in scope on
//! the apex, exclusive C14N only the visibly used ones, and both then see the same tree.
//! (Inherited `xml:*` attributes, which inclusive C14N would also copy, do not occur in
//! signature files.)

use bergshamra_c14n::C14nMode;

/// The element `node` of `doc` in canonical form.
pub(crate) fn canonical_element(
    doc: &roxmltree::Document<'_>,
    node: roxmltree::Node<'_, '_>,
    mode: C14nMode,
    inclusive_prefixes: &[String],
) -> Result<Vec<u8>, String> {
    check_depth(node)?;
    let text = doc.input_text();
    let range = node.range();
    let source = text
        .get(range.clone())
        .ok_or_else(|| "element outside the document".to_owned())?;
    let start_tag_end = start_tag_end(source).ok_or_else(|| "unterminated start tag".to_owned())?;
    let own = declared_prefixes(&source[..start_tag_end]);
    let mut declarations = String::new();
    for ns in node.namespaces() {
        let prefix = ns.name();
        if prefix == Some("xml") || own.iter().any(|p| p.as_deref() == prefix) {
            continue;
        }
        match prefix {
            Some(p) => declarations.push_str(&format!(" xmlns:{p}=\"{}\"", escape_attr(ns.uri()))),
            None => declarations.push_str(&format!(" xmlns=\"{}\"", escape_attr(ns.uri()))),
        }
    }
    let name_end = source[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map(|i| i + 1)
        .ok_or_else(|| "bad start tag".to_owned())?;
    let standalone = format!(
        "{}{}{}",
        &source[..name_end],
        declarations,
        &source[name_end..]
    );
    bergshamra_c14n::canonicalize(&standalone, mode, None, inclusive_prefixes)
        .map_err(|e| e.to_string())
}

/// Signed elements are a few levels deep; a hostile one nested thousands deep is refused
/// before the (recursive) canonicaliser sees it.
const MAX_DEPTH: usize = 64;

fn check_depth(node: roxmltree::Node<'_, '_>) -> Result<(), String> {
    let mut depths = std::collections::HashMap::new();
    depths.insert(node.id(), 0usize);
    for d in node.descendants().skip(1) {
        let depth = d
            .parent()
            .and_then(|p| depths.get(&p.id()))
            .map_or(0, |p| p + 1);
        if depth > MAX_DEPTH {
            return Err("elements nested too deeply".into());
        }
        depths.insert(d.id(), depth);
    }
    Ok(())
}

/// Where the start tag ends (after its `>`), skipping quoted attribute values.
fn start_tag_end(source: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in source.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The prefixes an element's start tag declares itself (`None` for the default namespace).
fn declared_prefixes(start_tag: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut token = String::new();
    for c in start_tag.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() || c == '=' || c == '>' || c == '/' => {
                if token == "xmlns" {
                    out.push(None);
                } else if let Some(p) = token.strip_prefix("xmlns:") {
                    out.push(Some(p.to_owned()));
                }
                token.clear();
            }
            (None, c) => token.push(c),
        }
    }
    out
}

/// An attribute value as C14N writes it.
pub(crate) fn escape_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Character data as C14N writes it.
pub(crate) fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_element_gets_the_namespaces_in_scope_of_its_ancestors() {
        let xml = "<a:r xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"><b:x  Z=\"1\" A='2'><b:y/></b:x></a:r>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        let x = doc.descendants().find(|n| n.has_tag_name("x")).unwrap();
        let c = canonical_element(&doc, x, C14nMode::Inclusive, &[]).unwrap();
        assert_eq!(
            String::from_utf8(c).unwrap(),
            "<b:x xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" A=\"2\" Z=\"1\"><b:y></b:y></b:x>"
        );
        let c = canonical_element(&doc, x, C14nMode::Exclusive, &[]).unwrap();
        assert_eq!(
            String::from_utf8(c).unwrap(),
            "<b:x xmlns:b=\"urn:b\" A=\"2\" Z=\"1\"><b:y></b:y></b:x>"
        );
    }

    #[test]
    fn own_declarations_are_not_repeated() {
        let xml = "<r xmlns=\"urn:d\" xmlns:a=\"urn:a\"><a:x xmlns:a=\"urn:a\" t=\"&gt;\"/></r>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        let x = doc.descendants().find(|n| n.has_tag_name("x")).unwrap();
        let c = canonical_element(&doc, x, C14nMode::Inclusive, &[]).unwrap();
        assert_eq!(
            String::from_utf8(c).unwrap(),
            "<a:x xmlns=\"urn:d\" xmlns:a=\"urn:a\" t=\">\"></a:x>"
        );
    }
}
