//! Just enough of a PDF reader to append a signature to a file we made: the classic
//! cross-reference tables and trailers (following `/Prev`), indirect objects, and the object
//! syntax (ISO 32000-1, 7.2–7.5).
//!
//! We only sign PDFs our own renderer wrote (krilla: classic xref, no object streams, no
//! encryption), so this is ~400 lines instead of lopdf: cross-reference streams, object streams
//! and encryption are refused with [`PadesError::Unsupported`]. Reading foreign PDFs is
//! lopdf's job if it is ever needed (shared/DEPENDENCIES.md).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::PadesError;

/// Nesting limit for arrays and dictionaries: deeper input is malformed or hostile.
const MAX_DEPTH: usize = 64;

fn malformed(what: impl Into<String>) -> PadesError {
    PadesError::Malformed(what.into())
}

/// A PDF object. Strings keep the byte range of their token (delimiters included), so they can
/// be written back exactly and a signature's `/Contents` can be located in the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Object {
    Null,
    Bool(bool),
    /// A number as written (integers and reals alike).
    Number(String),
    /// A name, `#xx` escapes decoded, without the slash.
    Name(Vec<u8>),
    Str {
        value: Vec<u8>,
        token: Range<usize>,
    },
    Array(Vec<Object>),
    Dict(Dict),
    Ref(ObjRef),
}

/// An indirect reference: object number and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ObjRef {
    pub(crate) num: u32,
    pub(crate) gen_: u16,
}

/// A dictionary, in the order read (written back in the same order).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Dict(pub(crate) Vec<(Vec<u8>, Object)>);

impl Dict {
    pub(crate) fn get(&self, key: &str) -> Option<&Object> {
        self.0
            .iter()
            .find(|(k, _)| k == key.as_bytes())
            .map(|(_, v)| v)
    }

    pub(crate) fn set(&mut self, key: &str, value: Object) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key.as_bytes()) {
            slot.1 = value;
        } else {
            self.0.push((key.as_bytes().to_vec(), value));
        }
    }

    pub(crate) fn name(&self, key: &str) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }
}

impl Object {
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Object::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// Writes the object in PDF syntax; strings are copied from `src` as they were written.
    pub(crate) fn write(&self, src: &[u8], out: &mut Vec<u8>) {
        match self {
            Object::Null => out.extend_from_slice(b"null"),
            Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Object::Number(n) => out.extend_from_slice(n.as_bytes()),
            Object::Name(n) => write_name(n, out),
            Object::Str { token, .. } => {
                out.extend_from_slice(src.get(token.clone()).unwrap_or(b"()"))
            }
            Object::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    item.write(src, out);
                }
                out.push(b']');
            }
            Object::Dict(d) => d.write(src, out),
            Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.gen_).as_bytes()),
        }
    }
}

impl Dict {
    pub(crate) fn write(&self, src: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"<<");
        for (k, v) in &self.0 {
            write_name(k, out);
            out.push(b' ');
            v.write(src, out);
        }
        out.extend_from_slice(b">>");
    }
}

fn write_name(name: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &b in name {
        if b.is_ascii_graphic() && !is_delimiter(b) && b != b'#' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A cursor over the file's bytes.
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn at(data: &'a [u8], pos: usize) -> Lexer<'a> {
        Lexer { data, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A run of regular characters: a keyword or a number.
    fn word(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    fn expect_word(&mut self, word: &[u8]) -> Result<(), PadesError> {
        if self.word() == word {
            Ok(())
        } else {
            Err(malformed(format!(
                "expected `{}` at byte {}",
                String::from_utf8_lossy(word),
                self.pos
            )))
        }
    }

    fn unsigned(&mut self) -> Option<u64> {
        let w = self.word();
        if w.is_empty() || !w.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(w).ok()?.parse().ok()
    }

    pub(crate) fn object(&mut self) -> Result<Object, PadesError> {
        self.value(0)
    }

    fn value(&mut self, depth: usize) -> Result<Object, PadesError> {
        if depth > MAX_DEPTH {
            return Err(malformed("objects nested too deeply"));
        }
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            None => Err(malformed("unexpected end of file")),
            Some(b'/') => {
                self.pos += 1;
                Ok(Object::Name(self.name()?))
            }
            Some(b'(') => {
                let value = self.literal_string()?;
                Ok(Object::Str {
                    value,
                    token: start..self.pos,
                })
            }
            Some(b'<') if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dict::default();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            return Ok(Object::Dict(dict));
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.name()?;
                            let value = self.value(depth + 1)?;
                            dict.0.push((key, value));
                        }
                        _ => return Err(malformed(format!("bad dictionary at byte {}", self.pos))),
                    }
                }
            }
            Some(b'<') => {
                let value = self.hex_string()?;
                Ok(Object::Str {
                    value,
                    token: start..self.pos,
                })
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            Some(_) => {
                let word = self.word();
                match word {
                    b"null" => Ok(Object::Null),
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    w if is_number(w) => {
                        let number = String::from_utf8_lossy(w).into_owned();
                        // `num gen R`?
                        if w.iter().all(u8::is_ascii_digit) {
                            let after = self.pos;
                            if let Some(generation) = self.unsigned()
                                && self.word() == b"R"
                            {
                                let num = number
                                    .parse()
                                    .map_err(|_| malformed("object number out of range"))?;
                                let gen_ = u16::try_from(generation)
                                    .map_err(|_| malformed("generation out of range"))?;
                                return Ok(Object::Ref(ObjRef { num, gen_ }));
                            }
                            self.pos = after;
                        }
                        Ok(Object::Number(number))
                    }
                    _ => Err(malformed(format!(
                        "unexpected `{}` at byte {start}",
                        String::from_utf8_lossy(word)
                    ))),
                }
            }
        }
    }

    fn name(&mut self) -> Result<Vec<u8>, PadesError> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let hex = self
                    .data
                    .get(self.pos..self.pos + 2)
                    .ok_or_else(|| malformed("bad name escape"))?;
                let s = std::str::from_utf8(hex).map_err(|_| malformed("bad name escape"))?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| malformed("bad name escape"))?);
                self.pos += 2;
            } else {
                out.push(b);
            }
        }
        Ok(out)
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, PadesError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let b = self
                .peek()
                .ok_or_else(|| malformed("unterminated string"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self
                        .peek()
                        .ok_or_else(|| malformed("unterminated string"))?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, PadesError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let b = self
                .peek()
                .ok_or_else(|| malformed("unterminated hex string"))?;
            self.pos += 1;
            let nibble = match b {
                b'>' => break,
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                b if is_whitespace(b) => continue,
                _ => return Err(malformed("bad hex string")),
            };
            match high.take() {
                None => high = Some(nibble),
                Some(h) => out.push(h << 4 | nibble),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        Ok(out)
    }
}

fn is_number(w: &[u8]) -> bool {
    let digits = w
        .strip_prefix(b"-")
        .or_else(|| w.strip_prefix(b"+"))
        .unwrap_or(w);
    !digits.is_empty()
        && digits.iter().any(u8::is_ascii_digit)
        && digits.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && digits.iter().filter(|b| **b == b'.').count() <= 1
}

/// A parsed PDF: its cross-reference (newest entry of each object) and newest trailer.
pub(crate) struct PdfFile<'a> {
    pub(crate) data: &'a [u8],
    /// In-use objects: number → (byte offset, generation).
    xref: HashMap<u32, (usize, u16)>,
    pub(crate) trailer: Dict,
    /// Offset of the newest cross-reference section (the next update's `/Prev`).
    pub(crate) startxref: usize,
}

impl<'a> PdfFile<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<PdfFile<'a>, PadesError> {
        if !data.starts_with(b"%PDF-") {
            return Err(malformed("not a PDF file"));
        }
        let startxref = find_startxref(data)?;
        let mut xref = HashMap::new();
        let mut trailer: Option<Dict> = None;
        let mut seen = HashSet::new();
        let mut next = Some(startxref);
        while let Some(offset) = next {
            if !seen.insert(offset) {
                return Err(malformed("cross-reference sections form a loop"));
            }
            let section = read_xref_section(data, offset)?;
            for (num, entry) in section.entries {
                xref.entry(num).or_insert(entry);
            }
            if section.trailer.get("Encrypt").is_some() {
                return Err(PadesError::Unsupported("encrypted PDF".into()));
            }
            next = match section.trailer.get("Prev") {
                Some(prev) => Some(
                    prev.as_int()
                        .and_then(|p| usize::try_from(p).ok())
                        .ok_or_else(|| malformed("bad /Prev"))?,
                ),
                None => None,
            };
            if trailer.is_none() {
                trailer = Some(section.trailer);
            }
        }
        let trailer = trailer.ok_or_else(|| malformed("no trailer"))?;
        // Free entries (offset None) were dropped while reading; keep only in-use ones.
        let xref = xref
            .into_iter()
            .filter_map(|(num, entry)| entry.map(|e| (num, e)))
            .collect();
        Ok(PdfFile {
            data,
            xref,
            trailer,
            startxref,
        })
    }

    /// The highest object number in use plus one, at least the trailer's `/Size`.
    pub(crate) fn size(&self) -> u32 {
        let declared = self
            .trailer
            .get("Size")
            .and_then(Object::as_int)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let used = self.xref.keys().max().map_or(0, |m| m + 1);
        declared.max(used)
    }

    pub(crate) fn get(&self, r: ObjRef) -> Result<Object, PadesError> {
        let &(offset, gen_) = self
            .xref
            .get(&r.num)
            .ok_or_else(|| malformed(format!("object {} is not in the cross-reference", r.num)))?;
        if gen_ != r.gen_ {
            return Err(malformed(format!("object {} has generation {gen_}", r.num)));
        }
        let mut lx = Lexer::at(self.data, offset);
        let num = lx.unsigned();
        let generation = lx.unsigned();
        if num != Some(u64::from(r.num)) || generation != Some(u64::from(r.gen_)) {
            return Err(malformed(format!(
                "object {} is not at its cross-reference offset",
                r.num
            )));
        }
        lx.expect_word(b"obj")?;
        lx.object()
    }

    /// The object itself, or what a reference points to.
    pub(crate) fn resolve(&self, object: &Object) -> Result<Object, PadesError> {
        match object {
            Object::Ref(r) => self.get(*r),
            other => Ok(other.clone()),
        }
    }

    pub(crate) fn dict(&self, r: ObjRef) -> Result<Dict, PadesError> {
        match self.get(r)? {
            Object::Dict(d) => Ok(d),
            _ => Err(malformed(format!("object {} is not a dictionary", r.num))),
        }
    }

    pub(crate) fn root(&self) -> Result<ObjRef, PadesError> {
        match self.trailer.get("Root") {
            Some(Object::Ref(r)) => Ok(*r),
            _ => Err(malformed("trailer without /Root")),
        }
    }

    /// The page objects in document order.
    pub(crate) fn pages(&self) -> Result<Vec<(ObjRef, Dict)>, PadesError> {
        let catalog = self.dict(self.root()?)?;
        let Some(Object::Ref(tree)) = catalog.get("Pages") else {
            return Err(malformed("catalog without /Pages"));
        };
        let mut pages = Vec::new();
        let mut seen = HashSet::new();
        self.collect_pages(*tree, 0, &mut seen, &mut pages)?;
        Ok(pages)
    }

    fn collect_pages(
        &self,
        node: ObjRef,
        depth: usize,
        seen: &mut HashSet<ObjRef>,
        out: &mut Vec<(ObjRef, Dict)>,
    ) -> Result<(), PadesError> {
        if depth > MAX_DEPTH || !seen.insert(node) {
            return Err(malformed("page tree is cyclic or too deep"));
        }
        let dict = self.dict(node)?;
        match dict.name("Type") {
            Some(b"Pages") => {
                let kids = match self.resolve(dict.get("Kids").unwrap_or(&Object::Null))? {
                    Object::Array(kids) => kids,
                    _ => return Err(malformed("page tree node without /Kids")),
                };
                for kid in kids {
                    let Object::Ref(kid) = kid else {
                        return Err(malformed("page tree kid is not a reference"));
                    };
                    self.collect_pages(kid, depth + 1, seen, out)?;
                }
                Ok(())
            }
            _ => {
                out.push((node, dict));
                Ok(())
            }
        }
    }
}

fn find_startxref(data: &[u8]) -> Result<usize, PadesError> {
    let tail_start = data.len().saturating_sub(2048);
    let tail = &data[tail_start..];
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| malformed("no startxref"))?;
    let mut lx = Lexer::at(data, tail_start + at + 9);
    let offset = lx.unsigned().ok_or_else(|| malformed("bad startxref"))?;
    usize::try_from(offset)
        .ok()
        .filter(|o| *o < data.len())
        .ok_or_else(|| malformed("startxref beyond the end of the file"))
}

struct XrefSection {
    /// Number → Some((offset, generation)) in use, None free.
    entries: Vec<(u32, Option<(usize, u16)>)>,
    trailer: Dict,
}

fn read_xref_section(data: &[u8], offset: usize) -> Result<XrefSection, PadesError> {
    let mut lx = Lexer::at(data, offset);
    let first = lx.word();
    if first != b"xref" {
        if first.iter().all(u8::is_ascii_digit) && !first.is_empty() {
            return Err(PadesError::Unsupported(
                "cross-reference streams (only classic xref tables)".into(),
            ));
        }
        return Err(malformed(
            "startxref does not point to a cross-reference table",
        ));
    }
    let mut entries = Vec::new();
    loop {
        let save = lx.pos;
        let w = lx.word();
        if w == b"trailer" {
            break;
        }
        lx.pos = save;
        let start = lx
            .unsigned()
            .ok_or_else(|| malformed("bad xref subsection"))?;
        let count = lx
            .unsigned()
            .ok_or_else(|| malformed("bad xref subsection"))?;
        if count > data.len() as u64 / 18 {
            return Err(malformed("xref subsection longer than the file"));
        }
        for i in 0..count {
            let off = lx.unsigned().ok_or_else(|| malformed("bad xref entry"))?;
            let generation = lx.unsigned().ok_or_else(|| malformed("bad xref entry"))?;
            let kind = lx.word();
            let num = u32::try_from(start + i).map_err(|_| malformed("bad xref entry"))?;
            let generation = u16::try_from(generation).map_err(|_| malformed("bad xref entry"))?;
            let entry = match kind {
                b"n" => Some((
                    usize::try_from(off)
                        .ok()
                        .filter(|o| *o < data.len())
                        .ok_or_else(|| malformed("xref offset beyond the end of the file"))?,
                    generation,
                )),
                b"f" => None,
                _ => return Err(malformed("bad xref entry")),
            };
            entries.push((num, entry));
        }
    }
    let trailer = match lx.object()? {
        Object::Dict(d) => d,
        _ => return Err(malformed("trailer is not a dictionary")),
    };
    Ok(XrefSection { entries, trailer })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_objects_and_references() {
        let src = b"<</Type/Page/Kids[1 0 R 2 0 R]/N -1.5/S(a\\(b\\))/H<4142>/Na#20me true>>";
        let obj = Lexer::at(src, 0).object().unwrap();
        let Object::Dict(d) = &obj else { panic!() };
        assert_eq!(d.name("Type"), Some(&b"Page"[..]));
        assert_eq!(
            d.get("Kids"),
            Some(&Object::Array(vec![
                Object::Ref(ObjRef { num: 1, gen_: 0 }),
                Object::Ref(ObjRef { num: 2, gen_: 0 })
            ]))
        );
        assert!(matches!(d.get("S"), Some(Object::Str { value, .. }) if value == b"a(b)"));
        assert!(matches!(d.get("H"), Some(Object::Str { value, .. }) if value == b"AB"));
        assert_eq!(d.get("Na me"), Some(&Object::Bool(true)));
        let mut out = Vec::new();
        obj.write(src, &mut out);
        assert_eq!(
            out,
            b"<</Type /Page/Kids [1 0 R 2 0 R]/N -1.5/S (a\\(b\\))/H <4142>/Na#20me true>>"
        );
    }
}
