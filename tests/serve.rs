//! `astc serve` end to end: the real binary serving real guest components on loopback,
//! driven by a real HTTP client (ureq), raw sockets for misbehaving clients, and the
//! official MCP Python SDK (`mcp` on PyPI, installed by scripts/setup.sh) for agents.
//!
//! Every check that a failure is answered is followed by one that the server still serves.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ASTC: &str = env!("CARGO_BIN_EXE_astc");

fn guest(name: &str) -> PathBuf {
    astc_fixtures::guests::build()
        .expect("guests build")
        .join(format!("{name}.wasm"))
}

/// A running `astc serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
    /// What it has written to stderr so far.
    log: Arc<Mutex<String>>,
    _cache: tempfile::TempDir,
}

impl Server {
    fn start(file: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let cache = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(ASTC);
        cmd.arg("serve")
            .arg(file)
            .args(["--listen", "127.0.0.1:0", "--cache-dir"])
            .arg(cache.path())
            .args(args)
            .env_remove("ASTERAI_RUNTIME_SECRET")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("astc serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if !line.starts_with("http://127.0.0.1:") {
            let _ = child.wait();
            let _ = reader.join();
            let err = log.lock().unwrap().clone();
            panic!("astc serve printed {line:?} instead of its URL; stderr:\n{err}");
        }
        Server {
            child,
            url: line.trim().to_string(),
            log,
            _cache: cache,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Sends SIGTERM and waits for the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "astc serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Status and body of a request; the body as JSON when it is.
fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let agent = agent();
    let response = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        _ => {
            let mut r = agent.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send(body)
        }
    };
    let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn call(s: &Server, env: &str, body: Value) -> (u16, Value) {
    request(
        "POST",
        &format!("{}/v1/environment/{env}/call", s.url),
        &[],
        &body.to_string(),
    )
}

fn healthy(s: &Server) {
    assert_eq!(
        request("GET", &format!("{}/health", s.url), &[], ""),
        (200, Value::String("ok".into()))
    );
}

#[test]
fn asterai_call_api_answers_calls_and_says_whose_fault_a_failure_is() {
    let s = Server::start(&guest("types"), &["--max-body", "1KiB"], &[]);
    healthy(&s);
    let add = |function: &str| {
        call(
            &s,
            "acme/types",
            json!({"component": "acme:types", "function": function, "args": [2, 40]}),
        )
    };
    // The full name, and the short forms asterai users type.
    for f in ["acme:types/api@1.0.0#add", "api/add", "add"] {
        assert_eq!(add(f), (200, json!({"output": 42})), "{f}");
    }
    let (status, body) = call(
        &s,
        "acme/types",
        json!({"component": "acme:types", "function": "api/move-point",
               "args": [{"x": 1, "y": 2}, 3]}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["output"], json!({"x": 4, "y": 2, "label": null}));
    // A `result`'s error is the function's answer, not a failure of the call.
    let (status, body) = call(
        &s,
        "acme/types",
        json!({"component": "acme:types", "function": "divide", "args": [1, 0]}),
    );
    assert_eq!(
        (status, &body["output"]),
        (200, &json!({"error": "division by zero"}))
    );

    let error = |(status, body): (u16, Value)| {
        (
            status,
            body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    // Bad arguments: 400, naming the path to the bad value.
    let (status, code, message) = error(call(
        &s,
        "acme/types",
        json!({"component": "acme:types", "function": "api/move-point",
               "args": [{"x": 1, "y": "two"}, 3]}),
    ));
    assert_eq!((status, code.as_str()), (400, "astc::run::invalid_args"));
    assert!(message.contains("at `p.y`"), "{message}");
    let (status, code, _) = error(call(
        &s,
        "acme/types",
        json!({"component": "acme:types", "function": "add", "args": {"a": 1}}),
    ));
    assert_eq!((status, code.as_str()), (400, "astc::serve::bad_request"));
    // Unknown function, component, environment: 404.
    let (status, code, _) = error(call(
        &s,
        "acme/types",
        json!({"component": "acme:types", "function": "api/nope", "args": []}),
    ));
    assert_eq!(
        (status, code.as_str()),
        (404, "astc::run::no_such_function")
    );
    let (status, code, _) = error(call(
        &s,
        "acme/types",
        json!({"component": "acme:nope", "function": "add", "args": [1, 2]}),
    ));
    assert_eq!(
        (status, code.as_str()),
        (404, "astc::run::no_such_component")
    );
    let (status, code, _) = error(call(
        &s,
        "acme/other",
        json!({"component": "acme:types", "function": "add", "args": [1, 2]}),
    ));
    assert_eq!(
        (status, code.as_str()),
        (404, "astc::serve::no_such_environment")
    );
    // A result with no JSON form is the component's failure: 500.
    let (status, code, _) = error(call(
        &s,
        "acme/types",
        json!({"component": "acme:types", "function": "not-a-number", "args": []}),
    ));
    assert_eq!((status, code.as_str()), (500, "astc::run::result"));
    // Malformed JSON, a body over the limit, a path nobody serves.
    let url = format!("{}/v1/environment/acme/types/call", s.url);
    let (status, body) = request("POST", &url, &[], "{\"component\": ");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("astc::serve::bad_request"))
    );
    let big = format!("[{}]", "1,".repeat(2000) + "1");
    let (status, body) = request("POST", &url, &[], &big);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("astc::serve::body_too_large"))
    );
    let from_a_page = request(
        "POST",
        &url,
        &[("origin", "http://evil.example")],
        &json!({"component": "acme:types", "function": "add", "args": [1, 2]}).to_string(),
    );
    assert_eq!(
        (from_a_page.0, from_a_page.1["error"]["code"].as_str()),
        (403, Some("astc::serve::cross_origin"))
    );
    let (status, body) = request("GET", &format!("{}/elsewhere", s.url), &[], "");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("astc::serve::not_found"))
    );
    healthy(&s);
    assert_eq!(add("add").0, 200);
    assert!(s.terminate().success());
}

#[test]
fn the_runtime_secret_is_required_when_set_but_not_for_health() {
    let s = Server::start(
        &guest("types"),
        &[],
        &[("ASTERAI_RUNTIME_SECRET", "s3cret")],
    );
    let url = format!("{}/v1/environment/acme/types/call", s.url);
    let body = json!({"component": "acme:types", "function": "add", "args": [1, 2]}).to_string();
    let no = request("POST", &url, &[], &body);
    assert_eq!(
        (no.0, no.1["error"]["code"].as_str()),
        (401, Some("astc::serve::unauthorized"))
    );
    let wrong = request("POST", &url, &[("authorization", "Bearer s3cre")], &body);
    assert_eq!(wrong.0, 401);
    let right = request("POST", &url, &[("authorization", "Bearer s3cret")], &body);
    assert_eq!(right, (200, json!({"output": 3})));
    // asterai's clients may send the token without `Bearer `.
    let bare = request("POST", &url, &[("authorization", "s3cret")], &body);
    assert_eq!(bare.0, 200);
    // MCP is behind the same token.
    let mcp = request(
        "POST",
        &format!("{}/mcp", s.url),
        &[
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ],
        r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}"#,
    );
    assert_eq!(mcp.0, 401);
    healthy(&s);
}

#[test]
fn wasi_http_handlers_serve_every_other_path_and_a_trap_or_a_limit_is_one_response() {
    let s = Server::start(&guest("http_echo"), &["--timeout", "500ms"], &[]);
    let (status, body) = request("POST", &format!("{}/hello?x=1", s.url), &[], "some body");
    assert_eq!(
        (status, body),
        (
            200,
            Value::String("Method::Post /hello?x=1\nsome body".into())
        )
    );
    let (status, body) = request("GET", &format!("{}/panic", s.url), &[], "");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (500, Some("astc::run::trap"))
    );
    let (status, body) = request("GET", &format!("{}/spin", s.url), &[], "");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("astc::run::timeout"))
    );
    // The call API's paths are the server's, not the handler's.
    let (status, _) = request("GET", &format!("{}/v1/anything", s.url), &[], "");
    assert_eq!(status, 404);
    healthy(&s);
    let (status, _) = request("GET", &format!("{}/again", s.url), &[], "");
    assert_eq!(status, 200);
}

#[test]
fn a_handler_blocked_in_a_host_call_is_answered_at_its_deadline() {
    let s = Server::start(&guest("http_echo"), &["--timeout", "500ms"], &[]);
    let started = Instant::now();
    let (status, body) = request("GET", &format!("{}/nap", s.url), &[], "");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("astc::run::timeout"))
    );
    // The deadline, and the watchdog's grace of 2 s; not the 20 s nap.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    healthy(&s);
}

#[test]
fn many_calls_at_once_are_all_answered_with_a_small_concurrency_bound() {
    let s = Server::start(&guest("types"), &["--max-concurrency", "2"], &[]);
    let url = format!("{}/v1/environment/acme/types/call", s.url);
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let body = json!({"component": "acme:types", "function": "add",
                                      "args": [t, i]});
                    let got = request("POST", &url, &[], &body.to_string());
                    assert_eq!(got, (200, json!({"output": t + i})));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn slow_and_vanishing_clients_do_not_hold_the_server() {
    let s = Server::start(
        &guest("http_echo"),
        &[
            "--read-timeout",
            "1s",
            "--timeout",
            "2s",
            "--max-concurrency",
            "1",
        ],
        &[],
    );
    // A client that never finishes its headers is cut off.
    let mut slow = TcpStream::connect(s.addr()).unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the server held a silent connection open"
    );
    // A client that goes away mid-call: the call ends at its deadline, the server goes on.
    let mut gone = TcpStream::connect(s.addr()).unwrap();
    gone.write_all(b"GET /spin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    drop(gone);
    healthy(&s);
    let (status, _) = request("GET", &format!("{}/after", s.url), &[], "");
    assert_eq!(status, 200);
}

#[test]
fn sigterm_lets_calls_in_flight_finish_then_exits_zero() {
    let s = Server::start(&guest("http_echo"), &[], &[]);
    let url = format!("{}/sleep", s.url);
    let in_flight = std::thread::spawn(move || request("GET", &url, &[], ""));
    std::thread::sleep(Duration::from_millis(500));
    let status = s.terminate();
    assert!(status.success(), "{status}");
    let (code, body) = in_flight.join().unwrap();
    assert_eq!(
        (code, body),
        (200, Value::String("Method::Get /sleep\n".into()))
    );
}

#[test]
fn a_component_with_nothing_to_serve_is_refused_with_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.wasm");
    let bytes = astc_fixtures::component_from_wit(
        "empty.wit",
        "package acme:empty@1.0.0;\ninterface types { type t = u32; }\nworld empty { export types; }",
    )
    .unwrap();
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new(ASTC)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-cache"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("exports nothing `astc serve` can serve"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// host-user composed with the types component it imports: a composition whose component
/// uses asterai's host API (schedules among it).
fn host_user_composition(dir: &Path) -> PathBuf {
    std::fs::copy(guest("host_user"), dir.join("host_user.wasm")).unwrap();
    std::fs::copy(guest("types"), dir.join("types.wasm")).unwrap();
    std::fs::write(
        dir.join("astc.toml"),
        "[package]\nname = \"acme:host-user\"\nversion = \"1.0.0\"\ncomponent = \"host_user.wasm\"\n",
    )
    .unwrap();
    for args in [
        &[
            "publish",
            "types.wasm",
            "--name",
            "acme:types",
            "--version",
            "1.0.0",
        ][..],
        &["compose"][..],
    ] {
        let out = Command::new(ASTC)
            .args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "astc {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir.join("host-user.composed.wasm")
}

#[test]
fn the_call_api_reaches_every_component_of_a_composition() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&host_user_composition(dir.path()), &[], &[]);
    let env = "acme/host-user";
    let direct = call(
        &s,
        env,
        json!({"component": "acme:host-user", "function": "api/direct-add", "args": [2, 3]}),
    );
    // host-user can send responses (asterai:host/api@0.1.0): they come with the output.
    assert_eq!(direct, (200, json!({"output": 5, "responses": []})));
    // A component the root imports, called with what it imports in turn.
    let inner = call(
        &s,
        env,
        json!({"component": "acme:types@1.0.0", "function": "api/add", "args": [2, 3]}),
    );
    assert_eq!(inner, (200, json!({"output": 5})));
    let (status, body) = call(
        &s,
        env,
        json!({"component": "acme:other", "function": "add", "args": []}),
    );
    assert_eq!(status, 404);
    let help = body["error"]["help"].as_str().unwrap();
    assert!(help.contains("`acme:types@1.0.0`"), "{help}");
}

#[test]
fn cron_schedules_fire_while_the_server_runs_until_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&host_user_composition(dir.path()), &[], &[]);
    let env = "acme/host-user";
    let host_user = |function: &str, args: Value| {
        let (status, body) = call(
            &s,
            env,
            json!({"component": "acme:host-user", "function": function, "args": args}),
        );
        (status, json!({"output": body["output"]}))
    };
    // Every second, acme:types add(20, 22).
    let made = host_user(
        "api/schedule",
        json!(["* * * * * *", "acme:types", "api/add", "[20, 22]"]),
    );
    assert_eq!(made, (200, json!({"output": 1})));
    // asterai checks the expression and the target when the schedule is made.
    let (status, body) = host_user(
        "api/schedule",
        json!(["every minute", "acme:types", "api/add", "[20, 22]"]),
    );
    assert_eq!(status, 200);
    let error = body["output"]["error"].as_str().unwrap();
    assert!(error.contains("expected 5, 6 or 7 fields"), "{error}");
    assert_eq!(
        host_user("api/schedules", json!([])),
        (200, json!({"output": 1}))
    );
    let fired = |log: &str| {
        log.lines()
            .filter(|l| l.starts_with("schedule 1 (`* * * * * *`): acme:types api/add -> 42"))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while fired(&s.log()) < 2 {
        assert!(
            Instant::now() < deadline,
            "the schedule did not fire twice:\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        host_user("api/cancel", json!([1])),
        (200, json!({"output": null}))
    );
    let (_, body) = host_user("api/cancel", json!([1]));
    assert_eq!(body["output"], json!({"error": "schedule 1 not found"}));
    assert_eq!(
        host_user("api/schedules", json!([])),
        (200, json!({"output": 0}))
    );
    // A firing already under way when it was cancelled may still log; none after that.
    std::thread::sleep(Duration::from_millis(1200));
    let settled = fired(&s.log());
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        fired(&s.log()),
        settled,
        "fired after it was cancelled:\n{}",
        s.log()
    );
    healthy(&s);
}

/// A WebSocket server on loopback for one client: it says `welcome`, answers `ask` with
/// `ping` and any other message `m` with `echo: m`, and closes with 1000 `done` on `bye`. Returns its port and what it
/// received.
fn websocket_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    use tungstenite::Message;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        ws.send(Message::text("welcome")).unwrap();
        while let Ok(m) = ws.read() {
            let text = match m {
                Message::Text(t) => t.to_string(),
                Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                Message::Close(_) => break,
                _ => continue,
            };
            log.lock().unwrap().push(text.clone());
            if text == "bye" {
                let frame = tungstenite::protocol::CloseFrame {
                    code: tungstenite::protocol::frame::coding::CloseCode::Normal,
                    reason: "done".into(),
                };
                let _ = ws.close(Some(frame));
                let _ = ws.flush();
            } else if text == "ask" {
                ws.send(Message::text("ping")).unwrap();
            } else {
                ws.send(Message::text(format!("echo: {text}"))).unwrap();
            }
        }
    });
    (port, received)
}

/// Waits until `s`'s log has `line`.
fn wait_for_log(s: &Server, line: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.log().lines().any(|l| l == line) {
        assert!(
            Instant::now() < deadline,
            "no `{line}` in the log:\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn websocket_connections_stay_open_and_deliver_to_the_component_that_opened_them() {
    let dir = tempfile::tempdir().unwrap();
    let (port, received) = websocket_server();
    let granted = format!("127.0.0.1:{port}");
    let s = Server::start(
        &host_user_composition(dir.path()),
        &["--allow-http", &granted],
        &[],
    );
    let host_user = |function: &str, args: Value| {
        let (status, body) = call(
            &s,
            "acme/host-user",
            json!({"component": "acme:host-user", "function": function, "args": args}),
        );
        assert_eq!(status, 200, "{body}");
        body["output"].clone()
    };
    let url = format!("ws://127.0.0.1:{port}/feed");
    assert_eq!(host_user("api/connect", json!([url])), json!(1));
    wait_for_log(&s, "ws 1 open");
    wait_for_log(&s, "ws 1 message welcome");
    assert_eq!(host_user("api/send", json!([1, "hello"])), Value::Null);
    wait_for_log(&s, "ws 1 message echo: hello");
    // The component answers `ping` from inside its handler, on the same connection.
    assert_eq!(host_user("api/send", json!([1, "ask"])), Value::Null);
    wait_for_log(&s, "ws 1 message ping");
    wait_for_log(&s, "ws 1 message echo: pong");
    assert_eq!(host_user("api/send", json!([1, "bye"])), Value::Null);
    wait_for_log(&s, "ws 1 close 1000 done");
    assert_eq!(*received.lock().unwrap(), ["hello", "ask", "pong", "bye"]);
    // A closed connection is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sent = host_user("api/send", json!([1, "late"]));
        if sent == json!({"error": "connection 1 not found"}) {
            break;
        }
        assert!(Instant::now() < deadline, "connection 1 still open: {sent}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Hosts not granted, and nothing listening, are errors the component sees.
    let denied = host_user("api/connect", json!(["ws://example.com/feed"]));
    let denied = denied["error"].as_str().unwrap();
    assert!(denied.contains("--allow-http example.com"), "{denied}");
    let closed = host_user("api/connect", json!([url]));
    let closed = closed["error"].as_str().unwrap();
    assert!(
        closed.starts_with("cannot connect to `ws://127.0.0.1:"),
        "{closed}"
    );
    healthy(&s);
}

/// The Python interpreter with the official MCP SDK that scripts/setup.sh installs.
fn mcp_python() -> PathBuf {
    let python = std::env::var_os("ASTC_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/mcp/bin/python")
        });
    assert!(
        python.exists(),
        "{} is missing: run ./scripts/setup.sh, which installs the MCP Python SDK",
        python.display()
    );
    python
}

/// Runs tests/mcp/client.py against `transport` and compares its transcript with
/// tests/mcp/expected.txt (`BLESS=1` rewrites it).
fn mcp_transcript(transport: &str, file: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py");
    let out = Command::new(mcp_python())
        .arg(script)
        .arg(transport)
        .arg(ASTC)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the MCP client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ai_agents_call_every_function_as_a_tool_over_mcp_stdio_and_http() {
    let types = guest("types");
    let expected_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/expected.txt");
    let stdio = mcp_transcript("stdio", &types);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, &stdio).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    pretty_assertions::assert_eq!(stdio, expected);
    let s = Server::start(&types, &[], &[]);
    let http = mcp_transcript(&format!("{}/mcp", s.url), &types);
    pretty_assertions::assert_eq!(http, expected);
    healthy(&s);
}

/// `visit` of `acme:counter` through the call API: the new count.
fn visit(s: &Server, page: &str) -> u64 {
    let (status, body) = call(
        s,
        "acme/counter",
        json!({"component": "acme:counter", "function": "visit", "args": [page]}),
    );
    assert_eq!(status, 200, "{body}");
    body["output"]
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {body}"))
}

/// `astc call counter.wasm visit PAGE --kv DIR`: the new count.
fn visit_by_call(counter: &Path, page: &str, kv: &Path) -> u64 {
    let out = Command::new(ASTC)
        .arg("call")
        .arg(counter)
        .args(["visit", page, "--kv"])
        .arg(kv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["result"]
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn the_key_value_store_is_shared_by_calls_servers_and_processes_and_increments_are_atomic() {
    let counter = guest("counter");
    let dir = tempfile::tempdir().unwrap();
    let kv = dir.path().join("kv");
    // A store written by `astc call` before the server starts...
    assert_eq!(visit_by_call(&counter, "home", &kv), 1);
    let s = Server::start(&counter, &["--kv", kv.to_str().unwrap()], &[]);
    // ...is the server's; 8 calls at once each get a count of their own.
    assert_eq!(visit(&s, "home"), 2);
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let mut counts: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let barrier = barrier.clone();
                let s = &s;
                scope.spawn(move || {
                    barrier.wait();
                    visit(s, "burst")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    counts.sort();
    assert_eq!(counts, (1..=8).collect::<Vec<u64>>());
    // Other processes share the store while the server runs: 8 `astc call`s and 8 server
    // calls at once, each increment counted exactly once.
    let mut counts: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (s, counter, kv) = (&s, &counter, &kv);
                scope.spawn(move || {
                    if i % 2 == 0 {
                        visit_by_call(counter, "mixed", kv)
                    } else {
                        visit(s, "mixed")
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    counts.sort();
    assert_eq!(counts, (1..=16).collect::<Vec<u64>>());
    assert_eq!(visit(&s, "home"), 3);
    assert!(s.terminate().success());
    assert_eq!(visit_by_call(&counter, "home", &kv), 4);

    // Without `--kv` the store lives as long as the server; `--kv-bucket` applies per call.
    let s = Server::start(&counter, &["--kv-bucket", "visits"], &[]);
    assert_eq!(visit(&s, "home"), 1);
    assert_eq!(visit(&s, "home"), 2);
    let (status, body) = call(
        &s,
        "acme/counter",
        json!({"component": "acme:counter", "function": "set", "args": ["carts", "a", "b"]}),
    );
    assert_eq!(status, 200);
    assert!(
        body["output"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("AccessDenied")),
        "{body}"
    );
    healthy(&s);
    let s = Server::start(&counter, &[], &[]);
    assert_eq!(visit(&s, "home"), 1);
}
