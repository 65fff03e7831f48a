//! MCP (Model Context Protocol) for AI agents, with the official Rust SDK (rmcp): every
//! exported function is a tool, named, described and typed by
//! [`astc_compiler::schema`]; a call runs as every other call of the server does.
//!
//! Errors follow the specification: an unknown tool is a protocol error (invalid params);
//! bad arguments, a trap, a limit hit or a `result`'s `err` are a tool result with
//! `isError`, whose text says what went wrong, so the agent can correct itself.

use std::sync::Arc;

use astc_compiler::schema::{FunctionSchema, Output};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use super::Shared;
use crate::{CallArgs, Outcome, RunError};

/// The tools of a program, and what answers them.
#[derive(Clone)]
pub(crate) struct Agent {
    shared: Arc<Shared>,
    tools: Arc<Vec<(FunctionSchema, Tool)>>,
}

fn object(v: &Value) -> Arc<JsonObject> {
    Arc::new(v.as_object().cloned().unwrap_or_default())
}

impl Agent {
    pub(crate) fn new(shared: Arc<Shared>, functions: Vec<FunctionSchema>) -> Agent {
        let tools = functions
            .into_iter()
            .map(|f| {
                let mut tool = Tool::new(f.tool.clone(), f.description.clone(), object(&f.input))
                    .with_title(f.target.clone());
                if let Some(o) = &f.output {
                    tool = tool.with_raw_output_schema(object(o));
                }
                (f, tool)
            })
            .collect();
        Agent {
            shared,
            tools: Arc::new(tools),
        }
    }

    fn find(&self, name: &str) -> Option<&(FunctionSchema, Tool)> {
        self.tools.iter().find(|(_, t)| t.name == name)
    }
}

/// A failed call as the tool's error result: the message, and the hint when there is one.
fn failure(e: &RunError) -> CallToolResult {
    let mut text = e.to_string();
    if let Some(help) = miette::Diagnostic::help(e) {
        text.push_str(&format!("\nhelp: {help}"));
    }
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// Text for an agent: a string as it is, anything else as JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

impl ServerHandler for Agent {
    fn get_info(&self) -> ServerConfig {
        let name = self.shared.program.name().unwrap_or("component");
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                format!("astc serve {name}"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(format!(
                "The functions of the WebAssembly component `{name}`, each a tool, served by \
                 astc. Arguments and results are JSON as the schemas describe."
            ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.tools.iter().map(|(_, t)| t.clone()).collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.find(name).map(|(_, t)| t.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some((function, _)) = self.find(&request.name) else {
            let names: Vec<&str> = self.tools.iter().map(|(_, t)| &*t.name).collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "no tool named `{}`; the tools are {}",
                    request.name,
                    astc_resolver::diagnostic::quoted_list(names)
                ),
                None,
            ));
        };
        let target = function.target.clone();
        let form = function.output_form;
        let args = CallArgs::Object(request.arguments.unwrap_or_default());
        let outcome = self
            .shared
            .blocking(move |s| s.runner.call(&s.program, &target, &args, &s.sandbox))
            .await;
        let out = match outcome {
            Err(e) => return Err(ErrorData::internal_error(e.to_string(), None)),
            Ok(Err(e)) => return Ok(failure(&e).into()),
            Ok(Ok(out)) => out,
        };
        let mut content = Vec::new();
        let result = match out.outcome {
            Some(Outcome::Err(e)) => {
                let mut r = CallToolResult::error(vec![ContentBlock::text(text_of(&e))]);
                r.structured_content = None;
                r
            }
            Some(Outcome::Ok(v)) if form != Output::None => {
                content.push(ContentBlock::text(text_of(&v)));
                let structured = match form {
                    Output::Object => v,
                    _ => serde_json::json!({ "result": v }),
                };
                let mut r = CallToolResult::success(content);
                r.structured_content = Some(structured);
                r
            }
            _ => CallToolResult::success(content),
        };
        let mut result = result;
        // What the component sent with asterai's `send-response` is part of its answer.
        result
            .content
            .extend(out.responses.iter().map(|r| ContentBlock::text(r.clone())));
        Ok(result.into())
    }
}
