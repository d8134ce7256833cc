//! `dossier.xml`: the form data of a sealed dossier, machine-readable, UTF-8, Unicode NFC
//! (XML 1.0 is compulsory for data messages under Circular 22/2020/TT-BTTTT, Appendix I).
//!
//! The element tree mirrors the dossier's JSON exactly: an object's fields become child
//! elements in the form's field order, a list becomes repeated `<item>` elements, and values
//! are text. The root carries the kind and form version, so a receiving system can pick the
//! schema, and the shape follows the typed forms of [`crate::forms`].

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

use crate::Dossier;

/// The namespace of `dossier.xml`, versioned with its shape.
pub const NAMESPACE: &str = "urn:hoso:dossier:1";

/// Writes the dossier as XML. Every string of a [`Dossier`] is already NFC (forms are read
/// through [`Dossier::from_json`]).
pub fn to_xml(dossier: &Dossier) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    // Writing into a Vec cannot fail; the results are ignored for that reason only.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut root = BytesStart::new("dossier");
    root.push_attribute(("xmlns", NAMESPACE));
    root.push_attribute(("kind", dossier.kind().slug()));
    root.push_attribute(("form-version", dossier.form_version()));
    let _ = w.write_event(Event::Start(root));
    if let Value::Object(map) = dossier.to_json() {
        for (key, value) in &map {
            if key != "kind" && key != "form_version" {
                element(&mut w, key, value);
            }
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("dossier")));
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

fn element(w: &mut Writer<Vec<u8>>, name: &str, value: &Value) {
    let name = name.replace('_', "-");
    match value {
        Value::Null => {
            let _ = w.write_event(Event::Empty(BytesStart::new(name.as_str())));
        }
        Value::Object(map) => {
            let _ = w.write_event(Event::Start(BytesStart::new(name.as_str())));
            for (k, v) in map {
                element(w, k, v);
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name.as_str())));
        }
        Value::Array(items) => {
            let _ = w.write_event(Event::Start(BytesStart::new(name.as_str())));
            for item in items {
                element(w, "item", item);
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name.as_str())));
        }
        Value::String(s) => text(w, &name, s),
        Value::Bool(b) => text(w, &name, if *b { "true" } else { "false" }),
        Value::Number(n) => text(w, &name, &n.to_string()),
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) {
    if value.is_empty() {
        let _ = w.write_event(Event::Empty(BytesStart::new(name)));
        return;
    }
    let _ = w.write_event(Event::Start(BytesStart::new(name)));
    let _ = w.write_event(Event::Text(BytesText::new(value)));
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
}

/// The applicant's tax code as `dossier.xml` states it (what a portal compares with the
/// signer's certificate), read without knowing the rest of the form.
pub fn applicant_tax_code(xml: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(xml).ok()?;
    let doc = roxmltree::Document::parse(text).ok()?;
    let applicant = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((NAMESPACE, "applicant")))?;
    let code = applicant
        .children()
        .find(|n| n.has_tag_name((NAMESPACE, "tax-code")))?;
    code.text().map(|t| t.trim().to_owned())
}

/// The dossier kind `dossier.xml` declares.
pub fn kind(xml: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(xml).ok()?;
    let doc = roxmltree::Document::parse(text).ok()?;
    doc.root_element().attribute("kind").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DossierKind;

    #[test]
    fn dossier_xml_is_well_formed_and_carries_the_applicant() {
        let mut d = Dossier::empty(DossierKind::Trademark, "trademark/tt10-2026-f04");
        d = d.with_field("applicant.tax_code", "0101234565").unwrap();
        d = d
            .with_field("applicant.name", "Công ty <Sao & Mai>")
            .unwrap();
        d = d.with_field("goods.0.class", "9").unwrap();
        d = d.with_field("goods.0.items.0", "Phần mềm").unwrap();
        let xml = to_xml(&d);
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(text.contains("Công ty &lt;Sao &amp; Mai&gt;"), "{text}");
        assert!(text.contains("<class>9</class>"));
        assert_eq!(applicant_tax_code(&xml).as_deref(), Some("0101234565"));
        assert_eq!(kind(&xml).as_deref(), Some("trademark"));
    }
}
