//! A headless Chromium driven over WebDriver (fantoccini) for the dashboard's tests:
//! chromedriver started on a free loopback port and stopped by its pid, a fresh profile
//! per browser, no name resolved but loopback addresses, and a screenshot in
//! `target/screenshots/<test>.png` whenever a test fails.

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::panic::{resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::{json, Value};

/// How long a page or element is waited for.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// One browser at a time: two cores share the machine.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Clone, Copy)]
pub enum Screen {
    /// 1280x900.
    Desktop,
    /// A phone's 390x844 viewport, as Chromium's device emulation gives it.
    Phone,
}

/// A page in the browser, for one test.
#[derive(Clone)]
pub struct Browser {
    client: Client,
    /// `http://127.0.0.1:PORT`, the dashboard's root.
    pub root: String,
    test: String,
}

/// Runs `body` in a new browser on `root`; whatever happens, the browser and its driver
/// are stopped, and a failure leaves a screenshot behind.
pub fn run<F, Fut>(test: &str, root: &str, screen: Screen, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    runtime.block_on(async {
        let driver = Driver::start();
        let client = connect(&driver, screen).await;
        let browser = Browser {
            client: client.clone(),
            root: root.trim_end_matches('/').to_string(),
            test: test.to_string(),
        };
        let outcome = AssertUnwindSafe(body(browser.clone())).catch_unwind().await;
        if outcome.is_err() {
            browser.screenshot(None).await;
        }
        let _ = client.close().await;
        drop(driver);
        if let Err(panic) = outcome {
            resume_unwind(panic);
        }
    });
}

async fn connect(driver: &Driver, screen: Screen) -> Client {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,900",
        // Nothing leaves this machine: only loopback addresses are ever reached.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
    ];
    if std::env::var_os("CI").is_some() {
        args.push("--disable-dev-shm-usage");
    }
    let mut options = json!({ "args": args });
    if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    if let Screen::Phone = screen {
        options["mobileEmulation"] = json!({
            "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "mobile": true, "touch": true }
        });
    }
    let mut capabilities = Capabilities::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    capabilities.insert(
        "goog:loggingPrefs".into(),
        json!({ "browser": "ALL", "performance": "ALL" }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("chromedriver starts a Chromium session")
}

impl Browser {
    /// Opens `path` (`/login`) of the dashboard.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.root);
        if let Err(err) = self.client.goto(&url).await {
            panic!("cannot open {url}: {err}");
        }
    }

    /// The page's path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page stayed at {now}, not {path}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element `css` selects, waited for.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(err) => panic!("no `{css}` on {}: {err}", self.path().await),
        }
    }

    /// Whether anything matches `css` now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("a search")
            .is_empty()
    }

    /// The visible text of every element `css` selects, now.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("a search")
        {
            texts.push(element.text().await.unwrap_or_default());
        }
        texts
    }

    /// The text of the first element `css` selects, waited for.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("its text")
    }

    /// Waits until the elements `css` selects have texts that satisfy `ready`; gives them.
    pub async fn wait_for_texts(
        &self,
        css: &str,
        what: &str,
        ready: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        self.wait_for_texts_within(css, what, PATIENCE, ready).await
    }

    /// As [`Browser::wait_for_texts`], waiting up to `patience`.
    pub async fn wait_for_texts_within(
        &self,
        css: &str,
        what: &str,
        patience: Duration,
        ready: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + patience;
        loop {
            let texts = self.texts(css).await;
            if ready(&texts) {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` never showed {what}: {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Types `text` into the field `css` selects.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("the field clears");
        field.send_keys(text).await.expect("the field takes keys");
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|err| panic!("cannot click `{css}`: {err}"));
    }

    /// Runs `script` in the page; its return value.
    pub async fn execute(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("the script runs")
    }

    /// The console's errors since last asked.
    pub async fn console_errors(&self) -> Vec<String> {
        self.log("browser")
            .await
            .into_iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Every URL the page asked for since last asked.
    pub async fn requests(&self) -> Vec<String> {
        self.log("performance")
            .await
            .into_iter()
            .filter_map(|entry| {
                let message: Value = serde_json::from_str(entry["message"].as_str()?).ok()?;
                let message = &message["message"];
                (message["method"] == "Network.requestWillBeSent")
                    .then(|| {
                        message["params"]["request"]["url"]
                            .as_str()
                            .map(str::to_string)
                    })
                    .flatten()
            })
            .collect()
    }

    async fn log(&self, kind: &'static str) -> Vec<Value> {
        let entries = self
            .client
            .issue_cmd(ReadLog(kind))
            .await
            .unwrap_or_else(|err| panic!("the {kind} log: {err}"));
        entries.as_array().cloned().unwrap_or_default()
    }

    /// A screenshot: `target/screenshots/<test>.png`, or `<test>-<step>.png`.
    pub async fn screenshot(&self, step: Option<&str>) -> PathBuf {
        let name = match step {
            Some(step) => format!("{}-{step}.png", self.test),
            None => format!("{}.png", self.test),
        };
        let path = screenshots().join(name);
        match self.client.screenshot().await {
            Ok(png) => {
                let _ = std::fs::create_dir_all(screenshots());
                match std::fs::write(&path, png) {
                    Ok(()) => eprintln!("screenshot: {}", path.display()),
                    Err(err) => eprintln!("screenshot {} not written: {err}", path.display()),
                }
            }
            Err(err) => eprintln!("no screenshot: {err}"),
        }
        path
    }
}

/// `target/screenshots`.
fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("screenshots")
}

/// chromedriver's own log endpoint, which WebDriver itself has no command for.
#[derive(Debug)]
struct ReadLog(&'static str);

impl WebDriverCompatibleCommand for ReadLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({ "type": self.0 }).to_string()),
        )
    }
}

/// chromedriver, on a free loopback port; killed (by its own pid) when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("cannot start {binary}: {err}; install Chromium and its driver (`make deps`: Debian's chromium and chromium-driver)")
            });
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver never listened on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
