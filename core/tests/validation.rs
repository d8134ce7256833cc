//! Validation rules of the six forms, on the example dossiers with one thing changed each.

use hoso_core::Dossier;
use hoso_core::legal::Forms;
use hoso_core::validate::{Report, Severity};
use jiff::civil::{Date, date};
use serde_json::{Value, json};

const TODAY: Date = date(2026, 11, 23);

fn example(kind: &str) -> Value {
    let path = format!("{}/../examples/{kind}.json", env!("CARGO_MANIFEST_DIR"));
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Attachments by path become references, as `draft new --from` makes them.
    if let Some(items) = v["attachments"].as_array_mut() {
        for a in items.iter_mut() {
            let slot = a["slot"].clone();
            let media = if a["path"].as_str().unwrap().ends_with(".png") {
                "image/png"
            } else {
                "application/pdf"
            };
            *a = json!({ "slot": slot, "file_name": "f", "sha256": "00", "size": 10, "media_type": media });
        }
    }
    v
}

fn check(v: Value) -> Report {
    let mut d = Dossier::from_json(v).unwrap();
    if d.form_version().is_empty() {
        let day = d.filing_date().unwrap_or(TODAY);
        let id = Forms::bundled().in_force(d.kind(), day).unwrap().id.clone();
        *d.form_version_mut() = id;
    }
    d.validate(Forms::bundled(), TODAY)
}

fn codes(r: &Report) -> Vec<(String, String)> {
    r.problems
        .iter()
        .map(|p| (p.path.clone(), p.code.clone()))
        .collect()
}

fn has(r: &Report, path: &str, code: &str) -> bool {
    r.problems.iter().any(|p| p.path == path && p.code == code)
}

#[test]
fn examples_are_valid_on_the_reference_day() {
    for kind in [
        "tech-transfer",
        "patent",
        "utility-solution",
        "industrial-design",
        "trademark",
        "barcode",
    ] {
        let r = check(example(kind));
        assert!(r.problems.is_empty(), "{kind}: {:?}", codes(&r));
    }
}

#[test]
fn trademark_priority_must_be_within_six_months_and_not_after_filing() {
    let mut v = example("trademark");
    v["filing_date"] = json!("2026-11-23");
    v["attachments"].as_array_mut().unwrap().push(json!({
        "slot": "priority_documents", "file_name": "p.pdf", "sha256": "01", "size": 5, "media_type": "application/pdf"
    }));
    v["priority"] = json!([{ "basis": "paris-convention", "country": "JP", "number": "2026-001", "date": "2026-05-19" }]);
    let r = check(v.clone());
    assert!(
        has(&r, "priority.0.date", "priority.expired"),
        "{:?}",
        codes(&r)
    );
    let p = r
        .problems
        .iter()
        .find(|p| p.code == "priority.expired")
        .unwrap();
    assert!(p.source.as_deref().unwrap().contains("Paris Convention"));

    v["priority"][0]["date"] = json!("2026-05-25");
    assert!(check(v.clone()).is_valid());
    // Six months from 22 May end on Sunday 22 November: the period runs to Monday the 23rd.
    v["priority"][0]["date"] = json!("2026-05-22");
    assert!(check(v.clone()).is_valid());
    v["priority"][0]["date"] = json!("2026-11-24");
    assert!(has(&check(v), "priority.0.date", "priority.after_filing"));
}

#[test]
fn patent_priority_runs_twelve_months() {
    let mut v = example("patent");
    v["filing_date"] = json!("2026-11-23");
    v["attachments"].as_array_mut().unwrap().push(json!({
        "slot": "priority_documents", "file_name": "p.pdf", "sha256": "01", "size": 5, "media_type": "application/pdf"
    }));
    v["priority"] = json!([{ "country": "US", "number": "63/000,001", "date": "2025-12-01" }]);
    assert!(check(v.clone()).is_valid());
    v["priority"][0]["date"] = json!("2025-11-20");
    assert!(has(&check(v), "priority.0.date", "priority.expired"));
}

#[test]
fn priority_claim_needs_its_documents() {
    let mut v = example("industrial-design");
    v["priority"] = json!([{ "country": "KR", "number": "30-2026-1", "date": "2026-10-01" }]);
    let r = check(v);
    assert_eq!(
        codes(&r),
        vec![(
            "attachments.priority_documents".into(),
            "attachment.missing".into()
        )]
    );
}

#[test]
fn foreign_applicant_without_establishment_must_use_an_agent() {
    let mut v = example("trademark");
    v["applicant"]["country"] = json!("JP");
    v["applicant"]["tax_code"] = json!("");
    let r = check(v.clone());
    let p = r
        .problems
        .iter()
        .find(|p| p.code == "representative.agent_required")
        .unwrap();
    assert!(p.source.as_deref().unwrap().contains("Art. 89"));

    v["representative"] =
        json!({ "kind": "ip-agent", "name": "Công ty Luật Ví Dụ", "agent_code": "VD-0001" });
    let r = check(v.clone());
    assert_eq!(
        codes(&r),
        vec![(
            "attachments.power_of_attorney".into(),
            "attachment.missing".into()
        )]
    );
    v["applicant"]["establishment_in_vietnam"] = json!(true);
    v["representative"] = json!({});
    assert!(check(v).is_valid());
}

#[test]
fn an_individual_gives_a_citizen_id() {
    let mut v = example("patent");
    v["applicant"]["party_type"] = json!("individual");
    assert!(has(&check(v.clone()), "applicant.citizen_id", "required"));
    v["applicant"]["citizen_id"] = json!("02519900953");
    assert!(has(
        &check(v.clone()),
        "applicant.citizen_id",
        "citizen_id.format"
    ));
    v["applicant"]["citizen_id"] = json!("025199009534");
    assert!(check(v).is_valid());
}

#[test]
fn branch_tax_codes_are_accepted_and_never_issued_stems_refused() {
    let mut v = example("barcode");
    v["applicant"]["tax_code"] = json!("0101234565-001");
    assert!(check(v.clone()).is_valid());
    v["applicant"]["tax_code"] = json!("0100000055");
    assert!(has(
        &check(v),
        "applicant.tax_code",
        "tax_code.never_issued"
    ));
}

#[test]
fn collective_marks_need_their_regulation_of_use() {
    let mut v = example("trademark");
    v["mark"]["mark_type"] = json!("collective");
    assert!(has(
        &check(v),
        "attachments.regulation_of_use",
        "attachment.missing"
    ));
}

#[test]
fn nice_classes_need_items_and_appear_once() {
    let mut v = example("trademark");
    v["goods"][1]["class"] = json!(9);
    v["goods"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "class": 35, "items": [] }));
    let r = check(v);
    assert!(has(&r, "goods.1.class", "nice_class.duplicate"));
    assert!(has(&r, "goods.2.items", "nice_class.no_items"));
    let mut v = example("trademark");
    v["goods"][0]["class"] = json!(0);
    assert!(has(&check(v), "goods.0.class", "nice_class.range"));
}

#[test]
fn locarno_classes_run_to_thirty_two() {
    let mut v = example("industrial-design");
    v["locarno"] = json!(["33-01", "6-1"]);
    let r = check(v);
    assert!(has(&r, "locarno.0", "locarno_class.range"));
    assert!(has(&r, "locarno.1", "locarno_class.format"));
}

#[test]
fn barcode_products_must_fit_the_prefix() {
    let mut v = example("barcode");
    v["products"][0]["gtin"] = json!("8931234567897");
    v["products"][1]["gtin"] = json!("8936012345025");
    v["company_prefix"] = json!("893601234");
    let r = check(v.clone());
    assert!(has(&r, "company_prefix", "company_prefix.length"));
    v["company_prefix"] = json!("8936012345");
    let r = check(v.clone());
    assert!(has(&r, "products.0.gtin", "gtin.prefix"));
    assert!(has(&r, "products.2.gtin", "gtin.duplicate"));
    v["company_prefix"] = json!("4006381333");
    assert!(has(
        &check(v.clone()),
        "company_prefix",
        "company_prefix.range"
    ));
    v["prefix_length"] = json!(11);
    assert!(has(&check(v), "prefix_length", "prefix_length.unsupported"));

    let mut v = example("barcode");
    let products: Vec<Value> = (0..101)
        .map(|i| {
            let data = format!("8936012345{:02}", i % 100);
            let check = hoso_core::ident::gs1_check_digit(&data).unwrap();
            json!({ "gtin": format!("{data}{check}"), "name": format!("Sản phẩm {i}") })
        })
        .collect();
    v["products"] = json!(products);
    let r = check(v);
    assert!(has(&r, "products", "products.over_capacity"));
}

#[test]
fn the_right_party_files_a_technology_transfer() {
    let mut v = example("tech-transfer");
    v["contract"]["direction"] = json!("outbound");
    let r = check(v.clone());
    assert!(has(&r, "applicant_role", "tech_transfer.wrong_filer"));
    v["applicant_role"] = json!("transferor");
    assert!(check(v).is_valid());
}

#[test]
fn technology_transfer_contract_carries_the_content_of_article_23() {
    let mut v = example("tech-transfer");
    v["contract"]["technology_name"] = json!("");
    v["contract"]["methods"] = json!([]);
    v["contract"]["value_vnd"] = Value::Null;
    v["contract"]["language"] = json!("de");
    let r = check(v);
    let name = r
        .problems
        .iter()
        .find(|p| p.path == "contract.technology_name")
        .unwrap();
    assert!(name.source.as_deref().unwrap().contains("Art. 23"));
    assert!(has(&r, "contract.methods", "contract.methods_missing"));
    assert!(has(&r, "contract.value_vnd", "contract.value_missing"));
    assert!(has(
        &r,
        "attachments.contract_translation",
        "attachment.missing"
    ));
}

#[test]
fn late_registration_is_a_warning_not_an_error() {
    let mut v = example("tech-transfer");
    v["filing_date"] = json!("2027-02-01");
    let r = check(v);
    assert!(r.is_valid());
    let w = r
        .problems
        .iter()
        .find(|p| p.code == "contract.late_registration")
        .unwrap();
    assert_eq!(w.severity, Severity::Warning);
}

#[test]
fn a_form_version_that_does_not_apply_on_the_filing_date_is_reported() {
    let mut v = example("trademark");
    v["form_version"] = json!("trademark/nd65-2023-f08");
    let r = check(v.clone());
    assert!(has(&r, "form_version", "form_version.not_in_force"));
    v["filing_date"] = json!("2026-03-01");
    assert!(check(v).is_valid());
}

#[test]
fn emails_phones_and_agent_codes_are_checked() {
    let mut v = example("patent");
    v["applicant"]["email"] = json!("sohuutritue@");
    v["applicant"]["phone"] = json!("12");
    v["representative"] = json!({ "kind": "ip-agent", "name": "Công ty Luật Ví Dụ" });
    let r = check(v);
    assert!(has(&r, "applicant.email", "email.format"));
    assert!(has(&r, "applicant.phone", "phone.format"));
    assert!(has(&r, "representative.agent_code", "required"));
}

#[test]
fn attachments_of_the_wrong_type_or_size_are_named() {
    let mut v = example("trademark");
    v["attachments"][0]["media_type"] = json!("application/pdf");
    v["attachments"].as_array_mut().unwrap().push(json!({
        "slot": "other", "file_name": "big.pdf", "sha256": "02", "size": 60u64 * 1024 * 1024, "media_type": "application/pdf"
    }));
    let r = check(v);
    assert!(has(&r, "attachments.0", "attachment.type"));
    assert!(has(&r, "attachments.1", "attachment.too_large"));
}
