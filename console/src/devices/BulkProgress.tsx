// Live progress of bulk tasks: counts the task.* events of the tasks created, from the event stream
// opened before they were created (so none is missed).

import type { BulkRun } from "./bulk-run.js";

export function BulkProgress({ run, onDismiss }: { run: BulkRun; onDismiss(): void }) {
  const settled = run.done + run.failed + run.cancelled;
  const finished = run.created > 0 && settled >= run.created;
  return (
    <section class="card bulk-progress" aria-labelledby="bulk-progress-title">
      <div class="row">
        <h2 id="bulk-progress-title" class="grow">
          {run.label}
        </h2>
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      {run.created > 0 && <progress class="progress" max={run.created} value={settled} aria-label={`${run.label}: progress`} />}
      <p role="status" aria-live="polite" data-testid="bulk-status">
        {run.created === 0 ? "No task was created." : finished ? "Finished: " : "In progress: "}
        {run.created > 0 && `${run.done} done, ${run.failed} failed, ${run.cancelled} cancelled of ${run.created}`}
        {run.rejected > 0 && ` (${run.rejected} devices refused the values)`}
      </p>
    </section>
  );
}
