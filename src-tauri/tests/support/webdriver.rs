//! The few W3C WebDriver calls the end-to-end test makes, over the workspace's one HTTP client.
//!
//! Written here rather than taken from fantoccini or thirtyfour: both bring a second TLS stack
//! (aws-lc) for what is plain HTTP to `tauri-driver` on loopback, and the dozen endpoints below
//! are the whole of what the test needs.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The key W3C WebDriver gives an element reference under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    http: reqwest::Client,
    base: String,
}

pub struct Session {
    http: reqwest::Client,
    url: String,
}

#[derive(Clone, Debug)]
pub struct Element(String);

#[derive(Debug)]
pub struct WebDriverError(pub String);

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T> = std::result::Result<T, WebDriverError>;

/// Asks `probe` every `every` until it finds what it looks for, giving up once `limit` has
/// passed (`None`); an error of the probe ends the wait at once.
pub async fn poll<T>(
    limit: Duration,
    every: Duration,
    mut probe: impl AsyncFnMut() -> Result<Option<T>>,
) -> Result<Option<T>> {
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await? {
            return Ok(Some(found));
        }
        if started.elapsed() > limit {
            return Ok(None);
        }
        tokio::time::sleep(every).await;
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut req = http.request(method.clone(), url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| WebDriverError(format!("{method} {url}: {e}")))?;
    let status = resp.status();
    let v: Value = resp
        .json()
        .await
        .map_err(|e| WebDriverError(format!("{method} {url}: {e}")))?;
    if !status.is_success() {
        return Err(WebDriverError(format!(
            "{method} {url}: {status} {}",
            v["value"]["message"].as_str().unwrap_or_default()
        )));
    }
    Ok(v["value"].clone())
}

impl Driver {
    pub fn new(port: u16) -> Driver {
        Driver {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("HTTP client"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until the driver answers `/status`.
    pub async fn wait_ready(&self, limit: Duration) -> Result<()> {
        let url = format!("{}/status", self.base);
        poll(limit, Duration::from_millis(100), async || {
            let answer = self.http.get(&url).send().await;
            Ok(answer.is_ok_and(|r| r.status().is_success()).then_some(()))
        })
        .await?
        .ok_or_else(|| WebDriverError(format!("no WebDriver at {} after {limit:?}", self.base)))
    }

    /// Starts the app: a session whose browser is the Tauri binary.
    pub async fn session(&self, application: &str) -> Result<Session> {
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "wry",
                    "tauri:options": { "application": application }
                }
            }
        });
        let v = call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/session", self.base),
            Some(caps),
        )
        .await?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError(format!("no session id in {v}")))?;
        Ok(Session {
            http: self.http.clone(),
            url: format!("{}/session/{id}", self.base),
        })
    }
}

impl Session {
    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}{path}", self.url),
            Some(body),
        )
        .await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}{path}", self.url),
            None,
        )
        .await
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str().map(|s| Element(s.to_owned())))
            .collect())
    }

    /// The first element matching `css`, waiting up to `limit` for it to appear.
    pub async fn wait_for(&self, css: &str, limit: Duration) -> Result<Element> {
        poll(limit, Duration::from_millis(100), async || {
            Ok(self.find_all(css).await?.into_iter().next())
        })
        .await?
        .ok_or_else(|| WebDriverError(format!("`{css}` did not appear within {limit:?}")))
    }

    /// Waits until the text of the first element matching `css` satisfies `pred`; returns it.
    pub async fn wait_text(
        &self,
        css: &str,
        limit: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let mut last = String::new();
        let reached = poll(limit, Duration::from_millis(100), async || {
            if let Some(e) = self.find_all(css).await?.into_iter().next() {
                // The element may be re-rendered between the find and the read.
                if let Ok(t) = self.text(&e).await {
                    if pred(&t) {
                        return Ok(Some(t));
                    }
                    last = t;
                }
            }
            Ok(None)
        })
        .await?;
        reached.ok_or_else(|| {
            WebDriverError(format!(
                "`{css}` did not reach the expected text within {limit:?}; last: {last:?}"
            ))
        })
    }

    /// Waits for an element matching `css` whose text contains `needle`; returns its
    /// `data-testid`.
    pub async fn wait_text_of_any(
        &self,
        css: &str,
        limit: Duration,
        needle: &str,
    ) -> Result<String> {
        poll(limit, Duration::from_millis(200), async || {
            for e in self.find_all(css).await? {
                if let Ok(t) = self.text(&e).await
                    && t.contains(needle)
                    && let Some(id) = self.attribute(&e, "data-testid").await?
                {
                    return Ok(Some(id));
                }
            }
            Ok(None)
        })
        .await?
        .ok_or_else(|| WebDriverError(format!("no `{css}` with text {needle:?} within {limit:?}")))
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str, limit: Duration) -> Result<()> {
        poll(limit, Duration::from_millis(100), async || {
            Ok(self.find_all(css).await?.is_empty().then_some(()))
        })
        .await?
        .ok_or_else(|| WebDriverError(format!("`{css}` still present after {limit:?}")))
    }

    pub async fn click(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .await
            .map(drop)
    }

    pub async fn clear(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .await
            .map(drop)
    }

    pub async fn type_text(&self, e: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text }))
            .await
            .map(drop)
    }

    pub async fn text(&self, e: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", e.0))
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub async fn attribute(&self, e: &Element, name: &str) -> Result<Option<String>> {
        Ok(self
            .get(&format!("/element/{}/attribute/{name}", e.0))
            .await?
            .as_str()
            .map(str::to_owned))
    }

    pub async fn property(&self, e: &Element, name: &str) -> Result<Value> {
        self.get(&format!("/element/{}/property/{name}", e.0)).await
    }

    /// Runs a script in the page; `arguments` are JSON values (elements as references).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    pub fn element_arg(e: &Element) -> Value {
        json!({ ELEMENT: e.0 })
    }

    /// A PNG of the window.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.get("/screenshot").await?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| WebDriverError(format!("screenshot: {e}")))
    }

    pub async fn quit(self) -> Result<()> {
        call(&self.http, reqwest::Method::DELETE, &self.url, None)
            .await
            .map(drop)
    }
}
