// What the goal (a share of the baseline's sessions a second) asks of a target on the machine
// the benchmark ran on, from its own figures: the CPU its work would take at that rate, against what it
// has. The ACS on SQLite runs its sessions on one thread, so its rate is about one core over its CPU a
// session; the baseline is bound by the devices' offer, not by the machine (round 10 of issue 18), so a
// slower machine lowers the ratio through the ACS's CPU alone. In units of the reference JavaScript (the
// speed probe), the CPU a session compares across machines where milliseconds do not.

export interface GoalFigures {
  target: string;
  perSecond: number;
  /** The server's CPU a session, ms (all its processes). */
  cpuMs: number;
  baselinePerSecond: number;
  /** The share of the baseline asked, 0..1. */
  share: number;
  /** The reference JavaScript's time on this machine, µs (speed-probe.ts). */
  referenceUs: number;
  /** The machine's cores, and the CPU a session of what shares them with the server: the database's, the simulator's (ms). */
  machine?: { cores: number; othersMs: number };
}

/** One sentence: the cores the target's work keeps busy, those the goal would take, and the CPU a session it needs on one core. */
export function describeGoal(f: GoalFigures): string {
  const busy = (f.perSecond * f.cpuMs) / 1000;
  const wanted = f.share * f.baselinePerSecond;
  const needs = (wanted * f.cpuMs) / 1000;
  const oneCoreMs = 1000 / wanted;
  const units = (ms: number) => ((ms * 1000) / f.referenceUs).toFixed(1);
  const pct = `${Math.round(f.share * 100)}%`;
  return `${f.target}: ${f.cpuMs.toFixed(2)} ms of server CPU a session (${units(f.cpuMs)} times the reference JavaScript's ${f.referenceUs.toFixed(1)} µs) ` +
    `kept ${busy.toFixed(2)} cores busy; ${pct} of the baseline (${wanted.toFixed(0)} sessions/s) at that cost would take ${needs.toFixed(2)}, ` +
    `and on one core at most ${oneCoreMs.toFixed(2)} ms a session (${units(oneCoreMs)} times the reference)` +
    (f.cpuMs <= oneCoreMs ? ": within reach of one core" : `: ${Math.round(100 * (1 - oneCoreMs / f.cpuMs))}% less than now`) +
    (f.machine === undefined ? "." : `; with what shares the machine (the database and the simulator, ${f.machine.othersMs.toFixed(2)} ms a session), ` +
      `its ${f.machine.cores} cores would have to give ${((wanted * (f.cpuMs + f.machine.othersMs)) / 1000).toFixed(2)}.`);
}

/**
 * One sentence on the server's event loop thread over the measured windows: the share of the time it
 * ran, waited for a core (runnable, another thread or process on it), and neither (waiting for work,
 * for the disk or a lock). A loop that runs nearly all the time is bound by its own CPU a session; one
 * that waits for a core loses that share to what shares the machine; one that idles is held back by
 * something else (the simulator, a checkpoint holding its transactions).
 */
export function describeLoop(target: string, loop: { run: number; wait: number }): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rest = Math.max(0, 1 - loop.run - loop.wait);
  const bound = loop.run >= 0.9 ? "bound by its own CPU" : loop.wait >= rest ? "held back most by what shares its cores" : "held back most by waits of its own or a lack of work";
  return `${target}: the server's event loop thread ran ${pct(loop.run)} of the measured time, waited for a core ${pct(loop.wait)}, and waited for work, the disk or a lock ${pct(rest)}: ${bound}.`;
}
