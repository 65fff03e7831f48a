//! Flags shared by `run` and `call`: what the guest may do, and the compiled-code cache.

use std::path::PathBuf;
use std::time::Duration;

use astc_runner::{DirGrant, KvStore, Runner, Sandbox};

use crate::diagnostic::Error;

/// What the guest may do. Nothing is granted by default.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Grant a host directory, read-write: `HOST::GUEST` (or `DIR`, seen as itself).
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    dirs: Vec<String>,
    /// Grant a host directory, read-only: `HOST::GUEST` (or `DIR`).
    #[arg(long = "ro-dir", value_name = "HOST::GUEST")]
    ro_dirs: Vec<String>,
    /// Set an environment variable for the guest: `KEY=VALUE`, or `KEY` to pass the host's.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Allow outgoing HTTP requests to this host (`example.com` or `localhost:8080`).
    #[arg(long = "allow-http", value_name = "HOST")]
    allow_http: Vec<String>,
    /// Keep the `wasi:keyvalue` store in this directory (created if missing) [default: in
    /// memory, for this process only].
    #[arg(long = "kv", value_name = "DIR")]
    kv: Option<PathBuf>,
    /// Let the guest open only this `wasi:keyvalue` bucket (repeat for more) [default: any].
    #[arg(long = "kv-bucket", value_name = "NAME")]
    kv_buckets: Vec<String>,
    /// Maximum size of each linear memory, e.g. `64MiB`, `2GiB` or a number of bytes.
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = parse_size)]
    max_memory: usize,
    /// Wall-clock limit, e.g. `500ms`, `30s`, `10m`, at most a year; `0` for none.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    timeout: Duration,
    /// Maximum number of core instances the guest may create.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_instances: usize,
    /// Maximum number of elements in each table.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_table_elements: usize,
    /// Directory of the compiled-code cache [default: $ASTC_CACHE_DIR, else
    /// $XDG_CACHE_HOME/astc, else ~/.cache/astc; none with ASTC_NO_CACHE=1].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile the component every time instead of using the cache.
    #[arg(long)]
    no_cache: bool,
}

impl SandboxArgs {
    /// The compiled-code cache directory, unless `--no-cache`.
    fn cache(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        self.cache_dir
            .clone()
            .or_else(astc_runner::default_cache_dir)
    }

    /// The runner for one run or call, after which the process exits: the timeout is the
    /// watchdog's, so the compiled code needs no epoch checks ([`Runner::one_shot`]).
    pub fn runner(&self) -> crate::diagnostic::Result<Runner> {
        Ok(Runner::one_shot(self.cache())?)
    }

    /// The runner for a server: [`Runner::pooled`], with the same cache and timeouts.
    pub fn server_runner(&self, sandbox: &Sandbox) -> crate::diagnostic::Result<Runner> {
        Ok(Runner::pooled(
            self.cache(),
            !self.timeout.is_zero(),
            sandbox,
        )?)
    }

    pub fn sandbox(&self) -> crate::diagnostic::Result<Sandbox> {
        let mut dirs = Vec::new();
        for (spec, read_only) in self
            .dirs
            .iter()
            .map(|d| (d, false))
            .chain(self.ro_dirs.iter().map(|d| (d, true)))
        {
            let (host, guest) = match spec.split_once("::") {
                Some((h, g)) => (h, g),
                None => (spec.as_str(), spec.as_str()),
            };
            if !std::path::Path::new(host).is_dir() {
                return Err(Error::usage(
                    "astc::usage::dir",
                    format!("`{host}` is not a directory"),
                    "pass an existing directory: `--dir HOST::GUEST`",
                ));
            }
            dirs.push(DirGrant {
                host: host.into(),
                guest: guest.to_string(),
                read_only,
            });
        }
        let mut env = Vec::new();
        for e in &self.env {
            match e.split_once('=') {
                Some(("", _)) => {
                    return Err(Error::usage(
                        "astc::usage::env",
                        format!("invalid `--env {e}`: the variable name is empty"),
                        "write `--env KEY=VALUE`, or `--env KEY` to pass the host's value",
                    ));
                }
                Some((k, v)) => env.push((k.to_string(), v.to_string())),
                None => {
                    if let Ok(v) = std::env::var(e) {
                        env.push((e.clone(), v));
                    }
                }
            }
        }
        let kv = match &self.kv {
            Some(dir) => KvStore::open(dir)?,
            None => KvStore::memory(),
        };
        Ok(Sandbox {
            kv,
            kv_buckets: self.kv_buckets.clone(),
            dirs,
            env,
            allow_http: self.allow_http.clone(),
            max_memory: self.max_memory,
            max_instances: self.max_instances,
            max_table_elements: self.max_table_elements,
            timeout: (!self.timeout.is_zero()).then_some(self.timeout),
            ..Sandbox::default()
        })
    }
}

/// `512MiB`, `2GiB`, `64KiB`, `1000000`, `10MB`.
pub(super) fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; write e.g. `512MiB` or `2GiB`"))?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "kb" => 1000,
        "m" | "mib" => 1 << 20,
        "mb" => 1_000_000,
        "g" | "gib" => 1 << 30,
        "gb" => 1_000_000_000,
        other => return Err(format!("unknown size unit `{other}`; use KiB, MiB or GiB")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// The longest `--timeout`: a year. Longer is surely a mistake for "none", which is `0`.
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// `500ms`, `30s`, `10m`, `1h`, `0`; at most [`MAX_TIMEOUT`].
pub(super) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let too_long =
        || format!("`{s}` is too long: the longest timeout is 8760h (a year); `0` is none");
    let n: u64 = num.parse().map_err(|e: std::num::ParseIntError| {
        if *e.kind() == std::num::IntErrorKind::PosOverflow {
            too_long()
        } else {
            format!("`{s}` is not a duration; write e.g. `30s`, `500ms` or `10m`")
        }
    })?;
    let secs = |mult: u64| n.checked_mul(mult).map(Duration::from_secs);
    let d = match unit {
        "ms" => Some(Duration::from_millis(n)),
        "" | "s" => secs(1),
        "m" => secs(60),
        "h" => secs(3600),
        other => {
            return Err(format!(
                "unknown duration unit `{other}`; use ms, s, m or h"
            ));
        }
    };
    d.filter(|d| *d <= MAX_TIMEOUT).ok_or_else(too_long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5XB").is_err());
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("8760h").unwrap(), MAX_TIMEOUT);
        for long in [
            "8761h",
            "18446744073709551615s",
            "18446744073709551616s",
            "307445734561825861m",
            "99999999999999999999999ms",
        ] {
            assert!(
                parse_duration(long).unwrap_err().contains("too long"),
                "{long}"
            );
        }
    }
}
