/** A text progress bar for terminal views: `[██████░░░░] 6/10 (60 %)`. */
export function progressBar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(share * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} (${Math.round(share * 100)} %)`;
}
