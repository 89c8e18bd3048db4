// Starts `rasp lsp` for RASP files through vscode-languageclient.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('rasp');
  const command = config.get('server.path', 'rasp');
  const run = { command, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'rasp',
    'RASP',
    { run, debug: run },
    {
      documentSelector: [{ language: 'rasp' }],
      initializationOptions: { example: config.get('example', '"hello"') },
      // Sends the `rasp` settings on every change (didChangeConfiguration).
      synchronize: { configurationSection: 'rasp' },
    }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
