//! Fee schedules of the worked examples in shared/domain/ (industrial-property.md,
//! tech-transfer.md, barcode.md), on the example dossiers with one thing changed each.

use hoso_core::Dossier;
use hoso_core::fees::{FeeSchedule, FeeTables, Stage, compute};
use hoso_core::legal::Confidence;
use jiff::civil::{Date, date};
use serde_json::{Value, json};

const TODAY: Date = date(2026, 11, 23);

fn example(kind: &str) -> Value {
    let path = format!("{}/../examples/{kind}.json", env!("CARGO_MANIFEST_DIR"));
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Fees never look at attachments; drop them so the file paths need not resolve.
    v["attachments"] = json!([]);
    v
}

fn fees(v: Value) -> FeeSchedule {
    compute(&Dossier::from_json(v).unwrap(), FeeTables::bundled(), TODAY)
}

fn fees_on(mut v: Value, filed: &str) -> FeeSchedule {
    v["filing_date"] = json!(filed);
    fees(v)
}

/// (id, quantity, amount) of every line, in order.
fn lines(s: &FeeSchedule) -> Vec<(&str, u64, u64)> {
    s.lines
        .iter()
        .map(|l| (l.id.as_str(), l.quantity, l.amount_vnd))
        .collect()
}

fn every_line_is_quantity_times_unit(s: &FeeSchedule) {
    for l in &s.lines {
        assert_eq!(l.amount_vnd, l.quantity * l.unit_vnd, "{}", l.id);
    }
}

#[test]
fn trademark_example_a_two_classes_with_eight_and_three_items() {
    let s = fees(example("trademark"));
    assert_eq!(
        lines(&s),
        vec![
            ("trademark.filing", 1, 150_000),
            ("trademark.publication", 1, 120_000),
            ("trademark.search", 2, 360_000),
            ("trademark.search.extra_items", 2, 60_000),
            ("trademark.examination", 2, 1_100_000),
            ("trademark.examination.extra_items", 2, 240_000),
            ("trademark.grant", 1, 120_000),
            ("trademark.grant.extra_classes", 1, 100_000),
            ("trademark.registration", 1, 120_000),
            ("trademark.certificate_publication", 1, 120_000),
        ]
    );
    assert_eq!(s.total_at_filing_vnd, 2_030_000);
    assert_eq!(s.total_later_vnd, 460_000);
    assert!(s.lines.iter().filter(|l| l.stage == Stage::Grant).all(|l| {
        l.id.starts_with("trademark.grant")
            || l.id == "trademark.registration"
            || l.id == "trademark.certificate_publication"
    }));
    let search = &s.lines[2];
    assert_eq!(search.basis.vi, "2 nhóm × 180.000");
    assert_eq!(search.basis.en, "2 classes × 180,000");
    assert!(
        s.lines[3].basis.vi.contains("nhóm 9: 2"),
        "{:?}",
        s.lines[3].basis
    );
    every_line_is_quantity_times_unit(&s);
    assert_eq!(s.table_version, FeeTables::bundled().data_version);
    assert_eq!(s.day, TODAY);
}

#[test]
fn trademark_per_item_surcharges_are_flagged_unconfirmed() {
    let s = fees(example("trademark"));
    for id in [
        "trademark.search.extra_items",
        "trademark.examination.extra_items",
    ] {
        let l = s.lines.iter().find(|l| l.id == id).unwrap();
        assert_eq!(l.confidence, Confidence::Unconfirmed, "{id}");
        assert!(l.flagged(), "{id}");
    }
    let filing = s.lines.iter().find(|l| l.id == "trademark.filing").unwrap();
    assert_eq!(filing.confidence, Confidence::SingleSource);
    assert!(filing.flagged());
}

#[test]
fn trademark_example_b_at_most_six_items_per_class_has_no_surcharge() {
    let mut v = example("trademark");
    v["goods"][0]["items"] = json!(["a", "b", "c", "d", "e", "f"]);
    let s = fees(v);
    assert_eq!(s.total_at_filing_vnd, 1_730_000);
    assert_eq!(s.total_later_vnd, 460_000);
    assert!(!s.lines.iter().any(|l| l.id.ends_with("extra_items")));
}

#[test]
fn trademark_priority_claims_are_charged_each() {
    let mut v = example("trademark");
    v["priority"] = json!([
        { "country": "US", "number": "1", "date": "2026-06-01" },
        { "country": "JP", "number": "2", "date": "2026-06-02" }
    ]);
    let s = fees(v);
    let p = s
        .lines
        .iter()
        .find(|l| l.id == "trademark.priority")
        .unwrap();
    assert_eq!((p.quantity, p.amount_vnd), (2, 1_200_000));
    assert_eq!(p.confidence, Confidence::Confirmed);
    assert_eq!(s.total_at_filing_vnd, 2_030_000 + 1_200_000);
}

#[test]
fn classification_fee_is_only_noted_because_no_form_asks_for_it() {
    let s = fees(example("trademark"));
    assert!(!s.lines.iter().any(|l| l.id.contains("classification")));
    assert!(
        s.notes
            .iter()
            .any(|n| n.vi.contains("100.000") && n.en.contains("IP Office has to classify"))
    );
}

#[test]
fn patent_example_with_examination_requested() {
    // examples/patent.json: 2 independent claims, 18 description pages, 5 figures,
    // examination requested, no priority claim.
    //   filing                        1 × 150,000               =   150,000
    //   formality examination         2 × 180,000               =   360,000
    //   — pages from the 7th          (18 − 6) = 12 × 8,000     =    96,000
    //   publication                   1 × 120,000               =   120,000
    //   — figures from the 2nd        (5 − 1) = 4 × 60,000      =   240,000
    //   search                        2 × 600,000               = 1,200,000
    //   substantive examination       2 × 720,000               = 1,440,000
    //   — pages from the 7th          12 × 32,000               =   384,000
    //                                                      total  3,990,000
    let s = fees(example("patent"));
    assert_eq!(
        lines(&s),
        vec![
            ("patent.filing", 1, 150_000),
            ("patent.formality", 2, 360_000),
            ("patent.formality.extra_pages", 12, 96_000),
            ("patent.publication", 1, 120_000),
            ("patent.publication.extra_figures", 4, 240_000),
            ("patent.search", 2, 1_200_000),
            ("patent.examination", 2, 1_440_000),
            ("patent.examination.extra_pages", 12, 384_000),
        ]
    );
    assert_eq!(s.total_at_filing_vnd, 3_990_000);
    assert_eq!(s.total_later_vnd, 0);
    assert!(s.lines.iter().all(|l| !l.flagged()));
    assert!(s.notes.iter().any(|n| n.en.contains("annuities")));
}

#[test]
fn patent_without_examination_request_pays_no_search_or_examination() {
    let mut v = example("patent");
    v["examination_request"] = json!(false);
    let s = fees(v);
    // 150,000 + 360,000 + 96,000 + 120,000 + 240,000
    assert_eq!(s.total_at_filing_vnd, 966_000);
    assert!(
        !s.lines
            .iter()
            .any(|l| l.id.contains("search") || l.id.contains("examination"))
    );
}

#[test]
fn utility_solution_follows_the_patent_schedule() {
    let mut v = example("patent");
    v["kind"] = json!("utility-solution");
    let s = fees(v);
    assert_eq!(s.total_at_filing_vnd, 3_990_000);
    assert!(
        s.lines
            .iter()
            .all(|l| l.id.starts_with("utility-solution."))
    );
}

#[test]
fn industrial_design_with_one_design_and_seven_figures() {
    // filing 150,000 + examination 1 × 700,000 + publication 120,000
    // + figures from the 2nd (7 − 1) = 6 × 60,000 = 360,000 + search 1 × 480,000 = 1,810,000
    let s = fees(example("industrial-design"));
    assert_eq!(
        lines(&s),
        vec![
            ("industrial-design.filing", 1, 150_000),
            ("industrial-design.examination", 1, 700_000),
            ("industrial-design.publication", 1, 120_000),
            ("industrial-design.publication.extra_figures", 6, 360_000),
            ("industrial-design.search", 1, 480_000),
        ]
    );
    assert_eq!(s.total_at_filing_vnd, 1_810_000);
    assert!(s.notes.iter().any(|n| n.en.contains("variant")));
}

fn tech_transfer(registration: &str, value: u64) -> FeeSchedule {
    let mut v = example("tech-transfer");
    v["registration"] = json!(registration);
    v["contract"]["value_vnd"] = json!(value);
    fees(v)
}

#[test]
fn tech_transfer_first_registration_is_clamped_to_five_and_ten_million() {
    for (value, fee) in [
        (3_000_000_000, 5_000_000),
        (7_000_000_000, 7_000_000),
        (12_000_000_000, 10_000_000),
    ] {
        let s = tech_transfer("first", value);
        assert_eq!(
            lines(&s),
            vec![("tech-transfer.appraisal", 1, fee)],
            "{value}"
        );
        assert_eq!(s.total_at_filing_vnd, fee);
    }
    let s = tech_transfer("first", 3_000_000_000);
    assert!(
        s.lines[0]
            .basis
            .en
            .contains("raised to the minimum 5,000,000")
    );
    let s = tech_transfer("first", 12_000_000_000);
    assert!(s.lines[0].basis.vi.contains("tối đa 10.000.000"));
}

#[test]
fn tech_transfer_amendment_is_clamped_to_three_and_five_million() {
    for (value, fee) in [
        (2_000_000_000, 3_000_000),
        (4_000_000_000, 4_000_000),
        (8_000_000_000, 5_000_000),
    ] {
        let s = tech_transfer("amendment", value);
        assert_eq!(
            lines(&s),
            vec![("tech-transfer.amendment_appraisal", 1, fee)],
            "{value}"
        );
    }
}

#[test]
fn tech_transfer_fraction_of_a_dong_is_rounded_down_and_said() {
    let s = tech_transfer("first", 7_000_000_999);
    assert_eq!(s.total_at_filing_vnd, 7_000_000);
    assert!(s.notes.iter().any(|n| n.en.contains("rounded down")));
    let s = tech_transfer("first", 7_000_000_000);
    assert!(!s.notes.iter().any(|n| n.en.contains("rounded down")));
}

#[test]
fn tech_transfer_without_a_value_has_no_line_but_a_note() {
    let mut v = example("tech-transfer");
    v["contract"]["value_vnd"] = Value::Null;
    let s = fees(v);
    assert!(s.lines.is_empty());
    assert!(
        s.notes
            .iter()
            .any(|n| n.vi.contains("chưa khai giá trị hợp đồng"))
    );
}

fn barcode(prefix_length: u32, filed: &str) -> FeeSchedule {
    let mut v = example("barcode");
    v["prefix_length"] = json!(prefix_length);
    v["company_prefix"] = json!("");
    fees_on(v, filed)
}

#[test]
fn barcode_gcp10_maintenance_is_halved_from_the_first_of_july() {
    for (filed, total) in [
        ("2026-03-15", 1_500_000),
        ("2026-09-15", 1_250_000),
        ("2026-06-30", 1_500_000),
        ("2026-07-01", 1_250_000),
    ] {
        let s = barcode(10, filed);
        assert_eq!(s.total_at_filing_vnd, total, "{filed}");
        assert_eq!(s.day.to_string(), filed);
        every_line_is_quantity_times_unit(&s);
    }
    let s = barcode(10, "2026-07-01");
    assert_eq!(
        lines(&s),
        vec![
            ("barcode.gcp10.registration", 1, 1_000_000),
            ("barcode.gcp10.maintenance", 1, 250_000),
        ]
    );
    assert!(s.lines[1].basis.vi.contains("× 50 % (sau ngày 30/06)"));
    assert!(s.lines[1].basis.en.contains("after 30 June"));
    assert!(s.notes.iter().any(|n| n.en.contains("filing or the grant")));
}

#[test]
fn barcode_gcp8_before_and_after_june() {
    assert_eq!(barcode(8, "2026-03-15").total_at_filing_vnd, 2_500_000);
    assert_eq!(barcode(8, "2026-09-15").total_at_filing_vnd, 1_750_000);
}

#[test]
fn barcode_gcp12_has_no_maintenance_and_gcp7_is_unconfirmed() {
    let s = barcode(12, "2026-03-15");
    assert_eq!(
        lines(&s),
        vec![("barcode.gcp12.registration", 1, 1_000_000)]
    );
    let s = barcode(7, "2026-03-15");
    assert_eq!(s.total_at_filing_vnd, 3_000_000);
    assert!(
        s.lines
            .iter()
            .all(|l| l.confidence == Confidence::Unconfirmed)
    );
}

#[test]
fn barcode_glns_and_ean8_codes_are_charged_each() {
    let mut v = example("barcode");
    v["gln_count"] = json!(2);
    v["ean8_count"] = json!(1);
    let s = fees_on(v, "2026-09-15");
    // 1,000,000 + 250,000 + GLN 2 × 300,000 + 2 × 100,000 + EAN-8 300,000 + 100,000
    assert_eq!(s.total_at_filing_vnd, 2_450_000);
}

#[test]
fn temporary_measures_are_mentioned_but_not_applied() {
    let s = fees(example("trademark"));
    assert_eq!(s.total_at_filing_vnd, 2_030_000);
    assert!(
        s.notes
            .iter()
            .any(|n| n.vi.starts_with("Chưa áp dụng") && n.vi.contains("64/2025"))
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.en.starts_with("Not applied") && n.en.contains("VNeID"))
    );
    // Outside their period they are not mentioned at all.
    let s = fees_on(example("trademark"), "2027-01-04");
    assert!(!s.notes.iter().any(|n| n.en.contains("64/2025")));
    assert_eq!(s.total_at_filing_vnd, 2_030_000);
}

#[test]
fn an_applied_adjustment_reduces_the_lines_it_names() {
    let text =
        include_str!("../data/fees.toml").replacen("\napplies = false", "\napplies = true", 1);
    let tables = FeeTables::parse(&text).unwrap();
    let d = Dossier::from_json(example("trademark")).unwrap();
    let s = compute(&d, &tables, TODAY);
    assert_eq!(s.total_at_filing_vnd, 1_015_000);
    assert_eq!(s.total_later_vnd, 230_000);
    assert!(s.notes.iter().any(|n| n.en.starts_with("Applied")));
}

#[test]
fn no_fee_table_before_2017() {
    let s = fees_on(example("trademark"), "2016-12-31");
    assert!(s.lines.is_empty());
    assert_eq!(s.total_at_filing_vnd, 0);
    assert!(
        s.notes
            .iter()
            .any(|n| n.en.contains("No item of fee table"))
    );
}

#[test]
fn schedule_serialises_for_json_output() {
    let v = serde_json::to_value(fees(example("trademark"))).unwrap();
    assert_eq!(v["total_at_filing_vnd"], 2_030_000);
    assert_eq!(v["total_later_vnd"], 460_000);
    assert_eq!(v["day"], "2026-11-23");
    assert_eq!(v["lines"][0]["stage"], "filing");
    assert_eq!(v["lines"][3]["confidence"], "unconfirmed");
    assert_eq!(v["lines"][0]["label"]["vi"], "Lệ phí nộp đơn");
}
