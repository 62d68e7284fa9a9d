// Reading a new password for `provisio user`: from standard input (--password-stdin, for scripts), or
// typed at the terminal with no echo, twice. Never from an argument: those show in `ps` and shell
// history.

import { CliError } from "./cli-store.js";

/** Everything on standard input, less one final line break. */
export async function passwordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (text === "") throw new CliError("--password-stdin: standard input was empty");
  return text;
}

/** Asks on the terminal, without echo, twice; refuses when there is no terminal. */
export async function passwordFromTerminal(what: string, stdin: NodeJS.ReadStream = process.stdin, out: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!stdin.isTTY) throw new CliError("no terminal to ask the password on: give it on standard input with --password-stdin");
  // Echo goes off before the first prompt shows and comes back only after the second answer, so that
  // nothing typed in between is ever echoed.
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  try {
    const first = await askHidden(`${what}: `, stdin, out);
    const again = await askHidden("Again: ", stdin, out);
    if (first !== again) throw new CliError("the two passwords differ; nothing was changed");
    return first;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

function askHidden(prompt: string, stdin: NodeJS.ReadStream, out: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = "";
    const done = (err: Error | null) => {
      stdin.off("data", onData);
      out.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done(null);
        if (ch === "\u0003" || ch === "\u0004") return done(new CliError("cancelled; nothing was changed"));
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else if (ch >= " ") typed += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
    out.write(prompt);
  });
}
