//! The runner's errors as the command line reports them: exit class and JSON record.

use astc_resolver::diagnostic::{ExitClass, Record, Report};

use crate::RunError;
use crate::serve::StartError;

impl Report for StartError {
    fn exit_class(&self) -> ExitClass {
        match self {
            StartError::NothingToServe { .. } => ExitClass::Input,
            StartError::Listen { .. } | StartError::Mcp { .. } => ExitClass::Io,
            StartError::Run(e) => e.exit_class(),
        }
    }

    fn records(&self) -> Vec<Record> {
        match self {
            StartError::Run(e) => e.records(),
            _ => vec![Record::error(self)],
        }
    }
}

impl Report for RunError {
    fn exit_class(&self) -> ExitClass {
        match self {
            RunError::Read { .. } | RunError::KvStore { .. } => ExitClass::Io,
            RunError::Invalid { .. }
            | RunError::Instantiate { .. }
            | RunError::NoRunExport { .. }
            | RunError::NoSuchFunction { .. }
            | RunError::AmbiguousFunction { .. }
            | RunError::NoSuchComponent { .. }
            | RunError::InvalidArgs { .. }
            | RunError::Result { .. } => ExitClass::Input,
            RunError::Trap { .. }
            | RunError::StackOverflow
            | RunError::MemoryLimit { .. }
            | RunError::ResourceLimit { .. }
            | RunError::Timeout { .. }
            | RunError::Host { .. } => ExitClass::Guest,
            RunError::Engine { .. } => ExitClass::Failure,
        }
    }

    fn records(&self) -> Vec<Record> {
        let r = Record::error(self);
        vec![match self {
            RunError::Read { path, .. } | RunError::Invalid { path, .. } => r.with_file(path),
            RunError::KvStore { dir, .. } => r.with_file(dir),
            RunError::NoSuchFunction { target, .. }
            | RunError::AmbiguousFunction { target, .. }
            | RunError::InvalidArgs { target, .. }
            | RunError::Result { target, .. } => Record {
                function: Some(target.clone()),
                ..r
            },
            _ => r,
        }]
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn guest_failures_and_bad_calls() {
        let timeout = RunError::Timeout {
            after: Duration::from_millis(300),
        };
        assert_eq!(timeout.exit_class(), ExitClass::Guest);
        let call = RunError::NoSuchFunction {
            target: "greet".into(),
            available: "`hello: func()`".into(),
        };
        assert_eq!(call.exit_class(), ExitClass::Input);
        assert_eq!(call.records()[0].function.as_deref(), Some("greet"));
        let engine = RunError::Engine {
            what: "compile",
            message: "out of memory".into(),
        };
        assert_eq!(engine.exit_class(), ExitClass::Failure);
    }
}
