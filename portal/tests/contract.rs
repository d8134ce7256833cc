//! The contract (`portal/openapi.json`) against the reference server over real HTTP: the
//! document lists exactly the router's routes, every route is exercised, and every answer
//! has a documented status, its required headers, and a JSON body that validates against
//! the document's schema.

mod support;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hoso_portal::api::{self, DossierKind, Receipt, Status, codes};
use hoso_portal::server::{Catalog, ROUTES, Store};
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::*;

const DOC: &str = include_str!("../openapi.json");
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

struct Contract {
    doc: Value,
    exercised: Mutex<BTreeSet<(String, String)>>,
}

impl Contract {
    fn load() -> Contract {
        Contract {
            doc: serde_json::from_str(DOC).expect("openapi.json is JSON"),
            exercised: Mutex::new(BTreeSet::new()),
        }
    }

    fn routes(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for m in METHODS {
                if item.get(m).is_some() {
                    out.insert((m.to_owned(), path.clone()));
                }
            }
        }
        out
    }

    /// Follows `$ref`s within the document.
    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let pointer = r.strip_prefix('#').expect("local $ref");
            v = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling {r}"));
        }
        v
    }

    fn validate(&self, schema: &Value, instance: &Value, what: &str) {
        let mut root = schema.clone();
        let obj = root.as_object_mut().expect("schema object");
        obj.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        obj.insert("components".into(), self.doc["components"].clone());
        let validator = jsonschema::validator_for(&root).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:?}\n{instance:#}");
    }

    /// Checks an answer against the document; its JSON body, if any.
    async fn check(&self, method: &str, template: &str, resp: reqwest::Response) -> Option<Value> {
        let status = resp.status().as_u16();
        let what = format!("{} {template} → {status}", method.to_uppercase());
        let op = &self.doc["paths"][template][method];
        assert!(op.is_object(), "{what}: route not in the document");
        self.exercised
            .lock()
            .unwrap()
            .insert((method.to_owned(), template.to_owned()));
        let documented = &op["responses"][status.to_string()];
        assert!(documented.is_object(), "{what}: status not documented");
        let documented = self.resolve(documented);
        let headers = resp.headers().clone();
        if let Some(hs) = documented.get("headers").and_then(Value::as_object) {
            for (name, h) in hs {
                let h = self.resolve(h);
                let value = headers.get(name.as_str()).and_then(|v| v.to_str().ok());
                if h["required"] == Value::Bool(true) {
                    let value = value.unwrap_or_else(|| panic!("{what}: no {name} header"));
                    if let Some(c) = h["schema"].get("const").and_then(Value::as_str) {
                        assert_eq!(value, c, "{what}: {name}");
                    }
                    if h["schema"]["type"] == "integer" {
                        value
                            .parse::<u64>()
                            .unwrap_or_else(|_| panic!("{what}: {name} = {value}"));
                    }
                }
            }
        }
        let bytes = resp.bytes().await.expect("body");
        match documented.get("content") {
            Some(content) if content.get("application/json").is_some() => {
                let body: Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{what}: body is not JSON: {e}"));
                let schema = &content["application/json"]["schema"];
                self.validate(schema, &body, &what);
                Some(body)
            }
            Some(_) => None,
            None => {
                assert!(bytes.is_empty(), "{what}: undocumented body");
                None
            }
        }
    }

    /// An answer to a route outside the document: its body must still be the Error schema.
    async fn check_error(&self, resp: reqwest::Response) -> String {
        let body: Value = resp.json().await.expect("json");
        self.validate(
            &serde_json::json!({"$ref": "#/components/schemas/Error"}),
            &body,
            "error",
        );
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn code(body: &Option<Value>) -> &str {
    body.as_ref()
        .and_then(|b| b["error"]["code"].as_str())
        .unwrap_or_default()
}

#[test]
fn the_document_lists_exactly_the_routes_the_server_has() {
    let c = Contract::load();
    let ours: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(c.routes(), ours);
    assert_eq!(c.doc["openapi"], "3.1.0");
    // Every schema of the document compiles, and every error code the crate defines is
    // shaped as the Error schema wants.
    for (name, _) in c.doc["components"]["schemas"].as_object().unwrap() {
        let root = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{name}"),
            "components": c.doc["components"],
        });
        jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[tokio::test]
async fn every_route_answers_as_the_document_says() {
    let c = Contract::load();
    let mut portal = Portal::new();
    portal.config.max_upload_bytes = 10 << 20;
    let pack = b"signed catalog data pack".to_vec();
    portal.config.catalog = Some(Catalog {
        version: "2026.1".into(),
        date: "2026-01-01".parse().unwrap(),
        pack: Some(pack.clone()),
    });
    let server = portal.start().await;
    let http = http();
    let base = server.base_url();
    let url = |p: &str| format!("{base}{p}");

    // Catalog.
    let body = c
        .check(
            "get",
            "/v1/catalog",
            http.get(url("/v1/catalog")).send().await.unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(body["version"], "2026.1");
    assert_eq!(body["pack_sha256"], hex::encode(Sha256::digest(&pack)));
    let resp = http
        .get(url(body["pack_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), pack.as_slice());
    c.check(
        "get",
        "/v1/catalog/pack",
        http.get(url("/v1/catalog/pack")).send().await.unwrap(),
    )
    .await;

    // Login.
    let me = portal.enterprise(APPLICANT);
    let challenge = c
        .check(
            "post",
            "/v1/auth/challenge",
            http.post(url("/v1/auth/challenge")).send().await.unwrap(),
        )
        .await
        .unwrap();
    let nonce = challenge["nonce"].as_str().unwrap().to_owned();
    let signed = STANDARD.encode(
        hoso_signing::cms::sign_detached(
            &me.signer().unwrap(),
            &Sha256::digest(STANDARD.decode(&nonce).unwrap()).into(),
            &Default::default(),
        )
        .unwrap(),
    );
    let request = serde_json::json!({"nonce": nonce, "signed_nonce": signed});
    let token = c
        .check(
            "post",
            "/v1/auth/token",
            http.post(url("/v1/auth/token"))
                .json(&request)
                .send()
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    let s = Session {
        http: http.clone(),
        base: base.clone(),
        token: token["access_token"].as_str().unwrap().to_owned(),
    };
    let again = c
        .check(
            "post",
            "/v1/auth/token",
            http.post(url("/v1/auth/token"))
                .json(&request)
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(code(&again), codes::AUTH_CHALLENGE_INVALID);
    let bad = c
        .check(
            "post",
            "/v1/auth/token",
            http.post(url("/v1/auth/token"))
                .header("Content-Type", "application/json")
                .body("{")
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(code(&bad), codes::REQUEST_MALFORMED_JSON);
    let bad = c
        .check(
            "post",
            "/v1/auth/token",
            http.post(url("/v1/auth/token"))
                .body("x")
                .send()
                .await
                .unwrap(),
        )
        .await;
    assert_eq!(code(&bad), codes::REQUEST_UNSUPPORTED_MEDIA_TYPE);

    // tus.
    let resp = http
        .request(Method::OPTIONS, url("/v1/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        resp.headers()["tus-extension"],
        "creation,checksum,termination"
    );
    c.check("options", "/v1/uploads", resp).await;
    let no_version = s
        .req(Method::POST, "/v1/uploads")
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("post", "/v1/uploads", no_version).await),
        codes::TUS_VERSION_UNSUPPORTED
    );
    let too_big = s
        .tus(Method::POST, "/v1/uploads")
        .header("Upload-Length", (11u64 << 20).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("post", "/v1/uploads", too_big).await),
        codes::TUS_TOO_LARGE
    );

    let bytes = container(
        DossierKind::Trademark,
        APPLICANT,
        &me,
        1,
        50_000,
        Spoil::None,
    );
    let sha = sha256_hex(&bytes);
    let created = s
        .tus(Method::POST, "/v1/uploads")
        .header("Upload-Length", bytes.len().to_string())
        .send()
        .await
        .unwrap();
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    c.check("post", "/v1/uploads", created).await;
    let id = location.rsplit('/').next().unwrap().to_owned();
    let t = "/v1/uploads/{id}";
    c.check(
        "head",
        t,
        s.tus(Method::HEAD, &location).send().await.unwrap(),
    )
    .await;
    c.check("patch", t, s.patch(&location, 0, &bytes[..20_000]).await)
        .await;
    let mismatch = s
        .tus(Method::PATCH, &location)
        .header("Content-Type", api::tus::PATCH_CONTENT_TYPE)
        .header("Upload-Offset", "20000")
        .header("Upload-Checksum", api::tus::checksum_header(&[0; 32]))
        .body(bytes[20_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("patch", t, mismatch).await),
        codes::TUS_CHECKSUM_MISMATCH
    );
    assert_eq!(
        code(
            &c.check("patch", t, s.patch(&location, 0, &bytes[..10]).await)
                .await
        ),
        codes::TUS_OFFSET_MISMATCH
    );
    let incomplete = s.submit(&id, &sha).await;
    assert_eq!(
        code(&c.check("post", "/v1/dossiers", incomplete).await),
        codes::TUS_UPLOAD_INCOMPLETE
    );
    c.check(
        "patch",
        t,
        s.patch(&location, 20_000, &bytes[20_000..]).await,
    )
    .await;

    // Filing.
    let receipt = c
        .check("post", "/v1/dossiers", s.submit(&id, &sha).await)
        .await
        .unwrap();
    let receipt: Receipt = serde_json::from_value(receipt).unwrap();
    let repeat = c
        .check("post", "/v1/dossiers", s.submit(&id, &sha).await)
        .await
        .unwrap();
    assert_eq!(serde_json::from_value::<Receipt>(repeat).unwrap(), receipt);
    let mismatch = container(
        DossierKind::Trademark,
        APPLICANT,
        &portal.enterprise(OTHER_TAX_CODE),
        2,
        100,
        Spoil::None,
    );
    assert_eq!(
        code(
            &c.check("post", "/v1/dossiers", s.file(&mismatch).await)
                .await
        ),
        codes::FILING_TAX_CODE_MISMATCH
    );
    let unknown = s
        .submit("0123456789abcdef0123456789abcdef", &sha256_hex(b"x"))
        .await;
    assert_eq!(
        code(&c.check("post", "/v1/dossiers", unknown).await),
        codes::TUS_UPLOAD_NOT_FOUND
    );
    let unauthenticated = http.get(url("/v1/dossiers")).send().await.unwrap();
    assert_eq!(
        code(&c.check("get", "/v1/dossiers", unauthenticated).await),
        codes::AUTH_MISSING
    );
    let list = c
        .check(
            "get",
            "/v1/dossiers",
            s.req(Method::GET, "/v1/dossiers").send().await.unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(list["dossiers"].as_array().unwrap().len(), 1);
    let n = &receipt.dossier_number;
    let t = "/v1/dossiers/{number}";
    c.check(
        "get",
        t,
        s.req(Method::GET, &format!("/v1/dossiers/{n}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let missing = s
        .req(Method::GET, "/v1/dossiers/4-2026-99999")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("get", t, missing).await),
        codes::DOSSIER_NOT_FOUND
    );

    // Supplements, with the officer moving the dossier on the same database.
    let t = "/v1/dossiers/{number}/supplements";
    let supplement = container(
        DossierKind::Trademark,
        APPLICANT,
        &me,
        3,
        5_000,
        Spoil::None,
    );
    let sup_id = s.upload(&supplement).await;
    let sup_req = api::SubmitRequest {
        upload_id: sup_id,
        container_sha256: sha256_hex(&supplement),
    };
    let path = format!("/v1/dossiers/{n}/supplements");
    let early = s
        .req(Method::POST, &path)
        .json(&sup_req)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("post", t, early).await),
        codes::DOSSIER_SUPPLEMENT_NOT_REQUESTED
    );
    let mut store = Store::open_existing(portal.dir.path()).unwrap();
    let now = jiff::Timestamp::now();
    store
        .advance(n, Status::InReview { message: None }, now)
        .unwrap();
    store
        .advance(
            n,
            Status::SupplementRequested {
                deadline: "2099-01-01".parse().unwrap(),
                message: "Bổ sung mẫu nhãn".into(),
            },
            now,
        )
        .unwrap();
    let filed = c
        .check(
            "post",
            t,
            s.req(Method::POST, &path)
                .json(&sup_req)
                .send()
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(filed["supplement"], 1);
    c.check(
        "post",
        t,
        s.req(Method::POST, &path)
            .json(&sup_req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    store
        .advance(
            n,
            Status::FeeDue {
                amount_vnd: 150_000,
                payment_reference: "PHI-1".into(),
                message: Some("Nộp phí".into()),
            },
            now,
        )
        .unwrap();
    store
        .advance(
            n,
            Status::Rejected {
                reason: "Không đủ điều kiện".into(),
            },
            now,
        )
        .unwrap();
    let history = c
        .check(
            "get",
            "/v1/dossiers/{number}",
            s.req(Method::GET, &format!("/v1/dossiers/{n}"))
                .send()
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(history["history"].as_array().unwrap().len(), 6);

    // Termination.
    let doomed = s.create_upload(10).await;
    c.check(
        "delete",
        "/v1/uploads/{id}",
        s.tus(Method::DELETE, &doomed).send().await.unwrap(),
    )
    .await;
    let gone = s.tus(Method::DELETE, &doomed).send().await.unwrap();
    assert_eq!(
        code(&c.check("delete", "/v1/uploads/{id}", gone).await),
        codes::TUS_UPLOAD_NOT_FOUND
    );

    // Outside the document: still the error body.
    assert_eq!(
        c.check_error(http.get(url("/v1/nothing")).send().await.unwrap())
            .await,
        codes::REQUEST_NOT_FOUND
    );
    assert_eq!(
        c.check_error(http.put(url("/v1/dossiers")).send().await.unwrap())
            .await,
        codes::REQUEST_METHOD_NOT_ALLOWED
    );
    server.stop(Duration::from_secs(5)).await.unwrap();

    // A portal without a catalog, and one that rate-limits hard.
    let mut bare = Portal::new();
    bare.config.rate_limit.burst = 1;
    bare.config.rate_limit.per_second = 0.1;
    let server = bare.start().await;
    let first = http
        .get(format!("{}/v1/catalog", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("get", "/v1/catalog", first).await),
        codes::CATALOG_UNAVAILABLE
    );
    let second = http
        .get(format!("{}/v1/catalog/pack", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&c.check("get", "/v1/catalog/pack", second).await),
        codes::RATE_LIMITED
    );
    server.stop(Duration::from_secs(5)).await.unwrap();

    let exercised = c.exercised.lock().unwrap().clone();
    assert_eq!(
        exercised,
        c.routes(),
        "every route of the document is exercised"
    );
}

#[test]
fn the_schemas_refuse_what_the_contract_forbids() {
    let c = Contract::load();
    let valid = |name: &str, v: Value| {
        let root = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{name}"),
            "components": c.doc["components"],
        });
        jsonschema::validator_for(&root).unwrap().is_valid(&v)
    };
    let sig = serde_json::json!({"algorithm": "ecdsa-p256-sha256", "value": "AA==", "certificate": "AA=="});
    let receipt = serde_json::json!({"dossier_number": "4-2026-00001", "kind": "trademark",
        "received_at": "2026-11-02T03:04:05Z", "container_sha256": "a".repeat(64), "portal_signature": sig});
    assert!(valid("Receipt", receipt.clone()));
    // The wire types serialise to what the schema accepts.
    let typed: Receipt = serde_json::from_value(receipt.clone()).unwrap();
    assert!(valid("Receipt", serde_json::to_value(&typed).unwrap()));
    for (field, bad) in [
        ("dossier_number", serde_json::json!("4/2026/1")),
        ("kind", serde_json::json!("copyright")),
        ("received_at", serde_json::json!("2026-11-02 03:04")),
        ("container_sha256", serde_json::json!("A".repeat(64))),
        ("extra", serde_json::json!(1)),
    ] {
        let mut r = receipt.clone();
        r[field] = bad;
        assert!(!valid("Receipt", r), "{field}");
    }
    assert!(valid(
        "StatusEvent",
        serde_json::json!({"at": "2026-11-02T03:04:05Z", "status": "supplement_requested", "deadline": "2026-12-01", "message": "m"})
    ));
    assert!(!valid(
        "StatusEvent",
        serde_json::json!({"at": "2026-11-02T03:04:05Z", "status": "supplement_requested", "message": "m"})
    ));
    assert!(!valid(
        "StatusEvent",
        serde_json::json!({"at": "2026-11-02T03:04:05Z", "status": "lost"})
    ));
    assert!(!valid(
        "Error",
        serde_json::json!({"error": {"code": "x", "message": {"vi": "a"}}})
    ));
}

/// `ROUTES` is what the router serves: every listed method answers on its path (whatever
/// the answer, never "no such route" or "method not allowed"), and every other method on
/// those paths is 405 (HEAD goes with GET, as in HTTP).
#[tokio::test]
async fn the_router_serves_exactly_the_listed_routes() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let fill = |p: &str| {
        p.replace("{id}", "0123456789abcdef0123456789abcdef")
            .replace("{number}", "4-2026-00001")
    };
    let paths: BTreeSet<&str> = ROUTES.iter().map(|(_, p)| *p).collect();
    for path in paths {
        for m in ["get", "put", "post", "delete", "options", "head", "patch"] {
            // HTTP answers HEAD wherever it answers GET.
            let listed =
                ROUTES.contains(&(m, path)) || (m == "head" && ROUTES.contains(&("get", path)));
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let resp = http
                .request(method, format!("{}{}", server.base_url(), fill(path)))
                .header("Tus-Resumable", "1.0.0")
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            if listed {
                assert_ne!(status, 405, "{m} {path}");
                if status == 404 && m != "head" {
                    let body: Value = resp.json().await.unwrap();
                    assert_ne!(
                        body["error"]["code"],
                        codes::REQUEST_NOT_FOUND,
                        "{m} {path}"
                    );
                }
            } else {
                assert_eq!(status, 405, "{m} {path} is not in ROUTES");
            }
        }
    }
    server.stop(Duration::from_secs(5)).await.unwrap();
}
