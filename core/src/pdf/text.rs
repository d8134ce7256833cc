//! Text preparation, measurement and line breaking (krilla has no layout engine).
//!
//! Lines break at spaces; a word wider than the line is broken between characters, never
//! between a letter and its combining marks. Widths come from the fonts' advance widths.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::PdfError;
use super::fonts::{self, Face};

/// Tolerance for float rounding when deciding whether a word still fits.
const FIT_EPSILON: f32 = 0.01;

/// Normalises text for the page: Unicode NFC (NFD input gets the precomposed glyphs and
/// extracts as NFC), line breaks unified to `\n`, tabs to a space, and control and
/// zero-width characters, which have no glyph and no meaning on paper, dropped.
pub(crate) fn prepare(text: &str) -> String {
    let unified = text.replace("\r\n", "\n");
    let clean = |ch| match ch {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => Some('\n'),
        '\t' => Some(' '),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        c if c.is_control() => None,
        c => Some(c),
    };
    let cleaned: String = unified.chars().filter_map(clean).collect();
    // Most form text is already NFC (the store keeps it so): skip the normaliser for it.
    if is_nfc_quick(cleaned.chars()) == IsNormalized::Yes {
        cleaned
    } else {
        cleaned.nfc().collect()
    }
}

/// A run of prepared text in one face.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span<'a> {
    pub(crate) face: Face,
    pub(crate) text: &'a str,
}

impl<'a> Span<'a> {
    pub(crate) fn new(face: Face, text: &'a str) -> Self {
        Span { face, text }
    }
}

/// Part of a line in one face; `x` is its offset from the line start, in points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fragment {
    pub(crate) face: Face,
    pub(crate) text: String,
    pub(crate) x: f32,
}

/// One laid-out line; `width` excludes trailing spaces.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Line {
    pub(crate) fragments: Vec<Fragment>,
    pub(crate) width: f32,
}

impl Line {
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        self.fragments.iter().map(|f| f.text.as_str()).collect()
    }

    fn is_empty(&self) -> bool {
        self.fragments.is_empty()
    }

    fn push(&mut self, face: Face, text: &str, width: f32) {
        match self.fragments.last_mut() {
            Some(last) if last.face == face => last.text.push_str(text),
            _ => self.fragments.push(Fragment {
                face,
                text: text.to_owned(),
                x: self.width,
            }),
        }
        self.width += width;
    }
}

/// Width of `ch` in points, or the error naming the character and its context.
fn char_width(face: Face, size: f32, ch: char, context: &str) -> Result<f32, PdfError> {
    fonts::face(face)?
        .advance(ch)
        .map(|em| em * size)
        .ok_or_else(|| PdfError::UnsupportedCharacter {
            ch,
            context: context.to_owned(),
        })
}

/// Width of a prepared single-face string, in points.
pub(crate) fn measure(face: Face, size: f32, text: &str) -> Result<f32, PdfError> {
    text.chars()
        .try_fold(0.0, |w, ch| Ok(w + char_width(face, size, ch, text)?))
}

/// A word: the text between two break opportunities, possibly spanning faces.
#[derive(Default)]
struct Word<'a> {
    pieces: Vec<(Face, &'a str, f32)>,
    width: f32,
}

enum Token<'a> {
    Word(Word<'a>),
    Space(Face),
    Newline,
}

fn tokenize<'a>(spans: &[Span<'a>], size: f32) -> Result<Vec<Token<'a>>, PdfError> {
    let mut tokens = Vec::new();
    let mut word = Word::default();
    let flush = |word: &mut Word<'a>, tokens: &mut Vec<Token<'a>>| {
        if !word.pieces.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
    };
    for span in spans {
        let mut start = None;
        let mut width = 0.0;
        for (i, ch) in span.text.char_indices() {
            if ch == ' ' || ch == '\n' {
                if let Some(s) = start.take() {
                    word.pieces.push((span.face, &span.text[s..i], width));
                    word.width += width;
                    width = 0.0;
                }
                flush(&mut word, &mut tokens);
                tokens.push(if ch == ' ' {
                    Token::Space(span.face)
                } else {
                    Token::Newline
                });
            } else {
                start.get_or_insert(i);
                width += char_width(span.face, size, ch, span.text)?;
            }
        }
        if let Some(s) = start {
            word.pieces.push((span.face, &span.text[s..], width));
            word.width += width;
        }
    }
    flush(&mut word, &mut tokens);
    Ok(tokens)
}

/// Breaks prepared `spans` into lines no wider than `max_width` points at font `size`.
/// Always returns at least one (possibly empty) line; spaces collapse, and spaces at the
/// start of a line are dropped.
pub(crate) fn break_lines(
    spans: &[Span<'_>],
    size: f32,
    max_width: f32,
) -> Result<Vec<Line>, PdfError> {
    let mut lines = Vec::new();
    let mut line = Line::default();
    let mut pending_space: Option<Face> = None;
    for token in tokenize(spans, size)? {
        match token {
            Token::Newline => {
                lines.push(std::mem::take(&mut line));
                pending_space = None;
            }
            Token::Space(face) => {
                if !line.is_empty() {
                    pending_space.get_or_insert(face);
                }
            }
            Token::Word(word) => {
                let space = match pending_space {
                    Some(face) => char_width(face, size, ' ', " ")?,
                    None => 0.0,
                };
                if line.is_empty() || line.width + space + word.width > max_width + FIT_EPSILON {
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                } else if let Some(face) = pending_space {
                    line.push(face, " ", space);
                }
                pending_space = None;
                if word.width <= max_width + FIT_EPSILON {
                    for (face, text, width) in word.pieces {
                        line.push(face, text, width);
                    }
                } else {
                    hard_break(&word, size, max_width, &mut line, &mut lines)?;
                }
            }
        }
    }
    lines.push(line);
    Ok(lines)
}

/// Breaks an overlong word between characters (a letter stays with its combining marks).
fn hard_break(
    word: &Word<'_>,
    size: f32,
    max_width: f32,
    line: &mut Line,
    lines: &mut Vec<Line>,
) -> Result<(), PdfError> {
    for &(face, text, _) in &word.pieces {
        let mut cluster_start = 0;
        let mut cluster_width = 0.0;
        let mut emit = |line: &mut Line, s: &str, w: f32| {
            if !line.is_empty() && line.width + w > max_width + FIT_EPSILON {
                lines.push(std::mem::take(line));
            }
            line.push(face, s, w);
        };
        for (i, ch) in text.char_indices() {
            if i > cluster_start && !is_combining_mark(ch) {
                emit(line, &text[cluster_start..i], cluster_width);
                cluster_start = i;
                cluster_width = 0.0;
            }
            cluster_width += char_width(face, size, ch, text)?;
        }
        if cluster_start < text.len() {
            emit(line, &text[cluster_start..], cluster_width);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDRESS: &str = "Đặng Thị Ngọc Ánh, số 12 phố Nguyễn Trãi, phường Thượng Đình, \
                           quận Thanh Xuân, Hà Nội";

    fn lines_of(text: &str, width: f32) -> Vec<Line> {
        let text = prepare(text);
        break_lines(&[Span::new(Face::Regular, &text)], 12.0, width).expect("breaks")
    }

    #[test]
    fn long_vietnamese_paragraph_breaks_at_spaces_within_the_width() {
        let text = [ADDRESS; 6].join(" ");
        let lines = lines_of(&text, 200.0);
        assert!(lines.len() > 6, "{}", lines.len());
        for line in &lines {
            assert!(line.width <= 200.0 + FIT_EPSILON, "{} > 200", line.width);
            let measured = measure(Face::Regular, 12.0, &line.text()).expect("measures");
            assert!((measured - line.width).abs() < 0.01);
            assert!(!line.text().starts_with(' ') && !line.text().ends_with(' '));
        }
        let rejoined: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(rejoined.join(" "), text);
    }

    #[test]
    fn overlong_token_is_hard_broken_between_characters() {
        let token = "Nguyễn".repeat(20);
        let lines = lines_of(&format!("Số: {token} hết"), 100.0);
        assert!(lines.len() >= 4, "{}", lines.len());
        for line in &lines {
            assert!(line.width <= 100.0 + FIT_EPSILON);
        }
        let all: String = lines.iter().map(Line::text).collect::<Vec<_>>().concat();
        assert_eq!(all.replace(' ', ""), format!("Số:{token}hết"));
        assert_eq!(
            lines[0].text(),
            "Số:",
            "the long word starts on its own line"
        );
    }

    #[test]
    fn hard_break_keeps_combining_marks_with_their_letter() {
        // "q̣" has no precomposed form: NFC keeps the combining dot below.
        let token = "q\u{323}".repeat(30);
        for line in lines_of(&token, 40.0) {
            assert!(!line.text().starts_with('\u{323}'), "{:?}", line.text());
        }
    }

    #[test]
    fn empty_value_gives_one_empty_line() {
        let lines = lines_of("", 100.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].width, 0.0);
        assert!(lines[0].fragments.is_empty());
    }

    #[test]
    fn newlines_force_breaks_and_spaces_collapse() {
        let lines = lines_of("một   hai\nba\n\nbốn", 400.0);
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(texts, ["một hai", "ba", "", "bốn"]);
    }

    #[test]
    fn nfd_input_is_prepared_to_nfc_and_measures_the_same() {
        let nfd: String = ADDRESS.nfd().collect();
        assert_ne!(nfd, ADDRESS);
        assert_eq!(prepare(&nfd), ADDRESS);
    }

    #[test]
    fn controls_and_zero_width_characters_are_dropped_before_composing() {
        // A zero-width joiner between a letter and its tone mark must not keep them apart.
        assert_eq!(prepare("A\u{200D}\u{301}\r\nb\tc\u{7}"), "Á\nb c");
    }

    #[test]
    fn label_and_value_faces_share_a_line() {
        let spans = [
            Span::new(Face::Regular, "Họ và tên: "),
            Span::new(Face::Bold, "Ánh"),
        ];
        let lines = break_lines(&spans, 12.0, 400.0).expect("breaks");
        assert_eq!(lines.len(), 1);
        let faces: Vec<Face> = lines[0].fragments.iter().map(|f| f.face).collect();
        assert_eq!(faces, [Face::Regular, Face::Bold]);
        assert!(lines[0].fragments[1].x > 0.0);
    }

    #[test]
    fn character_outside_the_font_is_a_typed_error() {
        let err = break_lines(&[Span::new(Face::Regular, "Tên 李")], 12.0, 100.0)
            .expect_err("CJK is not in the font");
        assert_eq!(err.code(), "pdf.unsupported_character");
    }
}
