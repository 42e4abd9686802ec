// Progress on stderr, one rewritten line, only on a terminal: stdout stays clean JSON.
export function progressLine(text: string): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(`\r\x1b[K${text}`);
}
