//! `hoso portal serve` and `hoso portal officer` as an operator runs them: a real server
//! process on a free loopback port, and officer commands on its data folder while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use hoso_portal::api::{DossierKind, PortalSignature, Receipt, SignatureAlgorithm, codes};
use hoso_portal::server::Store;
use hoso_portal::server::store::NewFiling;
use serde_json::Value;

fn hoso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .env_remove("HOSO_LANG")
        .output()
        .unwrap()
}

/// A `hoso portal serve` process, killed on drop.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(["portal", "serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("first line is the URL: {line:?}"))
        .to_owned();
    Served { child, addr }
}

/// One HTTP/1.1 request on a fresh connection; status and body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    tcp.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head[9..12].parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn serve_prints_its_url_first_and_refuses_what_it_cannot_verify() {
    let data = tempfile::tempdir().unwrap();
    let server = serve(data.path());

    let (status, head, _) = request(&server.addr, "OPTIONS", "/v1/uploads", &[], "");
    assert_eq!(status, 204);
    assert!(head.contains("tus-extension: creation,checksum,termination"));

    let (status, _, body) = request(&server.addr, "POST", "/v1/auth/challenge", &[], "");
    assert_eq!(status, 200);
    let nonce = json_of(&body)["nonce"].as_str().unwrap().to_owned();
    let login = serde_json::json!({"nonce": nonce, "signed_nonce": "MAA="}).to_string();
    let (status, _, body) = request(
        &server.addr,
        "POST",
        "/v1/auth/token",
        &[("Content-Type", "application/json")],
        &login,
    );
    assert_eq!(status, 401);
    assert_eq!(
        json_of(&body)["error"]["code"],
        codes::VERIFICATION_UNAVAILABLE
    );

    let (status, _, body) = request(&server.addr, "GET", "/v1/catalog", &[], "");
    assert_eq!(status, 404);
    assert_eq!(json_of(&body)["error"]["code"], codes::CATALOG_UNAVAILABLE);
    assert!(data.path().join("receipt-key/cert.der").is_file());
}

/// Puts a filing into the portal's database as the server would after verifying it.
fn seed(data: &Path, kind: DossierKind, sha_byte: char) -> String {
    let mut store = Store::open(data).unwrap();
    let sha = sha_byte.to_string().repeat(64);
    let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap();
    let filing = NewFiling {
        kind,
        owner: "CN=Công ty Thử nghiệm",
        applicant_tax_code: "0101234565",
        container_sha256: &sha,
        received_at: at,
    };
    let (_, receipt, new) = store
        .file_dossier(&filing, 2026, |number| {
            Ok(Receipt {
                dossier_number: number.to_owned(),
                supplement: None,
                kind,
                received_at: at,
                container_sha256: sha.clone(),
                portal_signature: PortalSignature {
                    algorithm: SignatureAlgorithm::EcdsaP256Sha256,
                    value: "AA==".into(),
                    certificate: "AA==".into(),
                },
            })
        })
        .unwrap();
    assert!(new);
    receipt.dossier_number
}

#[test]
fn officer_lists_shows_and_advances_dossiers_while_the_server_runs() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path().to_str().unwrap();
    let _server = serve(data.path());
    let trademark = seed(data.path(), DossierKind::Trademark, 'a');
    let patent = seed(data.path(), DossierKind::Patent, 'b');
    assert_eq!(trademark, "4-2026-00001");
    assert_eq!(patent, "1-2026-00001");

    let out = hoso(&["portal", "officer", "list", "--data", d, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = json_of(&String::from_utf8_lossy(&out.stdout));
    let numbers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dossier_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2);
    assert!(numbers.contains(&"4-2026-00001") && numbers.contains(&"1-2026-00001"));
    assert_eq!(list[0]["status"], "received");
    assert_eq!(list[0]["applicant_tax_code"], "0101234565");

    let advance = |args: &[&str]| {
        let mut all = vec!["portal", "officer", "advance", &trademark, "--data", d];
        all.extend_from_slice(args);
        hoso(&all)
    };
    // Not allowed straight from received to approved: exit 1 with the code.
    let out = advance(&["--to", "approved", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(err["error"]["code"], codes::DOSSIER_INVALID_TRANSITION);
    // A supplement request without its deadline is a usage error.
    assert!(advance(&["--to", "in_review"]).status.success());
    let out = advance(&[
        "--to",
        "supplement_requested",
        "--message",
        "Bổ sung mẫu nhãn",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = advance(&[
        "--to",
        "supplement_requested",
        "--deadline",
        "2026-12-31",
        "--message",
        "Bổ sung mẫu nhãn",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Yêu cầu bổ sung"));

    let out = hoso(&[
        "portal", "officer", "show", &trademark, "--data", d, "--lang", "en",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Supplement requested — deadline 2026-12-31: Bổ sung mẫu nhãn"),
        "{text}"
    );

    let out = hoso(&[
        "portal",
        "officer",
        "advance",
        &patent,
        "--data",
        d,
        "--to",
        "in_review",
    ]);
    assert!(out.status.success());
    let out = hoso(&[
        "portal",
        "officer",
        "advance",
        &patent,
        "--data",
        d,
        "--to",
        "fee_due",
        "--amount",
        "150000",
        "--payment-reference",
        "1-2026-00001/PHI",
        "--json",
    ]);
    let shown = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(shown["status"], "fee_due");
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["amount_vnd"], 150000);
    assert_eq!(last["payment_reference"], "1-2026-00001/PHI");

    let out = hoso(&[
        "portal",
        "officer",
        "show",
        "4-2026-09999",
        "--data",
        d,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_of(&String::from_utf8_lossy(&out.stdout))["error"]["code"],
        codes::DOSSIER_NOT_FOUND
    );
    let missing = data.path().join("nowhere");
    let out = hoso(&[
        "portal",
        "officer",
        "list",
        "--data",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!missing.exists(), "a wrong --data creates nothing");
}
