//! Remote registries over OCI, against a real registry server: the CNCF distribution
//! registry (Debian's `docker-registry`, installed by scripts/setup.sh), started by each test
//! on a free loopback port with storage of its own, and stopped with it. Faults come from a
//! small HTTP proxy in front of it that refuses uploads, corrupts or cuts blobs, or stalls;
//! interoperability from the real `wkg` CLI (crates.io, installed by scripts/setup.sh).
//!
//! No mock stands in for the registry: every byte astc reads was stored by the server.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ASTC: &str = env!("CARGO_BIN_EXE_astc");

/// `ann` / `s3cret`, bcrypt (the registry's htpasswd takes bcrypt only).
const HTPASSWD: &str = "ann:$2b$05$4THpYI6WNnE6nkQNiBl/1eNMjHxVh/TUu3wrOxOs7hVxF8X5sbnSO\n";

fn guest(name: &str) -> PathBuf {
    astc_fixtures::guests::build()
        .expect("guests build")
        .join(format!("{name}.wasm"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running registry server, stopped when dropped.
struct OciServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl OciServer {
    fn start() -> OciServer {
        Self::start_with(false)
    }

    fn start_with(auth: bool) -> OciServer {
        let bin = std::env::var_os("ASTC_TEST_REGISTRY")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("docker-registry"));
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if auth {
            std::fs::write(dir.path().join("htpasswd"), HTPASSWD).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start the registry server `{}` ({e}); scripts/setup.sh installs it (Debian's docker-registry)",
                    bin.display()
                )
            });
        let server = OciServer {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn url(&self) -> String {
        format!("oci://127.0.0.1:{}", self.port)
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for OciServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy does to the traffic.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Answers every upload's final `PUT` with HTTP 500.
    FailUploads,
    /// Flips one byte of every blob it passes on.
    CorruptBlobs,
    /// Sends half of every blob, then closes the connection.
    CutBlobs,
    /// Never answers.
    Stall,
}

/// An HTTP proxy in front of a registry, one request per connection, with a fault.
struct Proxy {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: String, fault: Fault) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let _ = relay(conn, &upstream, fault);
                });
            }
        });
        Proxy { port, stop }
    }

    fn url(&self) -> String {
        format!("oci://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one HTTP message head and its `Content-Length` body.
fn read_message(s: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    Ok((head, body))
}

fn relay(mut client: TcpStream, upstream: &str, fault: Fault) -> std::io::Result<()> {
    let (head, body) = read_message(&mut client)?;
    let request_line = head.lines().next().unwrap_or_default().to_string();
    if fault == Fault::Stall {
        std::thread::sleep(Duration::from_secs(30));
        return Ok(());
    }
    if fault == Fault::FailUploads
        && request_line.starts_with("PUT ")
        && request_line.contains("/blobs/uploads/")
    {
        client.write_all(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 12\r\nConnection: close\r\n\r\nstorage full",
        )?;
        return Ok(());
    }
    // One request per upstream connection: ask the server to close when done.
    let head: String = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let head = head.trim_end().to_string() + "\r\nConnection: close\r\n\r\n";
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(head.as_bytes())?;
    up.write_all(&body)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    let is_blob = request_line.starts_with("GET ") && request_line.contains("/blobs/sha256:");
    if is_blob && response.starts_with(b"HTTP/1.1 200") {
        let body_at = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| i + 4)
            .unwrap_or(response.len());
        let body_len = response.len() - body_at;
        match fault {
            Fault::CorruptBlobs if body_len > 0 => response[body_at + body_len / 2] ^= 0xff,
            Fault::CutBlobs => response.truncate(body_at + body_len / 2),
            _ => {}
        }
    }
    client.write_all(&response)?;
    Ok(())
}

/// A project: `host_user.wasm` as the root, importing `acme:types`, which comes from the
/// registry at `url`.
fn project(dir: &Path, url: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(guest("host_user"), dir.join("host_user.wasm")).unwrap();
    std::fs::write(
        dir.join("astc.toml"),
        format!(
            "[package]\nname = \"acme:host-user\"\nversion = \"1.0.0\"\ncomponent = \"host_user.wasm\"\n\n[dependencies]\n\"acme:types\" = \"^1.0\"\n\n[registry]\nurl = \"{url}\"\n"
        ),
    )
    .unwrap();
}

fn astc(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    astc_env(dir, cache, args, &[])
}

fn astc_env(dir: &Path, cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(ASTC);
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ASTC_CACHE_DIR", cache)
        .env("ASTC_REGISTRY_TIMEOUT", "2")
        .env("HOME", dir)
        .env_remove("DOCKER_CONFIG")
        .env_remove("ASTC_REGISTRY_USERNAME")
        .env_remove("ASTC_REGISTRY_PASSWORD")
        .env_remove("ASTC_REGISTRY_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "astc failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned() + &stderr
}

/// Fails unless astc failed with `status` and a message holding every one of `needles`.
fn fails(out: Output, status: i32, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(status), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "`{n}` is not in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Files under `dir` (relative), sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn publish(dir: &Path, cache: &Path, file: &Path, name: &str, version: &str, url: &str) -> Output {
    astc(
        dir,
        cache,
        &[
            "publish",
            file.to_str().unwrap(),
            "--name",
            name,
            "--version",
            version,
            "--registry",
            url,
        ],
    )
}

#[test]
fn publish_resolve_compose_and_run_through_a_registry_offline_and_locked() {
    let server = OciServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let types = guest("types");
    let url = format!("{}/team", server.url());

    let out = ok(publish(&work, &cache, &types, "acme:types", "1.0.0", &url));
    assert!(
        out.contains(&format!("to {}/team/acme/types:1.0.0", server.addr())),
        "{out}"
    );
    // The same bytes again: nothing to do; other bytes under that version: refused, and
    // nothing pushed.
    assert!(ok(publish(&work, &cache, &types, "acme:types", "1.0.0", &url)).contains("Unchanged"));
    fails(
        publish(
            &work,
            &cache,
            &guest("counter"),
            "acme:types",
            "1.0.0",
            &url,
        ),
        4,
        &["already published with different contents", "1.0.1"],
    );
    // A breaking change within the major is refused: the previous release is fetched for
    // the comparison.
    fails(
        publish(
            &work,
            &cache,
            &guest("counter"),
            "acme:types",
            "1.1.0",
            &url,
        ),
        4,
        &["not compatible with 1.0.0"],
    );

    // Another machine: a fresh cache, a project that names the registry.
    let app = tmp.path().join("app");
    let cache2 = tmp.path().join("cache2");
    project(&app, &url);
    ok(astc(&app, &cache2, &["compose"]));
    let lock = std::fs::read_to_string(app.join("astc.lock")).unwrap();
    assert!(
        lock.contains(&format!("source = {{ oci = \"{url}\" }}")),
        "{lock}"
    );
    let out = ok(astc(
        &app,
        &cache2,
        &["call", "host-user.composed.wasm", "direct-add", "[2, 3]"],
    ));
    assert!(out.contains("5"), "{out}");
    let composed = std::fs::read(app.join("host-user.composed.wasm")).unwrap();

    // The registry gone: the lock and the cache are enough, and `--offline` too.
    drop(server);
    ok(astc(&app, &cache2, &["compose", "--force"]));
    ok(astc(&app, &cache2, &["compose", "--force", "--offline"]));
    std::fs::remove_file(app.join("astc.lock")).unwrap();
    ok(astc(&app, &cache2, &["compose", "--force", "--offline"]));
    assert_eq!(
        std::fs::read(app.join("host-user.composed.wasm")).unwrap(),
        composed
    );
    // An empty cache offline: a clear error naming what is missing; nothing written.
    let before = files(&app);
    let empty = tmp.path().join("empty-cache");
    let err = fails(
        astc(&app, &empty, &["compose", "--force", "--offline"]),
        4,
        &["acme:types", "`--offline`", &url],
    );
    assert!(err.contains("cache"), "{err}");
    assert_eq!(files(&app), before);
}

#[test]
fn a_tag_moved_on_the_registry_is_refused_and_locked_fetches_by_digest() {
    let server = OciServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (cache, app) = (tmp.path().join("cache"), tmp.path().join("app"));
    let url = server.url();
    ok(publish(
        tmp.path(),
        &tmp.path().join("pub-cache"),
        &guest("types"),
        "acme:types",
        "1.0.0",
        &url,
    ));
    project(&app, &url);
    ok(astc(&app, &cache, &["compose"]));
    let locked = std::fs::read(app.join("astc.lock")).unwrap();

    // Someone re-tags 1.0.0 with other bytes, behind astc's back (a second registry-level
    // push, as `wkg oci push` or a careless CI job would).
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let side = OciServer::start();
    ok(publish(
        &other,
        &tmp.path().join("side-cache"),
        &guest("counter"),
        "acme:types",
        "1.0.0",
        &side.url(),
    ));
    copy_tag(&side.addr(), &server.addr(), "acme/types", "1.0.0");

    // With astc's cache: resolving again asks the registry and sees the move.
    std::fs::remove_file(app.join("astc.lock")).unwrap();
    let err = fails(
        astc(&app, &cache, &["compose", "--force"]),
        4,
        &[
            "acme/types:1.0.0",
            "now points to",
            "was changed on the registry",
        ],
    );
    assert!(err.contains(&url), "{err}");
    assert!(!app.join("astc.lock").exists());
    // Without a cache, the lock's digest catches it...
    std::fs::write(app.join("astc.lock"), &locked).unwrap();
    let fresh = tmp.path().join("fresh");
    fails(
        astc(&app, &fresh, &["compose", "--force"]),
        4,
        &["acme:types"],
    );
    // ...and `--locked` fetches the locked bytes by digest, whatever the tag says now.
    ok(astc(&app, &fresh, &["compose", "--force", "--locked"]));
}

/// Copies `repo:tag` from one registry to another with the distribution API: the blobs, then
/// the manifest, as any OCI tool pushing over an existing tag would.
fn copy_tag(from: &str, to: &str, repo: &str, tag: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let accept = "application/vnd.oci.image.manifest.v1+json";
    let mut resp = agent
        .get(format!("http://{from}/v2/{repo}/manifests/{tag}"))
        .header("Accept", accept)
        .call()
        .unwrap();
    let manifest = resp.body_mut().read_to_vec().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let mut digests = vec![json["config"]["digest"].as_str().unwrap().to_string()];
    for l in json["layers"].as_array().unwrap() {
        digests.push(l["digest"].as_str().unwrap().to_string());
    }
    for d in digests {
        let blob = agent
            .get(format!("http://{from}/v2/{repo}/blobs/{d}"))
            .call()
            .unwrap()
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap();
        let start = agent
            .post(format!("http://{to}/v2/{repo}/blobs/uploads/"))
            .send_empty()
            .unwrap();
        let location = start
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let location = if location.starts_with("http") {
            location
        } else {
            format!("http://{to}{location}")
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = agent
            .put(format!("{location}{sep}digest={d}"))
            .header("Content-Type", "application/octet-stream")
            .send(&blob[..])
            .unwrap();
        assert_eq!(put.status().as_u16(), 201);
    }
    let put = agent
        .put(format!("http://{to}/v2/{repo}/manifests/{tag}"))
        .header("Content-Type", accept)
        .send(&manifest[..])
        .unwrap();
    assert_eq!(put.status().as_u16(), 201);
}

#[test]
fn faults_give_clear_errors_and_leave_no_partial_entry() {
    let server = OciServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let url = server.url();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    ok(publish(
        &work,
        &tmp.path().join("c0"),
        &guest("types"),
        "acme:types",
        "1.0.0",
        &url,
    ));

    // Down: nothing listens.
    let app = tmp.path().join("down");
    let down = format!("oci://127.0.0.1:{}", free_port());
    project(&app, &down);
    let cache = tmp.path().join("c-down");
    fails(
        astc(&app, &cache, &["compose"]),
        6,
        &[&down, "acme:types", "cannot connect", "help:"],
    );
    assert!(!app.join("astc.lock").exists() && !app.join("host-user.composed.wasm").exists());

    // Slow: it accepts and never answers; reads are retried, then fail within the timeout.
    let stall = Proxy::start(server.addr(), Fault::Stall);
    let app = tmp.path().join("slow");
    project(&app, &stall.url());
    let t = Instant::now();
    fails(
        astc(&app, &tmp.path().join("c-slow"), &["compose"]),
        6,
        &[&stall.url(), "acme:types", "did not answer"],
    );
    assert!(t.elapsed() < Duration::from_secs(25), "{:?}", t.elapsed());

    // A corrupted or cut blob: refused, and nothing cached.
    for fault in [Fault::CorruptBlobs, Fault::CutBlobs] {
        let proxy = Proxy::start(server.addr(), fault);
        let app = tmp.path().join(format!("blob-{}", proxy.port));
        project(&app, &proxy.url());
        let cache = tmp.path().join(format!("c-{}", proxy.port));
        fails(
            astc(&app, &cache, &["compose"]),
            6,
            &[&proxy.url(), "acme:types"],
        );
        let cached: Vec<String> = files(&cache.join("oci"));
        assert!(cached.is_empty(), "{cached:?}");
        assert!(!app.join("astc.lock").exists());
    }

    // HTTP 500 during the upload: an error naming the registry and the component, and no
    // version on the registry.
    let failing = Proxy::start(server.addr(), Fault::FailUploads);
    fails(
        publish(
            &work,
            &tmp.path().join("c1"),
            &guest("counter"),
            "acme:counter",
            "1.0.0",
            &failing.url(),
        ),
        6,
        &[&failing.url(), "acme:counter", "500"],
    );
    let tags = ureq::get(format!(
        "http://{}/v2/acme/counter/tags/list",
        server.addr()
    ))
    .config()
    .http_status_as_error(false)
    .build()
    .call()
    .unwrap()
    .body_mut()
    .read_to_string()
    .unwrap();
    assert!(!tags.contains("1.0.0"), "{tags}");

    // A name the registry rejects: with the prefix, longer than its 255 characters.
    let long_url = format!("{url}/{}/{}", "a".repeat(70), "b".repeat(70));
    let long = format!("acme:{}", "x".repeat(120));
    fails(
        publish(
            &work,
            &tmp.path().join("c2"),
            &guest("counter"),
            &long,
            "1.0.0",
            &long_url,
        ),
        6,
        &[&long_url, "xxxx"],
    );

    // The registry keeps serving astc after all that.
    let app = tmp.path().join("after");
    project(&app, &url);
    ok(astc(&app, &tmp.path().join("c3"), &["compose"]));
}

#[test]
fn credentials_come_from_the_environment_or_docker_config_and_are_never_printed() {
    let server = OciServer::start_with(true);
    let tmp = tempfile::tempdir().unwrap();
    let url = server.url();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let types = guest("types");
    let args = |cache: &str| {
        vec![
            "publish".to_string(),
            types.display().to_string(),
            "--name".into(),
            "acme:types".into(),
            "--version".into(),
            "1.0.0".into(),
            "--registry".into(),
            url.clone(),
            "--manifest".into(),
            cache.into(),
        ]
    };
    let run = |env: &[(&str, &str)], cache: &str| {
        let a = args("none.toml");
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        astc_env(&work, &tmp.path().join(cache), &a, env)
    };
    // None: refused, saying where astc looks.
    fails(
        run(&[], "c0"),
        6,
        &[&url, "refused access", "ASTC_REGISTRY_USERNAME"],
    );
    // Wrong ones: refused, without the password in the message.
    let err = fails(
        run(
            &[
                ("ASTC_REGISTRY_USERNAME", "ann"),
                ("ASTC_REGISTRY_PASSWORD", "wrong-pw-1234"),
            ],
            "c1",
        ),
        6,
        &["refused access"],
    );
    assert!(!err.contains("wrong-pw-1234"), "{err}");
    // Right ones, from the environment.
    ok(run(
        &[
            ("ASTC_REGISTRY_USERNAME", "ann"),
            ("ASTC_REGISTRY_PASSWORD", "s3cret"),
        ],
        "c2",
    ));
    // Right ones, from Docker's configuration (`ann:s3cret` in base64).
    let docker = tmp.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"YW5uOnMzY3JldA==\"}}}}}}",
            server.addr()
        ),
    )
    .unwrap();
    let app = tmp.path().join("app");
    project(&app, &url);
    let out = ok(astc_env(
        &app,
        &tmp.path().join("c3"),
        &["compose"],
        &[("DOCKER_CONFIG", docker.to_str().unwrap())],
    ));
    assert!(!out.contains("s3cret") && !out.contains("YW5u"), "{out}");
    let lock = std::fs::read_to_string(app.join("astc.lock")).unwrap();
    assert!(!lock.contains("ann") && !lock.contains("s3cret"), "{lock}");
}

#[test]
fn composes_at_once_share_the_cache() {
    let server = OciServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let url = server.url();
    ok(publish(
        tmp.path(),
        &tmp.path().join("c0"),
        &guest("types"),
        "acme:types",
        "1.0.0",
        &url,
    ));
    let cache = tmp.path().join("shared");
    let outputs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (tmp, cache, url) = (tmp.path(), &cache, &url);
                s.spawn(move || {
                    let app = tmp.join(format!("app{i}"));
                    project(&app, url);
                    ok(astc(&app, cache, &["compose"]));
                    std::fs::read(app.join("host-user.composed.wasm")).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    let cached = files(&cache.join("oci"));
    assert!(
        cached.iter().all(|f| !f.contains(".tmp")),
        "temporary files left: {cached:?}"
    );
}

/// wkg, the reference client (wasm-pkg-tools), reads what astc publishes and astc resolves
/// what wkg publishes.
#[test]
fn wkg_and_astc_read_each_others_components() {
    let Some(wkg) = wkg() else {
        panic!("wkg is not installed: scripts/setup.sh installs it into target/tools/wkg");
    };
    let server = OciServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let config = tmp.path().join("wkg.toml");
    std::fs::write(
        &config,
        format!(
            "[namespace_registries]\nacme = \"{0}\"\n\n[registry.\"{0}\"]\ntype = \"oci\"\n\n[registry.\"{0}\".oci]\nprotocol = \"http\"\n",
            server.addr()
        ),
    )
    .unwrap();
    let wkg_cmd = |args: &[&str]| {
        let out = Command::new(&wkg)
            .args(args)
            .env("WKG_CONFIG_FILE", &config)
            .env("WKG_CACHE_DIR", tmp.path().join("wkg-cache"))
            .current_dir(&work)
            .env("DOCKER_CONFIG", tmp.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "wkg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // astc publishes, wkg gets the same bytes.
    let types = guest("types");
    ok(publish(
        &work,
        &tmp.path().join("c0"),
        &types,
        "acme:types",
        "1.0.0",
        &server.url(),
    ));
    wkg_cmd(&[
        "get",
        "acme:types@1.0.0",
        "--format",
        "wasm",
        "-o",
        "./got.wasm",
    ]);
    assert_eq!(
        std::fs::read(work.join("got.wasm")).unwrap(),
        std::fs::read(&types).unwrap()
    );
    // wkg pushes, astc resolves and runs it. (`wkg oci push`: `wkg publish` 0.16.1 reads the
    // version from the component's own WIT package, which a compiled component does not
    // carry, and fails before looking at `--package`; it publishes WIT packages only.)
    let reference = format!("{}/acme/types:1.2.0", server.addr());
    let insecure = format!("--insecure={}", server.addr());
    wkg_cmd(&[
        "oci",
        "push",
        &insecure,
        &reference,
        types.to_str().unwrap(),
    ]);
    let app = tmp.path().join("app");
    project(&app, &server.url());
    ok(astc(&app, &tmp.path().join("c1"), &["compose"]));
    let lock = std::fs::read_to_string(app.join("astc.lock")).unwrap();
    assert!(lock.contains("version = \"1.2.0\""), "{lock}");
    let out = ok(astc(
        &app,
        &tmp.path().join("c1"),
        &["call", "host-user.composed.wasm", "direct-add", "[2, 3]"],
    ));
    assert!(out.contains('5'), "{out}");
}

/// The wkg binary: `$ASTC_TEST_WKG`, else the one scripts/setup.sh installs, else on PATH.
fn wkg() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ASTC_TEST_WKG") {
        return Some(PathBuf::from(p));
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/wkg/bin/wkg");
    if local.exists() {
        return Some(local);
    }
    Command::new("wkg")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("wkg"))
}
