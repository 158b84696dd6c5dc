// The VS Code side of the policyrules language server: start `policyrules lsp` over stdio for
// every .policy document and let vscode-languageclient wire diagnostics, hover, definition,
// references, completion, rename and formatting (run on save: editor.formatOnSave for [policy]).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("policyrules");
  const command = config.get("server.command", "policyrules");
  const args = config.get("server.args", ["lsp"]);
  // TransportKind.stdio adds `--stdio`, which `policyrules lsp` accepts
  const run = { command, args, transport: TransportKind.stdio };
  const serverOptions = { run, debug: run };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "policy" },
      { scheme: "untitled", language: "policy" },
    ],
    outputChannelName: "policyrules",
  };
  client = new LanguageClient("policyrules", "policyrules language server", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("policyrules.server") && client) {
        await client.stop();
        client = undefined;
        activate(context);
      }
    }),
  );
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `policyrules: cannot start \`${command} ${args.join(" ")}\` (${err.message}). ` +
        "Set policyrules.server.command to the policyrules executable (e.g. .venv/bin/policyrules).",
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
