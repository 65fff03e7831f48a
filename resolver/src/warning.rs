//! Warnings: things worth telling the user that do not stop the build.

use std::fmt;

/// A warning, with a stable code and the names it is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// A stable identifier, e.g. `astc::warn::unused_dependency`.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The component it is about, if any.
    pub component: Option<String>,
    /// The interface it is about, if any.
    pub interface: Option<String>,
}

impl Warning {
    /// A warning with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
            component: None,
            interface: None,
        }
    }

    /// Names the component it is about.
    pub fn component(mut self, c: impl ToString) -> Self {
        self.component = Some(c.to_string());
        self
    }

    /// Names the interface it is about.
    pub fn interface(mut self, i: impl ToString) -> Self {
        self.interface = Some(i.to_string());
        self
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
