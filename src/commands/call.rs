use std::path::PathBuf;
use std::process::ExitCode;

use crate::ui;

use astc_runner::CallArgs;

use super::sandbox::SandboxArgs;

/// Call a function a component exports, with JSON arguments, and print its result as JSON.
///
/// TARGET is `namespace:package/interface@version#function` for a function inside an
/// interface, or a world-level function's plain name. ARGS is a JSON array with one value per
/// parameter, in asterai's mapping: records as objects, options as null or the value,
/// results as the ok value or {"error": e}, variants as {"tag", "value"}, enums as strings,
/// flags as arrays of names. A component that can send responses (it imports
/// asterai:host/api@0.1.0) prints {"result": ..., "responses": [...]}.
#[derive(Debug, clap::Args)]
#[command(after_help = r#"Examples:
  astc call shop.wasm 'example:burger-shop/api@0.1.0#order-burger' '[{"address": "1 Main St"}]'
  astc call calc.wasm 'acme:calc/api@1.0.0#add' '[1, 2]'
  astc call calc.wasm 'acme:calc/api@1.0.0#add' --wave 'add(1, 2)'"#)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// The function: `ns:pkg/iface@x.y.z#func`, or a world-level function's name.
    target: String,
    /// The arguments, a JSON array [default: `[]`].
    #[arg(conflicts_with = "wave")]
    args: Option<String>,
    /// The call in WAVE syntax instead, e.g. `add(1, 2)`; the result is printed as WAVE.
    #[arg(long, value_name = "CALL")]
    wave: Option<String>,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

impl Args {
    pub fn run(self) -> crate::diagnostic::Result<ExitCode> {
        let runner = self.sandbox.runner()?;
        let sandbox = self.sandbox.sandbox()?;
        let program = runner.load(&self.file)?;
        let args = match &self.wave {
            Some(w) => CallArgs::Wave(w.clone()),
            None => CallArgs::Json(self.args.clone().unwrap_or_else(|| "[]".into())),
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
