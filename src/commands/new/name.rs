//! Checks a new project's name and namespace, and spells them as the languages need.

use astc_resolver::PackageName;
use astc_resolver::diagnostic::elide;
use astc_resolver::name::NameError;

/// A name or namespace that cannot be used: what is wrong, and the spelling that would do.
#[derive(Debug)]
pub struct BadName {
    pub message: String,
    pub help: String,
}

/// Checks `namespace:name` with the component model's rules, suggesting a valid spelling.
pub fn check_name(
    namespace: &str,
    name: &str,
    from_dir: bool,
    command: &str,
) -> Result<(), BadName> {
    let full = format!("{namespace}:{name}");
    let bad = |part: &'static str, value: &str, reason: String| {
        let suggestion = kebab(value);
        let help = match (part, suggestion) {
            ("namespace", Some(s)) => format!("did you mean `--namespace {s}`?"),
            (_, Some(s)) if from_dir && command == "astc new" => {
                format!("did you mean `astc new {s}`? (or keep the directory with `--name {s}`)")
            }
            (_, Some(s)) if from_dir => format!("did you mean `{command} --name {s}`?"),
            (_, Some(s)) => format!("did you mean `--name {s}`?"),
            (_, None) => {
                "a name is kebab-case words such as `my-name`, each starting with a letter"
                    .to_string()
            }
        };
        BadName {
            message: reason,
            help,
        }
    };
    if name.is_empty() {
        return Err(BadName {
            message: "the directory has no name to give the component".into(),
            help: format!("give it one with `{command} --name NAME`"),
        });
    }
    if let Err(e) = PackageName::parse(&full) {
        let name_ok = PackageName::parse(&format!("x:{name}")).is_ok();
        let (part, value) = if name_ok {
            ("namespace", namespace)
        } else {
            ("name", name)
        };
        let why = match e {
            NameError::BadLabel { why, .. } => why,
            _ => "only letters, digits and `-` are allowed",
        };
        let what = match part {
            "namespace" => "namespace",
            _ if from_dir && command == "astc init" => "component name (the directory's name)",
            _ => "component name",
        };
        let message = format!(
            "invalid {what} `{}`: {why}; names are kebab-case words such as `my-name`, each starting with a letter",
            elide(value)
        );
        return Err(bad(part, value, message));
    }
    if PackageName::parse(&full).is_ok_and(|p| p.is_host()) {
        return Err(BadName {
            message: format!("`{full}` is reserved for interfaces the host provides"),
            help: "choose another namespace with `--namespace`".into(),
        });
    }
    Ok(())
}

/// `value` as kebab-case words (`Hello_World` → `hello-world`, `myApp` → `my-app`), if that
/// gives a valid label.
fn kebab(value: &str) -> Option<String> {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            // A word must start with a letter: a digit after `-` joins the previous word.
            if c.is_ascii_digit() && out.ends_with('-') {
                out.pop();
            }
            if !(c.is_ascii_digit() && out.is_empty()) {
                out.push(c.to_ascii_lowercase());
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
            prev_lower = false;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    (out != value && PackageName::parse(&format!("x:{out}")).is_ok()).then_some(out)
}

/// Names that would make an unbuildable Rust crate or module.
pub fn is_reserved(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "abstract",
        "as",
        "async",
        "await",
        "become",
        "box",
        "break",
        "const",
        "continue",
        "crate",
        "do",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "final",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "macro",
        "match",
        "mod",
        "move",
        "mut",
        "override",
        "priv",
        "pub",
        "ref",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "try",
        "type",
        "typeof",
        "unsafe",
        "unsized",
        "use",
        "virtual",
        "where",
        "while",
        "yield",
        "std",
        "core",
        "alloc",
        "test",
        "proc-macro",
    ];
    RESERVED.contains(&name)
}

/// The Rust module wit-bindgen generates for a WIT name: snake case, a keyword escaped
/// with a trailing `_` (as wit-bindgen does).
pub fn rust_module(wit: &str) -> String {
    let snake = wit.to_ascii_lowercase().replace('-', "_");
    if is_reserved(&snake) && !matches!(snake.as_str(), "std" | "core" | "alloc" | "test") {
        format!("{snake}_")
    } else {
        snake
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_kebab_case() {
        assert_eq!(kebab("Hello_World").as_deref(), Some("hello-world"));
        assert_eq!(kebab("myApp").as_deref(), Some("my-app"));
        assert_eq!(kebab("hello world!").as_deref(), Some("hello-world"));
        assert_eq!(kebab("app-2").as_deref(), Some("app2"));
        assert_eq!(kebab("2048"), None);
        assert_eq!(kebab("hello"), None);
    }

    #[test]
    fn rust_modules_follow_wit_bindgen() {
        assert_eq!(rust_module("hello-world"), "hello_world");
        assert_eq!(rust_module("my"), "my");
    }
}
