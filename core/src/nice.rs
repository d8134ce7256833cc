//! The Nice classification (bảng phân loại Ni-xơ) as a search aid for the trademark form: the
//! 45 class headings and common goods and services in Vietnamese and English
//! (`data/nice.toml`), and a search that finds the class of what the user types, with or
//! without Vietnamese diacritics ("phan mem" finds "phần mềm").
//!
//! The edition is versioned data like any legal table: the file names it, and the test suite
//! checks it against the Nice edition in force in `forms.toml`.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::legal::DataError;
use crate::text::{Lang, Text};

const FILE: &str = "nice.toml";
const NICE_TOML: &str = include_str!("../data/nice.toml");

/// Items shown for a class found by its heading or number rather than by an item.
const FIRST_ITEMS: usize = 5;

/// How far the Vietnamese wording of a class can be trusted (the English wording is WIPO's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Wording {
    /// ✔ checked word for word against the IP Office of Vietnam's published translation.
    Confirmed,
    /// ◐ one secondary source quoting the IP Office's translation.
    SingleSource,
    /// Our own translation: the official Vietnamese wording may differ, so the form should use
    /// the IP Office's list when the applicant copies an item.
    Translated,
}

/// One class: its heading and some goods or services of the alphabetical list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NiceClassEntry {
    pub number: u32,
    pub heading: Text,
    pub items: Vec<Text>,
    pub wording: Wording,
}

/// A class that matches a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NiceHit {
    pub class: u32,
    pub heading: Text,
    /// The items that match, best first; the class's first few when only its heading or
    /// number matched.
    pub items: Vec<Text>,
    pub wording: Wording,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NiceFile {
    data_version: String,
    edition: String,
    valid_from: jiff::civil::Date,
    source_en: String,
    en_confidence: crate::legal::Confidence,
    source_vi: String,
    class: Vec<ClassRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassRow {
    number: u32,
    heading_en: String,
    heading_vi: String,
    confidence: Wording,
    items: Vec<ItemRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemRow {
    en: String,
    vi: String,
}

/// A text prepared for matching: folded words in each language.
struct Folded {
    vi: Vec<String>,
    en: Vec<String>,
}

impl Folded {
    fn new(t: &Text) -> Folded {
        Folded {
            vi: words(&t.vi),
            en: words(&t.en),
        }
    }
}

/// The classification table bundled with this build.
pub struct NiceList {
    pub data_version: String,
    /// e.g. "NCL 12-2024".
    pub edition: String,
    /// First day the IP Office applies the edition.
    pub valid_from: jiff::civil::Date,
    pub source_en: String,
    /// How the English wording was checked against WIPO's publication.
    pub en_confidence: crate::legal::Confidence,
    pub source_vi: String,
    /// Class `n` at index `n − 1`.
    classes: Vec<NiceClassEntry>,
    /// Per class: its heading, then its items, folded for matching.
    folded: Vec<(Folded, Vec<Folded>)>,
}

impl NiceList {
    /// Parses and checks the table: classes 1 to 45 each exactly once, every heading and item
    /// written in both languages, no item twice in a class.
    pub fn parse(text: &str) -> Result<NiceList, DataError> {
        let bad = |message: String| DataError::Inconsistent {
            file: FILE,
            message,
        };
        let file: NiceFile = toml::from_str(text).map_err(|e| DataError::Parse {
            file: FILE,
            message: e.to_string(),
        })?;
        let mut rows = file.class;
        rows.sort_by_key(|r| r.number);
        let numbers: Vec<u32> = rows.iter().map(|r| r.number).collect();
        if numbers != (1..=45).collect::<Vec<_>>() {
            return Err(bad(format!(
                "classes must be 1 to 45, each once; found {numbers:?}"
            )));
        }
        let mut classes = Vec::with_capacity(45);
        for row in rows {
            let n = row.number;
            if row.heading_en.trim().is_empty() || row.heading_vi.trim().is_empty() {
                return Err(bad(format!("class {n}: a heading is empty")));
            }
            if row.items.is_empty() {
                return Err(bad(format!("class {n}: no items")));
            }
            let mut seen = BTreeSet::new();
            for item in &row.items {
                if item.en.trim().is_empty() || item.vi.trim().is_empty() {
                    return Err(bad(format!("class {n}: an item is empty")));
                }
                if !seen.insert(fold(&item.en)) {
                    return Err(bad(format!("class {n}: item `{}` twice", item.en)));
                }
            }
            classes.push(NiceClassEntry {
                number: n,
                heading: Text::new(crate::text::nfc(&row.heading_vi), row.heading_en),
                items: row
                    .items
                    .into_iter()
                    .map(|i| Text::new(crate::text::nfc(&i.vi), i.en))
                    .collect(),
                wording: row.confidence,
            });
        }
        let folded = classes
            .iter()
            .map(|c| {
                (
                    Folded::new(&c.heading),
                    c.items.iter().map(Folded::new).collect(),
                )
            })
            .collect();
        Ok(NiceList {
            data_version: file.data_version,
            edition: file.edition,
            valid_from: file.valid_from,
            source_en: file.source_en,
            en_confidence: file.en_confidence,
            source_vi: file.source_vi,
            classes,
            folded,
        })
    }

    /// The table bundled with this build (checked by the test suite, so the expect below
    /// guards a build defect, not user input).
    pub fn bundled() -> &'static NiceList {
        static NICE: LazyLock<NiceList> = LazyLock::new(|| {
            #[allow(clippy::expect_used)]
            NiceList::parse(NICE_TOML).expect("bundled nice.toml is checked by the tests")
        });
        &NICE
    }

    pub fn classes(&self) -> &[NiceClassEntry] {
        &self.classes
    }

    pub fn class(&self, number: u32) -> Option<&NiceClassEntry> {
        let i = usize::try_from(number).ok()?.checked_sub(1)?;
        self.classes.get(i)
    }

    /// The classes matching `query`, best first. `lang` limits the matching to one language's
    /// text; `None` matches both (a Vietnamese user often types the English name of a product).
    ///
    /// Matching ignores case and Vietnamese diacritics (đ counts as d): every word of the query
    /// must begin a word of the heading or of an item. A class number ("9", "09", "nhóm 9",
    /// "class 9") gives that class alone. Items that the query covers more closely rank first,
    /// with a bonus for the query's words in order and for its exact diacritics.
    pub fn search(&self, query: &str, lang: Option<Lang>) -> Vec<NiceHit> {
        let tokens = words(query);
        if tokens.is_empty() {
            return Vec::new();
        }
        if let Some(entry) = class_number(&tokens).and_then(|n| self.class(n)) {
            return vec![hit(entry, entry.items.iter().take(FIRST_ITEMS).cloned())];
        }
        let exact = crate::text::nfc(query.trim()).to_lowercase();
        let exact = (!exact.is_ascii()).then_some(exact);
        let q = Query {
            tokens,
            exact,
            lang,
        };
        let mut hits: Vec<(f32, NiceHit)> = Vec::new();
        for (entry, (heading, items)) in self.classes.iter().zip(&self.folded) {
            let mut matched: Vec<(f32, &Text)> = entry
                .items
                .iter()
                .zip(items)
                .filter_map(|(item, f)| q.score(item, f).map(|s| (s, item)))
                .collect();
            matched.sort_by(|a, b| b.0.total_cmp(&a.0));
            let heading_score = q.score(&entry.heading, heading);
            let best = matched
                .first()
                .map(|m| m.0)
                .into_iter()
                .chain(heading_score);
            let Some(best) = best.reduce(f32::max) else {
                continue;
            };
            let breadth = matched.len().saturating_sub(1).min(6) as f32 * 0.5;
            let shown: Vec<Text> = if matched.is_empty() {
                entry.items.iter().take(FIRST_ITEMS).cloned().collect()
            } else {
                matched.into_iter().map(|(_, t)| t.clone()).collect()
            };
            hits.push((best + breadth, hit(entry, shown)));
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.class.cmp(&b.1.class)));
        hits.into_iter().map(|(_, h)| h).collect()
    }
}

/// Searches the bundled table; see [`NiceList::search`].
pub fn search(query: &str, lang: Option<Lang>) -> Vec<NiceHit> {
    NiceList::bundled().search(query, lang)
}

fn hit(entry: &NiceClassEntry, items: impl IntoIterator<Item = Text>) -> NiceHit {
    NiceHit {
        class: entry.number,
        heading: entry.heading.clone(),
        items: items.into_iter().collect(),
        wording: entry.wording,
    }
}

/// "9", "09", "nhóm 9", "nhom 09", "class 9", "lớp 9": the class number, if in 1..=45.
fn class_number(tokens: &[String]) -> Option<u32> {
    let rest = match tokens {
        [only] => only,
        [word, n] if matches!(word.as_str(), "nhom" | "class" | "lop" | "cl") => n,
        _ => return None,
    };
    if rest.len() > 2 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok().filter(|n| (1..=45).contains(n))
}

struct Query {
    tokens: Vec<String>,
    /// The query as typed (NFC, lower case) when it carries diacritics.
    exact: Option<String>,
    lang: Option<Lang>,
}

impl Query {
    /// The best score of the text in the languages searched, if every query word begins one
    /// of its words.
    fn score(&self, text: &Text, folded: &Folded) -> Option<f32> {
        let langs: &[Lang] = match self.lang {
            Some(Lang::Vi) => &[Lang::Vi],
            Some(Lang::En) => &[Lang::En],
            None => &[Lang::Vi, Lang::En],
        };
        langs
            .iter()
            .filter_map(|&l| {
                let words = match l {
                    Lang::Vi => &folded.vi,
                    Lang::En => &folded.en,
                };
                self.score_words(words, text.get(l))
            })
            .reduce(f32::max)
    }

    fn score_words(&self, words: &[String], original: &str) -> Option<f32> {
        let mut positions = Vec::with_capacity(self.tokens.len());
        let mut whole = 0;
        for t in &self.tokens {
            let at = words
                .iter()
                .position(|w| w == t)
                .inspect(|_| whole += 1)
                .or_else(|| words.iter().position(|w| w.starts_with(t.as_str())))?;
            positions.push(at);
        }
        let in_order = positions.windows(2).all(|p| p[1] == p[0] + 1);
        let query_len: usize = self.tokens.iter().map(String::len).sum();
        let text_len: usize = words.iter().map(String::len).sum::<usize>().max(1);
        let mut score = 10.0 + 30.0 * query_len as f32 / text_len as f32 + 2.0 * whole as f32;
        if in_order && self.tokens.len() > 1 {
            score += 10.0;
        }
        if positions.first() == Some(&0) {
            score += 3.0;
        }
        if let Some(exact) = &self.exact
            && original.to_lowercase().contains(exact.as_str())
        {
            score += 10.0;
        }
        Some(score)
    }
}

/// Lower case, without diacritics (đ → d), split into words of letters and digits.
fn words(s: &str) -> Vec<String> {
    fold(s).split_whitespace().map(str::to_owned).collect()
}

fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        match c {
            'đ' | 'Đ' => out.push('d'),
            c if is_combining_mark(c) => {}
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(query: &str) -> Vec<u32> {
        search(query, None).iter().map(|h| h.class).collect()
    }

    #[test]
    fn bundled_table_has_the_45_classes_each_once_with_items_in_both_languages() {
        let nice = NiceList::parse(NICE_TOML).unwrap();
        assert_eq!(nice.classes().len(), 45);
        for (i, c) in nice.classes().iter().enumerate() {
            assert_eq!(c.number as usize, i + 1);
            assert!((5..=15).contains(&c.items.len()), "class {}", c.number);
        }
        assert_eq!(nice.class(9).unwrap().number, 9);
        assert!(nice.class(0).is_none() && nice.class(46).is_none());
    }

    #[test]
    fn edition_is_the_one_the_ip_office_applies_in_forms_toml() {
        let forms = crate::legal::Forms::bundled();
        let in_force = forms
            .classification(
                crate::legal::ClassificationSystem::Nice,
                jiff::civil::date(2026, 11, 23),
            )
            .unwrap();
        assert_eq!(NiceList::bundled().edition, in_force.edition);
        assert_eq!(in_force.classes, 45);
    }

    #[test]
    fn a_missing_or_repeated_class_is_refused_at_load() {
        let without_45 = NICE_TOML.replace("number = 45", "number = 44");
        let err = NiceList::parse(&without_45).err().unwrap();
        assert!(err.to_string().contains("1 to 45"), "{err}");
        let garbled = NICE_TOML.replace("heading_vi", "heading_fr");
        assert!(matches!(
            NiceList::parse(&garbled),
            Err(DataError::Parse { .. })
        ));
    }

    #[test]
    fn vietnamese_typed_without_diacritics_finds_the_accented_words() {
        let hits = search("phan mem", None);
        assert_eq!(hits[0].class, 9, "software as goods first");
        assert!(
            hits[0]
                .items
                .iter()
                .any(|i| i.vi == "phần mềm máy tính đã ghi")
        );
        assert!(hits.iter().any(|h| h.class == 42), "software services too");
        assert_eq!(classes("ca phe")[0], 30);
        assert_eq!(classes("CÀ PHÊ")[0], 30, "case does not matter");
    }

    #[test]
    fn d_with_stroke_matches_a_plain_d() {
        assert_eq!(classes("do uong khong con")[0], 32);
        assert_eq!(classes("Đồ uống có cồn")[0], 33);
        assert!(classes("duong").contains(&30), "đường (sugar)");
    }

    #[test]
    fn english_words_find_their_class() {
        assert_eq!(classes("advertising")[0], 35);
        assert_eq!(classes("Beer")[0], 32);
        assert_eq!(classes("restaurant")[0], 43);
        let top: BTreeSet<u32> = search("software", Some(Lang::En))
            .iter()
            .take(2)
            .map(|h| h.class)
            .collect();
        assert_eq!(
            top,
            BTreeSet::from([9, 42]),
            "software as goods and as a service"
        );
    }

    #[test]
    fn a_language_filter_ignores_the_other_language() {
        assert!(search("advertising", Some(Lang::Vi)).is_empty());
        assert_eq!(search("quang cao", Some(Lang::Vi))[0].class, 35);
    }

    #[test]
    fn a_class_number_query_returns_that_class_first() {
        for q in ["9", "09", "nhóm 9", "nhom 09", "Class 9"] {
            let hits = search(q, None);
            assert_eq!(hits[0].class, 9, "{q}");
            assert_eq!(hits[0].items.len(), FIRST_ITEMS, "{q}");
        }
        assert!(search("46", None).is_empty());
        assert!(search("0", None).is_empty());
    }

    #[test]
    fn a_heading_match_shows_the_first_items_and_an_item_match_shows_the_matching_ones() {
        let hit = &search("vehicles", Some(Lang::En))[0];
        assert_eq!(hit.class, 12);
        let hit = search("sewing", Some(Lang::En))
            .into_iter()
            .find(|h| h.class == 7)
            .unwrap();
        assert_eq!(hit.items.len(), 1);
        assert_eq!(hit.items[0].en, "sewing machines");
        let hit = search("telecommunications", None).remove(0);
        assert_eq!(hit.class, 38);
    }

    #[test]
    fn diacritics_typed_exactly_rank_the_exact_word_first() {
        // "bàn" (table, class 20) and "bán" (selling, class 7 and 35) fold alike.
        assert_eq!(classes("bàn")[0], 20);
        let plain = classes("ban");
        assert!(plain.contains(&20) && plain.contains(&7));
    }

    #[test]
    fn every_word_must_match_and_empty_queries_find_nothing() {
        assert!(search("phan mem xyzzy", None).is_empty());
        assert!(search("", None).is_empty());
        assert!(search("  ;  ", None).is_empty());
    }
}
