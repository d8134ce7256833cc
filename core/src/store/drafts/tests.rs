use serde_json::json;

use super::*;
use crate::store::ProfileKind;
use crate::store::tests::temp_store;
use crate::store::values::tests::in_both_folders;

in_both_folders!(
    create_draft_writes_revision_one,
    save_revision_appends_and_becomes_current,
    recent_revisions_are_the_newest_first_without_documents,
    restore_appends_a_copy_and_keeps_history,
    sealed_draft_refuses_every_change,
    drafts_for_profile_lists_only_its_unsealed_drafts,
    drafts_are_listed_most_recently_changed_first,
    set_title_renames_without_a_new_revision,
    documents_round_trip_exactly,
);

fn trademark_doc(mark: &str) -> Value {
    json!({
        "kind": "trademark",
        "applicant": {"name": "Công ty Cổ phần Phở Việt", "tax_code": "0312345678"},
        "mark": mark,
        "nice_classes": [29, 30, 43],
    })
}

fn create_draft_writes_revision_one(store: &mut Store) {
    let doc = trademark_doc("PHỞ VIỆT");
    let id = store
        .create_draft("trademark", None, "Nhãn hiệu Phở Việt", &doc, "created")
        .expect("create");
    let d = store.draft(id).expect("read");
    assert_eq!(d.rev, 1);
    assert_eq!(d.doc, doc);
    assert_eq!(d.kind, "trademark");
    assert_eq!(d.title, "Nhãn hiệu Phở Việt");
    assert_eq!(d.profile_id, None);
    assert_eq!(d.sealed_at, None);
    let history = store.history(id).expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].rev, 1);
    assert_eq!(history[0].summary, "created");
    assert_eq!(history[0].saved_at, d.created_at);
}

fn save_revision_appends_and_becomes_current(store: &mut Store) {
    let id = store
        .create_draft("trademark", None, "t", &trademark_doc("A"), "created")
        .expect("create");
    assert_eq!(
        store
            .save_revision(id, &trademark_doc("B"), "mark B")
            .expect("save"),
        2
    );
    assert_eq!(
        store
            .save_revision(id, &trademark_doc("C"), "mark C")
            .expect("save"),
        3
    );
    let d = store.draft(id).expect("read");
    assert_eq!(d.rev, 3);
    assert_eq!(d.doc, trademark_doc("C"));
    assert!(d.updated_at >= d.created_at);
    let history = store.history(id).expect("history");
    let revs: Vec<_> = history
        .iter()
        .map(|r| (r.rev, r.summary.as_str()))
        .collect();
    assert_eq!(revs, [(1, "created"), (2, "mark B"), (3, "mark C")]);
    assert_eq!(history[1].doc, trademark_doc("B"));
    assert_eq!(store.revision(id, 1).expect("rev 1"), trademark_doc("A"));
}

fn recent_revisions_are_the_newest_first_without_documents(store: &mut Store) {
    let id = store
        .create_draft("trademark", None, "t", &trademark_doc("A"), "created")
        .expect("create");
    store
        .save_revision(id, &trademark_doc("B"), "mark B")
        .expect("save");
    store
        .save_revision(id, &trademark_doc("C"), "mark C")
        .expect("save");
    let history = store.history(id).expect("history");
    let recent = store.recent_revisions(id, 2).expect("recent");
    let revs: Vec<_> = recent
        .iter()
        .map(|r| (r.rev, r.summary.as_str(), r.saved_at))
        .collect();
    assert_eq!(
        revs,
        [
            (3, "mark C", history[2].saved_at),
            (2, "mark B", history[1].saved_at)
        ]
    );
    assert_eq!(store.recent_revisions(id, 50).expect("all").len(), 3);
    assert!(matches!(
        store.recent_revisions(DraftId(404), 50),
        Err(StoreError::NotFound { what: "draft", .. })
    ));
}

fn restore_appends_a_copy_and_keeps_history(store: &mut Store) {
    let id = store
        .create_draft("patent", None, "t", &trademark_doc("A"), "created")
        .expect("create");
    store
        .save_revision(id, &trademark_doc("B"), "b")
        .expect("save");
    store
        .save_revision(id, &trademark_doc("C"), "c")
        .expect("save");

    let new_rev = store.restore(id, 1).expect("restore");

    assert_eq!(new_rev, 4);
    let d = store.draft(id).expect("read");
    assert_eq!(d.rev, 4);
    assert_eq!(d.doc, trademark_doc("A"));
    let history = store.history(id).expect("history");
    assert_eq!(history.len(), 4, "nothing was removed");
    assert_eq!(history[3].summary, "restored revision 1");
    assert_eq!(history[1].doc, trademark_doc("B"));
    assert_eq!(
        history[2].doc,
        trademark_doc("C"),
        "later revisions are kept"
    );
}

#[test]
fn restore_of_an_unknown_revision_is_not_found_and_writes_nothing() {
    let (_dir, mut store) = temp_store();
    let id = store
        .create_draft("patent", None, "t", &json!({}), "created")
        .expect("create");
    let err = store.restore(id, 7).expect_err("no revision 7");
    assert!(
        matches!(&err, StoreError::NotFound { what: "revision", id: i } if *i == format!("{id}/7")),
        "{err:?}"
    );
    assert_eq!(store.draft(id).expect("read").rev, 1);
}

fn sealed_draft_refuses_every_change(store: &mut Store) {
    let id = store
        .create_draft("barcode", None, "t", &json!({"n": 1}), "created")
        .expect("create");
    store
        .save_revision(id, &json!({"n": 2}), "two")
        .expect("save");
    let sealed_at = store.mark_sealed(id).expect("seal");

    let sealed =
        |r: Result<_, StoreError>| matches!(r, Err(StoreError::Sealed { id: i }) if i == id);
    assert!(sealed(
        store
            .save_revision(id, &json!({"n": 3}), "three")
            .map(|_| ())
    ));
    assert!(sealed(store.restore(id, 1).map(|_| ())));
    assert!(sealed(store.set_title(id, "new")));
    assert!(sealed(store.mark_sealed(id).map(|_| ())));

    let d = store.draft(id).expect("read");
    assert_eq!(d.rev, 2);
    assert_eq!(d.doc, json!({"n": 2}));
    assert_eq!(d.title, "t");
    assert_eq!(d.sealed_at, Some(sealed_at));
}

#[test]
fn unknown_draft_is_not_found_everywhere() {
    let (_dir, mut store) = temp_store();
    let missing = DraftId(404);
    let is_missing_draft =
        |e: &StoreError| matches!(e, StoreError::NotFound { what: "draft", id } if id == "404");
    assert!(is_missing_draft(&store.draft(missing).expect_err("draft")));
    assert!(is_missing_draft(
        &store.history(missing).expect_err("history")
    ));
    assert!(is_missing_draft(
        &store.revision(missing, 1).expect_err("revision")
    ));
    assert!(is_missing_draft(
        &store
            .save_revision(missing, &json!({}), "x")
            .expect_err("save")
    ));
    assert!(is_missing_draft(
        &store.restore(missing, 1).expect_err("restore")
    ));
    assert!(is_missing_draft(
        &store.set_title(missing, "x").expect_err("title")
    ));
    assert!(is_missing_draft(
        &store.mark_sealed(missing).expect_err("seal")
    ));
}

#[test]
fn draft_for_an_unknown_profile_is_refused() {
    let (_dir, mut store) = temp_store();
    let err = store
        .create_draft("patent", Some(ProfileId(5)), "t", &json!({}), "created")
        .expect_err("no profile 5");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "profile",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        store.drafts().expect("list").is_empty(),
        "nothing half-written"
    );
}

fn drafts_for_profile_lists_only_its_unsealed_drafts(store: &mut Store) {
    let p = store
        .add_profile(ProfileKind::Enterprise, "A", &json!({}))
        .expect("profile");
    let other = store
        .add_profile(ProfileKind::Agent, "B", &json!({}))
        .expect("profile");
    let a = store
        .create_draft("patent", Some(p), "a", &json!({}), "c")
        .expect("a");
    let b = store
        .create_draft("patent", Some(p), "b", &json!({}), "c")
        .expect("b");
    let c = store
        .create_draft("patent", Some(p), "c", &json!({}), "c")
        .expect("c");
    store
        .create_draft("patent", Some(other), "d", &json!({}), "c")
        .expect("d");
    store
        .create_draft("patent", None, "e", &json!({}), "c")
        .expect("e");
    store.mark_sealed(b).expect("seal");

    assert_eq!(store.drafts_for_profile(p).expect("list"), [a, c]);
    assert_eq!(store.draft(a).expect("a").profile_id, Some(p));
    let err = store
        .drafts_for_profile(ProfileId(99))
        .expect_err("unknown");
    assert_eq!(err.code(), "store.not_found");
}

fn drafts_are_listed_most_recently_changed_first(store: &mut Store) {
    let pause = || std::thread::sleep(std::time::Duration::from_millis(2));
    let a = store
        .create_draft("patent", None, "a", &json!({}), "c")
        .expect("a");
    pause();
    let b = store
        .create_draft("patent", None, "b", &json!({}), "c")
        .expect("b");
    pause();
    store
        .save_revision(a, &json!({"x": 1}), "edit")
        .expect("save");
    let list = store.drafts().expect("list");
    let ids: Vec<_> = list.iter().map(|d| d.id).collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(list[0].rev, 2);
    assert_eq!(list[1].rev, 1);
}

fn set_title_renames_without_a_new_revision(store: &mut Store) {
    let id = store
        .create_draft("patent", None, "cũ", &json!({}), "c")
        .expect("create");
    store.set_title(id, "Sáng chế mới").expect("title");
    let d = store.draft(id).expect("read");
    assert_eq!(d.title, "Sáng chế mới");
    assert_eq!(d.rev, 1);
}

#[test]
fn revisions_cannot_be_rewritten_even_in_sql() {
    let (_dir, mut store) = temp_store();
    let id = store
        .create_draft("patent", None, "t", &json!({"a": 1}), "c")
        .expect("create");
    let err = store
        .conn
        .execute(
            "UPDATE revisions SET doc = '{}' WHERE draft_id = ?1",
            [id.0],
        )
        .expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(store.revision(id, 1).expect("rev"), json!({"a": 1}));
}

fn documents_round_trip_exactly(store: &mut Store) {
    let doc = json!({
        "z": "Tiếng Việt có dấu: Nguyễn Thị Ánh Tuyết",
        "a": [1, 2.5, -3, null, true, {"nested": "ễ"}],
        "big": 9_007_199_254_740_993_u64,
        "empty": {},
    });
    let id = store
        .create_draft("patent", None, "t", &doc, "c")
        .expect("create");
    let back = store.draft(id).expect("read").doc;
    assert_eq!(back, doc);
    assert_eq!(
        serde_json::to_string(&back).expect("json"),
        serde_json::to_string(&doc).expect("json")
    );
}
