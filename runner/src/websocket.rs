//! `asterai:host-ws`: which outgoing WebSocket connections a guest may open, and, in a
//! long-running host (`astc serve`), the connections themselves.
//!
//! A WebSocket starts as an HTTP request, so the HTTP grant covers it: a connection to a
//! host is allowed exactly when `--allow-http HOST` would allow an HTTP request to it.
//!
//! As in asterai (runtime/src/runtime/ws.rs), each connection has a reader that delivers
//! what arrives, in order, to the `incoming-handler` of the component that opened it
//! (`on-open`, `on-message` for text and binary messages, `on-close`, `on-error`), and a
//! writer fed by `send`; with `auto-reconnect`, a lost connection is opened again after
//! 1, 2, 4, ... up to 30 seconds. Unlike asterai, every delivery is a call with a fresh
//! instance, as every call of the server is.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

use crate::http::HttpPolicy;

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait between attempts to reconnect.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// What happened on a connection, for the owner's `incoming-handler`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    Open,
    Message(Vec<u8>),
    Close(u16, String),
    Error(String),
}

/// Delivers an event of connection `id` to the `incoming-handler` of `owner`; completes when
/// the handler has run.
pub(crate) type Deliver =
    Arc<dyn Fn(String, u64, Event) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The open connections of a long-running host. Cloning shares.
#[derive(Clone)]
pub(crate) struct Connections {
    inner: Arc<Inner>,
}

struct Inner {
    runtime: tokio::runtime::Handle,
    deliver: Deliver,
    /// Ends every connection (the server's shutdown).
    stop: CancellationToken,
    open: Mutex<BTreeMap<u64, Connection>>,
    last_id: AtomicU64,
}

struct Connection {
    writer: mpsc::Sender<Message>,
    cancel: CancellationToken,
}

/// A connection's settings, as `connect` gives them.
pub(crate) struct Config {
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) auto_reconnect: bool,
}

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(config: &Config) -> Result<Stream, String> {
    let mut request = config
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("invalid url `{}`: {e}", config.url))?;
    for (name, value) in &config.headers {
        let name: http::HeaderName = name
            .parse()
            .map_err(|e| format!("invalid header name `{name}`: {e}"))?;
        let value: http::HeaderValue = value
            .parse()
            .map_err(|e| format!("invalid value of header `{name}`: {e}"))?;
        request.headers_mut().insert(name, value);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Err(_) => Err(format!(
            "connecting to `{}` took longer than {}s",
            config.url,
            CONNECT_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(format!("cannot connect to `{}`: {e}", config.url)),
        Ok(Ok((stream, _))) => Ok(stream),
    }
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections").finish_non_exhaustive()
    }
}

impl Connections {
    /// Connections whose tasks run on `runtime`, delivering with `deliver`, until `stop`.
    pub(crate) fn new(
        runtime: tokio::runtime::Handle,
        deliver: Deliver,
        stop: CancellationToken,
    ) -> Connections {
        Connections {
            inner: Arc::new(Inner {
                runtime,
                deliver,
                stop,
                open: Mutex::default(),
                last_id: AtomicU64::new(0),
            }),
        }
    }

    /// Opens a connection for `owner` (its URL checked already), waiting until it is open;
    /// called from a guest's host call, on a blocking thread.
    pub(crate) fn connect(&self, config: Config, owner: String) -> Result<u64, String> {
        let stream = self.inner.runtime.block_on(open(&config))?;
        let id = self.inner.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        let cancel = self.inner.stop.child_token();
        let (writer, queue) = mpsc::channel(64);
        self.inner.open.lock().unwrap().insert(
            id,
            Connection {
                writer,
                cancel: cancel.clone(),
            },
        );
        let this = self.clone();
        self.inner.runtime.spawn(async move {
            this.run(id, owner, config, stream, queue, cancel).await;
            this.inner.open.lock().unwrap().remove(&id);
        });
        Ok(id)
    }

    /// Queues `data` to be sent as a binary message, as asterai does.
    pub(crate) fn send(&self, id: u64, data: Vec<u8>) -> Result<(), String> {
        let writer = self
            .inner
            .open
            .lock()
            .unwrap()
            .get(&id)
            .map(|c| c.writer.clone())
            .ok_or_else(|| format!("connection {id} not found"))?;
        writer
            .blocking_send(Message::Binary(data.into()))
            .map_err(|_| format!("connection {id} is closed"))
    }

    /// Closes connection `id`, if open.
    pub(crate) fn close(&self, id: u64) {
        if let Some(c) = self.inner.open.lock().unwrap().remove(&id) {
            c.cancel.cancel();
        }
    }

    /// Reads connection `id` until it ends (or, with auto-reconnect, for as long as it can
    /// be opened again), delivering what arrives to `owner`; a writer task of its own sends
    /// what `send` queues, so a handler that sends never waits for its own delivery.
    async fn run(
        &self,
        id: u64,
        owner: String,
        config: Config,
        mut stream: Stream,
        queue: mpsc::Receiver<Message>,
        cancel: CancellationToken,
    ) {
        let sink: Arc<tokio::sync::Mutex<Option<Sink>>> = Arc::default();
        let writer = tokio::spawn(write(sink.clone(), queue));
        let deliver = |event| (self.inner.deliver)(owner.clone(), id, event);
        loop {
            let (out, mut source) = stream.split();
            *sink.lock().await = Some(out);
            deliver(Event::Open).await;
            let lost = loop {
                tokio::select! {
                    () = cancel.cancelled() => break false,
                    incoming = source.next() => match incoming {
                        Some(Ok(Message::Binary(b))) => deliver(Event::Message(b.to_vec())).await,
                        Some(Ok(Message::Text(t))) => {
                            deliver(Event::Message(t.as_bytes().to_vec())).await;
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let (code, reason) = match frame {
                                Some(f) => (u16::from(f.code), f.reason.to_string()),
                                None => (1000, String::new()),
                            };
                            deliver(Event::Close(code, reason)).await;
                            break true;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            deliver(Event::Error(e.to_string())).await;
                            break true;
                        }
                        None => {
                            deliver(Event::Close(1006, "connection lost".into())).await;
                            break true;
                        }
                    },
                }
            };
            if !lost {
                // Closed by the component or the server: say goodbye.
                if let Some(mut out) = sink.lock().await.take() {
                    let _ = out.send(Message::Close(None)).await;
                }
                break;
            }
            *sink.lock().await = None;
            if !config.auto_reconnect {
                break;
            }
            let mut delay = Duration::from_secs(1);
            stream = loop {
                tokio::select! {
                    () = cancel.cancelled() => {
                        writer.abort();
                        return;
                    }
                    () = tokio::time::sleep(delay) => {}
                }
                match open(&config).await {
                    Ok(s) => break s,
                    Err(e) => {
                        eprintln!("ws connection {id}: reconnecting failed: {e}");
                        delay = (delay * 2).min(MAX_RECONNECT_DELAY);
                    }
                }
            };
        }
        writer.abort();
    }
}

type Sink = futures_util::stream::SplitSink<Stream, Message>;

/// Sends what is queued on the connection's current sink; while it is down (between
/// reconnections), queued messages are dropped, as in asterai.
async fn write(sink: Arc<tokio::sync::Mutex<Option<Sink>>>, mut queue: mpsc::Receiver<Message>) {
    while let Some(message) = queue.recv().await {
        let mut current = sink.lock().await;
        if let Some(out) = current.as_mut()
            && out.send(message).await.is_err()
        {
            *current = None;
        }
    }
}

/// Checks the URL of a connection: `ws://` or `wss://`, to a granted host.
pub(crate) fn check(url: &str, policy: &HttpPolicy) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("invalid url `{url}`: {e}"))?;
    if !matches!(parsed.scheme(), "ws" | "wss") {
        return Err(format!(
            "invalid url `{url}`: a WebSocket URL starts with `ws://` or `wss://`"
        ));
    }
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid url `{url}`: {e}"))?;
    if !policy.allows(&uri) {
        let host = parsed.host_str().unwrap_or_default();
        return Err(format!(
            "connection to `{host}` denied: the host is not granted (grant it with \
             `--allow-http {host}`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ws_urls_to_granted_hosts() {
        let p = HttpPolicy::new(&["example.com".into()]);
        assert!(check("wss://example.com/feed", &p).is_ok());
        assert!(check("ws://EXAMPLE.com:80/", &p).is_ok());
        let e = check("https://example.com/", &p).unwrap_err();
        assert!(e.contains("starts with `ws://` or `wss://`"), "{e}");
        let e = check("wss://other.org/", &p).unwrap_err();
        assert!(e.contains("`--allow-http other.org`"), "{e}");
        assert!(
            check("not a url", &p)
                .unwrap_err()
                .starts_with("invalid url")
        );
        assert!(check("wss://example.com/", &HttpPolicy::default()).is_err());
    }
}
