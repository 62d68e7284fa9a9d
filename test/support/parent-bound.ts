// Servers that tests and benchmarks start as child processes end with the process that started them,
// however it ends. A parent killed with SIGKILL (or by `timeout`) cannot stop its children, and an orphan
// keeps its ports and its CPU: `npm run screenshots` stopped by `timeout` left its `provisio serve`
// running. The child reads its stdin, a pipe from the parent that nothing is written to; the pipe ends
// when the parent is gone, and the child then stops as on SIGTERM.

/**
 * Node `-e` code that runs `code` in a child that stops itself (SIGTERM) once its parent is gone. Spawn
 * it with stdin a pipe, and leave that pipe open. Its reading does not keep the child alive.
 */
export function endsWithParent(code: string): string {
  return `process.stdin.once("end", () => process.kill(process.pid, "SIGTERM")).unref(); process.stdin.resume(); ${code}`;
}
