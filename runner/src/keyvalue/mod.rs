//! `wasi:keyvalue@0.2.0-draft` (`store`, `atomics`, `batch`) as host functions, over the
//! invocation's [`KvStore`].
//!
//! The bindings are generated from the WIT `astc check` compares imports with
//! (`compiler/wit/`). A bucket is opened by identifier; when the sandbox names buckets
//! (`--kv-bucket`), any other identifier gets `access-denied`. Every failure is an `error`
//! value the guest sees, never a trap.

mod store;

use wasmtime::component::{HasSelf, Linker, Resource};

pub use store::KvStore;

use crate::sandbox::Host;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../compiler/wit/wasi-keyvalue-0.2.0-draft.wit",
        world: "wasi:keyvalue/imports",
        with: { "wasi:keyvalue/store.bucket": super::Bucket },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store as wit};
use wit::{Error, KeyResponse};

/// An open bucket: its identifier. The store is the invocation's.
pub struct Bucket {
    name: String,
}

/// Adds `wasi:keyvalue/{store,atomics,batch}`.
pub(crate) fn add(l: &mut Linker<Host>) -> wasmtime::Result<()> {
    wit::add_to_linker::<Host, HasSelf<Host>>(l, |h| h)?;
    atomics::add_to_linker::<Host, HasSelf<Host>>(l, |h| h)?;
    batch::add_to_linker::<Host, HasSelf<Host>>(l, |h| h)
}

impl From<store::OpError> for Error {
    fn from(e: store::OpError) -> Self {
        Error::Other(e.0)
    }
}

impl Host {
    /// The store and the bucket name behind `b`.
    fn bucket(&self, b: &Resource<Bucket>) -> Result<(&KvStore, &str), Error> {
        let bucket = self
            .table
            .get(b)
            .map_err(|e| Error::Other(format!("bad bucket handle: {e}")))?;
        Ok((&self.invocation.sandbox.kv, &bucket.name))
    }

    /// Whether the sandbox lets the guest open the bucket `name`.
    pub(crate) fn may_open_bucket(&self, name: &str) -> bool {
        let granted = &self.invocation.sandbox.kv_buckets;
        granted.is_empty() || granted.iter().any(|b| b == name)
    }
}

impl wit::Host for Host {
    fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, Error> {
        if !self.may_open_bucket(&identifier) {
            return Err(Error::AccessDenied);
        }
        self.table
            .push(Bucket { name: identifier })
            .map_err(|e| Error::Other(format!("cannot open the bucket: {e}")))
    }
}

impl wit::HostBucket for Host {
    fn get(&mut self, b: Resource<Bucket>, key: String) -> Result<Option<Vec<u8>>, Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.get(name, &key)?)
    }

    fn set(&mut self, b: Resource<Bucket>, key: String, value: Vec<u8>) -> Result<(), Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.set(name, &key, &value)?)
    }

    fn delete(&mut self, b: Resource<Bucket>, key: String) -> Result<(), Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.delete(name, &key)?)
    }

    fn exists(&mut self, b: Resource<Bucket>, key: String) -> Result<bool, Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.exists(name, &key)?)
    }

    fn list_keys(
        &mut self,
        b: Resource<Bucket>,
        cursor: Option<u64>,
    ) -> Result<KeyResponse, Error> {
        let (kv, name) = self.bucket(&b)?;
        let (keys, cursor) = kv.list_keys(name, cursor)?;
        Ok(KeyResponse { keys, cursor })
    }

    fn drop(&mut self, b: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        Ok(())
    }
}

impl atomics::Host for Host {
    fn increment(&mut self, b: Resource<Bucket>, key: String, delta: u64) -> Result<u64, Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.increment(name, &key, delta)?)
    }
}

impl batch::Host for Host {
    fn get_many(
        &mut self,
        b: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<Option<store::Pair>>, Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.get_many(name, keys)?)
    }

    fn set_many(
        &mut self,
        b: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.set_many(name, &key_values)?)
    }

    fn delete_many(&mut self, b: Resource<Bucket>, keys: Vec<String>) -> Result<(), Error> {
        let (kv, name) = self.bucket(&b)?;
        Ok(kv.delete_many(name, &keys)?)
    }
}

/// asterai's legacy `kv-get`/`kv-set` (`asterai:host/api@0.1.0`): their bucket, `asterai`, or
/// `asterai:user:<id>` for a user.
pub(crate) fn legacy_bucket(user_id: Option<&str>) -> String {
    match user_id {
        None => "asterai".into(),
        Some(id) => format!("asterai:user:{id}"),
    }
}
