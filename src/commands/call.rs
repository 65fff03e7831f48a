use std::path::PathBuf;
use std::process::ExitCode;

use crate::ui;

use astc_runner::CallArgs;

use super::sandbox::SandboxArgs;

/// Call a function a component exports, with JSON arguments, and print its result as JSON.
///
/// FUNCTION is `namespace:package/interface@version#function`, or, as asterai's `env call`
/// takes it, `interface/function` or just `function` when only one exported function has
/// that name (an ambiguous name lists the full names to choose from); a world-level
/// function is named by its plain name.
///
/// ARGS is either one JSON array with one value per parameter, or one shell argument per
/// parameter, as asterai takes them. Values use asterai's JSON mapping: records as objects,
/// options as null or the value, results as the ok value or {"error": e}, variants as
/// {"tag", "value"}, enums as strings, flags as arrays of names. With one argument per
/// parameter, a string parameter takes the text as written (a quoted JSON string, "x",
/// gives what it quotes) and any other parameter takes JSON (or bare text for an enum or
/// char). A single argument starting with `[` is always the JSON array of all arguments: to
/// pass a string that looks like JSON, such as `[1, 2]`, write the array form,
/// '["[1, 2]"]'. A component that can send responses (it imports asterai:host/api@0.1.0)
/// prints {"result": ..., "responses": [...]}.
#[derive(Debug, clap::Args)]
#[command(after_help = r#"Examples:
  astc call shop.wasm 'example:burger-shop/api@0.1.0#order-burger' '[{"address": "1 Main St"}]'
  astc call calc.wasm 'acme:calc/api@1.0.0#add' '[1, 2]'
  astc call calc.wasm api/add 1 2
  astc call calc.wasm add '[1, 2]'
  astc call hello.wasm greet world
  astc call calc.wasm 'acme:calc/api@1.0.0#add' --wave 'add(1, 2)'"#)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// The function: `ns:pkg/iface@x.y.z#func`, `iface/func`, or `func`.
    #[arg(value_name = "FUNCTION")]
    target: String,
    /// The arguments: one JSON array, or one value per parameter [default: none].
    #[arg(conflicts_with = "wave", allow_negative_numbers = true)]
    args: Vec<String>,
    /// The call in WAVE syntax instead, e.g. `add(1, 2)`; the result is printed as WAVE.
    #[arg(long, value_name = "CALL")]
    wave: Option<String>,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// How the shell arguments are read: one argument that starts with `[` is the JSON array
/// of all arguments (as astc always read it); anything else is one value per parameter.
fn call_args(args: &[String]) -> CallArgs {
    match args {
        [] => CallArgs::Json("[]".into()),
        [one] if one.trim_start().starts_with('[') => CallArgs::Json(one.clone()),
        values => CallArgs::Values(values.to_vec()),
    }
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let runner = self.sandbox.runner()?;
        let sandbox = self.sandbox.sandbox()?;
        let program = runner.load(&self.file)?;
        let args = match &self.wave {
            Some(w) => CallArgs::Wave(w.clone()),
            None => call_args(&self.args),
        };
        let out = runner.call(&program, &self.target, &args, &sandbox)?;
        if out.sends_responses && self.wave.is_none() {
            let result: serde_json::Value =
                serde_json::from_str(&out.result).unwrap_or(serde_json::Value::Null);
            let envelope = serde_json::json!({ "result": result, "responses": out.responses });
            ui::print(format_args!("{envelope}\n"))?;
        } else {
            ui::print(format_args!("{}\n", out.result))?;
            for r in &out.responses {
                eprintln!("response: {r}");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_array_or_one_value_per_parameter() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches!(call_args(&[]), CallArgs::Json(j) if j == "[]"));
        assert!(matches!(call_args(&v(&[" [1, 2]"])), CallArgs::Json(j) if j == " [1, 2]"));
        assert!(matches!(call_args(&v(&["x"])), CallArgs::Values(a) if a == ["x"]));
        assert!(matches!(call_args(&v(&["[1]", "2"])), CallArgs::Values(a) if a.len() == 2));
        assert!(matches!(call_args(&v(&["{}"])), CallArgs::Values(_)));
    }
}
