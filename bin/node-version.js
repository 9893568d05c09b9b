// The Node a lorahpo command needs: 24 or newer (type stripping runs the TypeScript sources, and
// the code uses Node 24 APIs). Started by an older Node, a command says so in one line and exits
// 1, instead of dying with ERR_UNKNOWN_FILE_EXTENSION on the first .ts import.
export const MIN_NODE_MAJOR = 24;

export function requireNode(command) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return;
  process.stderr.write(
    `${command} needs Node.js ${MIN_NODE_MAJOR} or newer, but was started by Node ${process.version} (${process.execPath}).\n` +
      `  In a checkout, npx ${command} … or node_modules/.bin/node uses the Node ${MIN_NODE_MAJOR} that npm ci installed.\n`,
  );
  process.exit(1);
}
